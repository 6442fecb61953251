#!/usr/bin/env bash
# A small, real backup: tar + gzip of BACKUP_SOURCE into BACKUP_TARGET, named
# after the BACKUP_ID that backup-alert passes in. Keeps BACKUP_KEEP archives.
#
#   BACKUP_SOURCE=/etc BACKUP_TARGET=/var/backups/etc backup-alert run --type daily --script ./backup.sh
#
# It fails loudly (non-zero exit, one clear line on stderr) when something is
# wrong, because that last stderr line becomes the alert's エラー内容.
set -euo pipefail

source_dir="${BACKUP_SOURCE:?BACKUP_SOURCE is not set (the directory to back up)}"
target_dir="${BACKUP_TARGET:?BACKUP_TARGET is not set (where archives go)}"
keep="${BACKUP_KEEP:-7}"
name="${BACKUP_ID:-manual-$(date -u +%Y%m%d-%H%M%S)}"

fail() {
  echo "backup.sh: $*" >&2
  exit 1
}

[ -d "$source_dir" ] || fail "source directory $source_dir does not exist"
mkdir -p "$target_dir" 2>/dev/null || fail "cannot create target directory $target_dir"
[ -w "$target_dir" ] || fail "target directory $target_dir is not writable"

archive="$target_dir/$name.tar.gz"
partial="$archive.partial"
trap 'rm -f "$partial"' EXIT

echo "Backing up $source_dir to $archive"
tar -czf "$partial" -C "$(dirname "$source_dir")" "$(basename "$source_dir")" \
  || fail "tar failed writing $partial (disk full?)"
mv "$partial" "$archive"
echo "Wrote $(du -h "$archive" | cut -f1) to $archive"

# Keep the newest $keep archives.
find "$target_dir" -maxdepth 1 -type f -name '*.tar.gz' -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2- \
  | tail -n +"$((keep + 1))" | while read -r old; do
  rm -f -- "$old" && echo "Removed old archive $old"
done
