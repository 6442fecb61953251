// The peers issue 15 compares with, used only when installed (the bench never
// installs them; CI does not have them): chronic (moreutils) and cronic.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const PEER_MISSING = {
  chronic: 'skipped: chronic (moreutils) is not installed',
  cronic: 'skipped: cronic is not installed',
};

/** The executable `name` on PATH, or null. */
export function peerPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return null;
}
