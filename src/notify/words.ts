import type { Lang } from '../config/alerting.js';
import type { AlertKind } from './types.js';

/**
 * Every word an alert says, per language and per alert kind: the one table the
 * e-mail, Slack, Teams, the webhook and the log lines read. The Japanese subject
 * and the runbook §5.2 lines (OP-BKP-ALT-001) are requirements: verbatim.
 */
interface KindWords {
  /**
   * Every subject names the job and the host (`pg@db1`, issue 21) after the runbook's prefix;
   * most also name the run, `missing` and `reminder` do not (there is no run, or several).
   */
  subject: (backupId: string, identity: string) => string;
  heading: string;
  advice: string;
  /** What the log lines call it: `Failure alert sent to Slack`, `Failure alert email sent to …` (§9.2). */
  logName: string;
}

const KINDS: Record<Lang, Record<AlertKind, KindWords>> = {
  ja: {
    failure: {
      subject: (id, who) => `【緊急】バックアップ失敗: ${who} ${id}`,
      heading: '【緊急】バックアップ処理が失敗しました',
      advice: '速やかに原因を確認し、手動バックアップの実行を検討してください。',
      logName: 'failure alert',
    },
    recovery: {
      subject: (id, who) => `【復旧】バックアップ復旧: ${who} ${id}`,
      heading: '【復旧】バックアップが正常に完了しました',
      advice: '直前の失敗から復旧しました。',
      logName: 'recovery notice',
    },
    test: {
      subject: (_id, who) => `【テスト】バックアップアラート通知テスト: ${who}`,
      heading: '【テスト】これはバックアップアラートのテスト通知です（実際の障害ではありません）',
      advice: '速やかに原因を確認し、手動バックアップの実行を検討してください。',
      logName: 'test alert',
    },
    suspect: {
      subject: (id, who) => `【注意】バックアップ容量の急減: ${who} ${id}`,
      heading: '【注意】バックアップは成功しましたが、容量が通常より大幅に減少しています',
      advice:
        'バックアップの内容（対象のマウント、除外設定、ダンプ対象のデータ）を確認し、必要に応じて手動バックアップを実行してください。',
      logName: 'size warning',
    },
    'suspect-growth': {
      subject: (id, who) => `【注意】バックアップ容量の急増: ${who} ${id}`,
      heading: '【注意】バックアップは成功しましたが、容量が通常より大幅に増加しています',
      advice: 'バックアップの内容（対象のデータ、除外設定）と保存先の空き容量を確認してください。',
      logName: 'size warning',
    },
    missing: {
      subject: (_id, who) => `【警告】バックアップ未実行: ${who}`,
      heading: '【警告】バックアップが予定どおり実行されていません',
      advice:
        'スケジューラ（cron / systemd タイマー）とホストの状態を確認し、手動バックアップの実行を検討してください。',
      logName: 'missing backup alert',
    },
    slow: {
      subject: (id, who) => `【注意】バックアップ実行中: ${who} ${id}`,
      heading: '【注意】バックアップが想定より長く実行中です',
      advice:
        'バックアップはまだ実行中です。処理が停滞していないか、ディスクとネットワークの状態を確認してください。',
      logName: 'slow backup warning',
    },
    reminder: {
      subject: (_id, who) => `【再通知】バックアップ障害継続中: ${who}`,
      heading: '【再通知】バックアップの障害がまだ解消されていません',
      advice: '速やかに原因を確認し、手動バックアップの実行を検討してください。',
      logName: 'reminder',
    },
    'config-problem': {
      subject: (_id, type) => `【注意】バックアップ設定の問題: ${type}`,
      heading: '【注意】設定に誤りがあります（バックアップは既定値で実行されました）',
      advice:
        'エラー内容の設定を env ファイルで修正し、backup-alert doctor で確認してください。この通知は設定ごとに1日1回です。',
      logName: 'settings problem notice',
    },
  },
  en: {
    failure: {
      subject: (id, who) => `[URGENT] Backup failed: ${who} ${id}`,
      heading: '[URGENT] A backup has failed',
      advice: 'Investigate the cause promptly and consider running a manual backup.',
      logName: 'failure alert',
    },
    recovery: {
      subject: (id, who) => `[RECOVERED] Backup recovered: ${who} ${id}`,
      heading: '[RECOVERED] The backup completed successfully again',
      advice: 'The backup has recovered from the previous failure.',
      logName: 'recovery notice',
    },
    test: {
      subject: (_id, who) => `[TEST] Backup alert notification test: ${who}`,
      heading: '[TEST] This is a test of backup alerting (not a real failure)',
      advice: 'Investigate the cause promptly and consider running a manual backup.',
      logName: 'test alert',
    },
    suspect: {
      subject: (id, who) => `[WARNING] Backup size dropped sharply: ${who} ${id}`,
      heading: '[WARNING] The backup succeeded, but its artifact is far smaller than usual',
      advice:
        'Check what was backed up (mounts, excludes, the data dumped) and run a manual backup if needed.',
      logName: 'size warning',
    },
    'suspect-growth': {
      subject: (id, who) => `[WARNING] Backup size grew sharply: ${who} ${id}`,
      heading: '[WARNING] The backup succeeded, but its artifact is far larger than usual',
      advice: 'Check what was backed up (the data, excludes) and the free space where backups are kept.',
      logName: 'size warning',
    },
    missing: {
      subject: (_id, who) => `[WARNING] Backup not run: ${who}`,
      heading: '[WARNING] A backup has not run as expected',
      advice:
        'Check the scheduler (cron / systemd timer) and the host, and consider running a manual backup.',
      logName: 'missing backup alert',
    },
    slow: {
      subject: (id, who) => `[NOTICE] Backup still running: ${who} ${id}`,
      heading: '[NOTICE] A backup is taking longer than expected',
      advice:
        'The backup is still running. Check that it is not stuck, and look at the disk and the network.',
      logName: 'slow backup warning',
    },
    reminder: {
      subject: (_id, who) => `[REMINDER] Backup still failing: ${who}`,
      heading: '[REMINDER] A backup problem is still not resolved',
      advice: 'Investigate the cause promptly and consider running a manual backup.',
      logName: 'reminder',
    },
    'config-problem': {
      subject: (_id, type) => `[NOTICE] Backup settings problem: ${type}`,
      heading: '[NOTICE] A setting is invalid (the backup ran on the default)',
      advice:
        'Fix the setting named in the error in the env file and check it with backup-alert doctor. This notice is sent once a day per setting.',
      logName: 'settings problem notice',
    },
  },
};

const LABELS = {
  ja: {
    backupId: 'バックアップID',
    type: '種別',
    timestamp: '発生時刻',
    error: 'エラー内容',
    host: 'ホスト',
    job: 'ジョブ',
    exitCode: '終了コード',
    signal: 'シグナル',
    duration: '実行時間',
    consecutive: '連続失敗回数',
    escalation: '（エスカレーション基準 Level 2 に到達: 手順書 §13）',
    suppressed: '抑止された同一失敗',
    late: (due: string, now: string) => `遅延送信: この通知は ${due} に送信できず、${now} に再送されました`,
    logPath: 'ログファイル',
    artifact: '成果物',
    sizeMedian: (runs: number) => `直近${runs}回の成功の中央値`,
    sizeRecent: '直近の容量',
    outputTail: '出力の末尾',
    systemUrl: 'システムURL',
    notSet: '(未設定)',
    footer: 'ITSM-Sec Nexus バックアップアラート',
    localTime: '現地時刻',
    incidentSince: '障害発生時刻',
    incidentClosed: '障害終了時刻',
    failedRuns: '障害中に失敗した実行',
    reminder: '再通知',
    reminderNo: (n: number) => `${n}回目`,
    lastSuccess: '最終成功',
    never: 'なし（一度も成功していません）',
    maxAge: '許容間隔',
    overdue: '超過時間',
    lastRun: '最終実行',
    runningFor: '経過時間',
    warnAfter: '警告しきい値',
    heldBySilence: 'サイレンス中に保留された通知',
    previewMark: '【テスト】',
  },
  en: {
    backupId: 'Backup ID',
    type: 'Type',
    timestamp: 'Time',
    error: 'Error',
    host: 'Host',
    job: 'Job',
    exitCode: 'Exit code',
    signal: 'Signal',
    duration: 'Duration',
    consecutive: 'Consecutive failures',
    escalation: ' (Level 2 escalation threshold reached: runbook §13)',
    suppressed: 'Identical failures suppressed',
    late: (due: string, now: string) =>
      `Late delivery: this alert could not be sent at ${due}; re-sent at ${now}`,
    logPath: 'Log file',
    artifact: 'Artifact',
    sizeMedian: (runs: number) => `Median of the last ${runs} successes`,
    sizeRecent: 'Recent sizes',
    outputTail: 'End of output',
    systemUrl: 'System URL',
    notSet: '(not set)',
    footer: 'ITSM-Sec Nexus backup alert',
    localTime: 'Local time',
    incidentSince: 'Incident open since',
    incidentClosed: 'Incident closed',
    failedRuns: 'Failed runs in this incident',
    reminder: 'Reminder',
    reminderNo: (n: number) => `#${n}`,
    lastSuccess: 'Last success',
    never: 'never (no successful run recorded)',
    maxAge: 'Max age',
    overdue: 'Overdue by',
    lastRun: 'Last run',
    runningFor: 'Running for',
    warnAfter: 'Warn after',
    heldBySilence: 'Alerts held during a silence',
    previewMark: '[TEST] ',
  },
} as const;

export type Labels = (typeof LABELS)[Lang];

/** The labels every message uses (バックアップID, 種別, …). */
export function labels(lang: Lang): Labels {
  return LABELS[lang];
}

/** Subject, heading, advice and log name for one kind of alert. */
export function kindWords(lang: Lang, kind: AlertKind): KindWords {
  return KINDS[lang][kind];
}
