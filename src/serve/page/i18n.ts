import type { Health } from '../health.js';

export type PageLang = 'ja' | 'en';

/** Every word the pages print, per language (BACKUP_ALERT_LANG, or `?lang=`). */
export interface Messages {
  title: string;
  checkedAt: string;
  refreshEvery: (seconds: number) => string;
  otherLang: { lang: PageLang; label: string };
  health: Record<Health, string>;
  runStatus: Record<string, string>;
  notificationStatus: Record<string, string>;
  /** `hosts` counts hosts; `jobs` the host × job cells the health chips count. */
  summary: { hosts: string; jobs: string };
  /** The per-job page (/jobs/{job}). */
  job: {
    link: string;
    title: (job: string, host: string | null) => string;
    strip: (count: number) => string;
    durationChart: string;
    sizeChart: string;
    noSize: string;
    runNow: string;
  };
  runningSince: (age: string) => string;
  sections: {
    escalations: string;
    grid: string;
    failures: string;
    undelivered: string;
    notifications: string;
  };
  columns: {
    host: string;
    type: string;
    backupId: string;
    started: string;
    finished: string;
    duration: string;
    exitCode: string;
    error: string;
    output: string;
    channel: string;
    recipient: string;
    status: string;
    attempts: string;
    created: string;
    script: string;
    lastSuccess: string;
  };
  neverSucceeded: string;
  ago: (age: string) => string;
  inARow: (count: number, escalate: boolean) => string;
  none: string;
  noRuns: string;
  back: string;
  notFound: string;
  moreOf: (shown: number, total: number) => string;
  duration: (ms: number) => string;
  /** Over the centre (issue 25): a host name two machines ship under, and a host's clock. */
  hostNotes: {
    section: string;
    clash: (installations: number, pendingRows: number) => string;
    clock: (skew: string) => string;
  };
  /** Over the centre (issue 26): a storm, one row for all its hosts. */
  storms: {
    section: string;
    row: (hosts: number, kind: 'target' | 'error', label: string, job: string) => string;
  };
}

const UNITS = {
  ja: { d: '日', h: '時間', m: '分', s: '秒', sep: '' },
  en: { d: 'd', h: 'h', m: 'm', s: 's', sep: ' ' },
} as const;

/** Two largest units are enough for an age on a dashboard: `3d 4h`, `3日4時間`. */
function duration(lang: PageLang, ms: number): string {
  const unit = UNITS[lang];
  // An 80 ms run is not "0s".
  if (ms > 0 && ms < 1000) return `${Math.round(ms)}${unit.sep}ms`;
  const seconds = Math.max(0, Math.round(ms / 1000));
  // Written out rather than looped: the 1,000-host page formats 4,000 ages.
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = seconds % 60;
  if (d > 0) return h > 0 ? `${d}${unit.d}${unit.sep}${h}${unit.h}` : `${d}${unit.d}`;
  if (h > 0) return m > 0 ? `${h}${unit.h}${unit.sep}${m}${unit.m}` : `${h}${unit.h}`;
  if (m > 0) return s > 0 ? `${m}${unit.m}${unit.sep}${s}${unit.s}` : `${m}${unit.m}`;
  return `${s}${unit.s}`;
}

const JA: Messages = {
  title: 'バックアップ管理',
  checkedAt: '確認時刻',
  refreshEvery: (s) => `${s}秒ごとに自動更新`,
  otherLang: { lang: 'en', label: 'English' },
  health: { ok: '正常', failed: '失敗', stale: '期限超過', never: '未実行', running: '実行中' },
  runStatus: { success: '成功', failure: '失敗', running: '実行中', abandoned: '中断' },
  notificationStatus: { sent: '送信済み', failed: '送信失敗', pending: '再送待ち' },
  summary: { hosts: 'ホスト', jobs: 'ジョブ（ホスト × 種別）' },
  job: {
    link: '履歴',
    title: (job, host) => `${job}${host ? ` @ ${host}` : ''} の履歴`,
    strip: (n) => `直近${n}回の実行`,
    durationChart: '所要時間の推移',
    sizeChart: '成果物サイズの推移',
    noSize: 'サイズの記録なし（run --artifact）',
    runNow: '今すぐ実行',
  },
  runningSince: (age) => `実行中（${age}前から）`,
  sections: {
    escalations: 'エスカレーション（連続失敗）',
    grid: 'ホスト × 種別の状態',
    failures: '最近の失敗',
    undelivered: '届いていないアラート',
    notifications: '通知',
  },
  columns: {
    host: 'ホスト',
    type: '種別',
    backupId: 'バックアップID',
    started: '開始',
    finished: '終了',
    duration: '所要時間',
    exitCode: '終了コード',
    error: 'エラー内容',
    output: '出力の末尾',
    channel: 'チャネル',
    recipient: '宛先',
    status: '状態',
    attempts: '試行回数',
    created: '発生時刻',
    script: 'スクリプト',
    lastSuccess: '最終成功',
  },
  neverSucceeded: '成功なし',
  ago: (age) => `${age}前`,
  inARow: (n, escalate) => `${n}回連続で失敗${escalate ? '（Level 2: システム管理者対応）' : ''}`,
  none: 'なし',
  noRuns: 'まだ記録された実行はありません。',
  back: '← 一覧へ戻る',
  notFound: 'このバックアップIDは記録にありません。',
  moreOf: (shown, total) => `${total}件中${shown}件を表示`,
  duration: (ms) => duration('ja', ms),
  hostNotes: {
    section: 'ホスト名の重複・時刻のずれ',
    clash: (n, pending) =>
      `ホスト名の重複（緊急）: 別のマシン${n}台がこの名前で送信を拒否されています（未送信 ${pending} 件）。BACKUP_ALERT_HOST を分けるか、置き換えたマシンで sync --take-over を実行してください`,
    clock: (skew) => `時計のずれ ${skew}（経過時間はセンターの受信時刻で判定）`,
  },
  storms: {
    section: '一斉障害（ストーム）',
    row: (hosts, kind, label, job) =>
      `ストーム: ${hosts}台のホストで ${job} が失敗 — ${kind === 'target' ? `バックアップ先 ${label}` : `同じエラー: ${label}`}`,
  },
};

const EN: Messages = {
  title: 'Backups',
  checkedAt: 'Checked at',
  refreshEvery: (s) => `Refreshes every ${s} s`,
  otherLang: { lang: 'ja', label: '日本語' },
  health: { ok: 'OK', failed: 'Failed', stale: 'Overdue', never: 'Never ran', running: 'Running' },
  runStatus: { success: 'success', failure: 'failure', running: 'running', abandoned: 'abandoned' },
  notificationStatus: { sent: 'sent', failed: 'failed', pending: 'pending retry' },
  summary: { hosts: 'hosts', jobs: 'jobs (host × type)' },
  job: {
    link: 'history',
    title: (job, host) => `${job}${host ? ` @ ${host}` : ''}: history`,
    strip: (n) => `Last ${n} runs`,
    durationChart: 'Duration over time',
    sizeChart: 'Artifact size over time',
    noSize: 'No size recorded (run --artifact)',
    runNow: 'Run now',
  },
  runningSince: (age) => `running for ${age}`,
  sections: {
    escalations: 'Escalations (failures in a row)',
    grid: 'Health by host and type',
    failures: 'Latest failures',
    undelivered: 'Undelivered alerts',
    notifications: 'Notifications',
  },
  columns: {
    host: 'Host',
    type: 'Type',
    backupId: 'Backup ID',
    started: 'Started',
    finished: 'Finished',
    duration: 'Duration',
    exitCode: 'Exit code',
    error: 'Error',
    output: 'End of output',
    channel: 'Channel',
    recipient: 'Recipient',
    status: 'Status',
    attempts: 'Attempts',
    created: 'When',
    script: 'Script',
    lastSuccess: 'Last success',
  },
  neverSucceeded: 'never succeeded',
  ago: (age) => `${age} ago`,
  inARow: (n, escalate) => `${n} failed in a row${escalate ? ' (Level 2: system administrator)' : ''}`,
  none: 'None',
  noRuns: 'No run recorded yet.',
  back: '← Back to the overview',
  notFound: 'No run with this backup ID is recorded.',
  moreOf: (shown, total) => `${shown} of ${total} shown`,
  duration: (ms) => duration('en', ms),
  hostNotes: {
    section: 'Name clashes and clocks',
    clash: (n, pending) =>
      `Name clash (critical): ${n} other machine(s) refused under this name, ${pending} rows not shipped. Give each its own BACKUP_ALERT_HOST, or run sync --take-over on the machine that replaced the other`,
    clock: (skew) => `Clock off by ${skew} (ages use the centre's receipt time)`,
  },
  storms: {
    section: 'Storms',
    row: (hosts, kind, label, job) =>
      `Storm: ${job} failed on ${hosts} hosts — ${kind === 'target' ? `target ${label}` : `same error: ${label}`}`,
  },
};

export const MESSAGES: Readonly<Record<PageLang, Messages>> = { ja: JA, en: EN };
