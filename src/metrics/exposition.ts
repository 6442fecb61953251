import {
  type MetricsSnapshot,
  type NotificationSnapshot,
  RUN_OUTCOMES,
  type TypeSnapshot,
} from './snapshot.js';

/**
 * Prometheus text exposition format 0.0.4: what node_exporter's textfile collector reads,
 * what the Pushgateway takes, and what `/metrics` serves.
 */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = ReadonlyArray<readonly [name: string, value: string]>;
interface Sample {
  labels: Labels;
  value: number;
}
interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: Sample[];
}

/**
 * "Never" reads as 0 for timestamps, durations, success and counts (a stale-backup rule then
 * sees an age of ~56 years and fires), and as -1 for the exit code, which no process returns.
 * Every type gets every series whatever its history, so rules never meet a missing series.
 */
export const NEVER = { timestamp: 0, exitCode: -1 } as const;

/** Renders a snapshot. Fleet-wide (any entry has a host) every per-host series gets a `host` label. */
export function renderExposition(snapshot: MetricsSnapshot): string {
  const fleet =
    snapshot.types.some((t) => t.host !== undefined) ||
    snapshot.notifications.some((n) => n.host !== undefined);
  const hostOf = (entry: { host?: string }): Labels => (fleet ? [['host', entry.host ?? '']] : []);
  const types = unique(snapshot.types, (t) => `${t.host ?? ''}\u0000${t.job ?? t.type}`);
  // The job (issue 21) as `backup_job`, beside `type`: `job` is Prometheus's own target label
  // (a textfile's `job` becomes `exported_job` at the scrape) and the Pushgateway's grouping
  // key, which pushed metrics must not carry. A type left empty (a promised job that never
  // ran) is no label.
  const jobOf = (t: TypeSnapshot): Labels => [
    ['backup_job', t.job ?? t.type],
    ...(t.type ? ([['type', t.type]] as const) : []),
  ];
  const notifications = unique(snapshot.notifications, (n) => n.host ?? '');
  const perType = (value: (t: TypeSnapshot) => number | undefined): Sample[] =>
    types.flatMap((t) => {
      const v = value(t);
      return v === undefined ? [] : [{ labels: [...hostOf(t), ...jobOf(t)], value: v }];
    });
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? 0 : ms / 1000);

  const families: Family[] = [
    {
      name: 'backup_alert_last_run_timestamp_seconds',
      type: 'gauge',
      help: 'When the latest run of this job finished (Unix time); 0 = no run has finished.',
      samples: perType((t) => (t.lastRun ? t.lastRun.finishedAtMs / 1000 : NEVER.timestamp)),
    },
    {
      name: 'backup_alert_last_success_timestamp_seconds',
      type: 'gauge',
      help: 'When the latest successful run of this job finished (Unix time); 0 = never succeeded.',
      samples: perType((t) => (t.lastSuccessAtMs === null ? NEVER.timestamp : t.lastSuccessAtMs / 1000)),
    },
    {
      name: 'backup_alert_last_run_duration_seconds',
      type: 'gauge',
      help: 'How long the latest finished run took; 0 = no run finished, or it was abandoned.',
      samples: perType((t) => seconds(t.lastRun?.durationMs)),
    },
    {
      name: 'backup_alert_last_run_exit_code',
      type: 'gauge',
      help: 'Exit code backup-alert returned for the latest finished run; -1 = none (never ran, or abandoned).',
      samples: perType((t) => t.lastRun?.exitCode ?? NEVER.exitCode),
    },
    {
      name: 'backup_alert_last_run_success',
      type: 'gauge',
      help: '1 if the latest finished run succeeded, else 0 (also 0 when no run has finished).',
      samples: perType((t) => (t.lastRun?.status === 'success' ? 1 : 0)),
    },
    {
      name: 'backup_alert_consecutive_failures',
      type: 'gauge',
      help: 'Failed or abandoned runs of this job since its latest success.',
      samples: perType((t) => t.consecutiveFailures),
    },
    {
      name: 'backup_alert_runs_total',
      type: 'counter',
      help: 'Runs that finished with each status (success, failure, abandoned).',
      samples: types.flatMap((t) =>
        RUN_OUTCOMES.map((status) => ({
          labels: [...hostOf(t), ...jobOf(t), ['status', status]] as const,
          value: t.runs[status],
        })),
      ),
    },
    {
      name: 'backup_alert_last_artifact_bytes',
      type: 'gauge',
      help: 'Size in bytes of the artifact the latest finished run checked.',
      samples: perType((t) => t.lastRun?.artifactBytes),
    },
    {
      name: 'backup_alert_notifications_pending',
      type: 'gauge',
      help: 'Notifications not delivered yet, waiting for backup-alert retry.',
      samples: notifications.map((n) => ({ labels: hostOf(n), value: n.pending })),
    },
    {
      name: 'backup_alert_notifications_total',
      type: 'counter',
      help: 'Notifications that reached a final status (sent, or failed for good), by channel.',
      samples: notifications.flatMap((n) => deliverySamples(n, hostOf(n))),
    },
    {
      name: 'backup_alert_build_info',
      type: 'gauge',
      help: 'Always 1; the version label says which backup-alert wrote these metrics.',
      samples: [{ labels: [['version', snapshot.version]], value: 1 }],
    },
  ];
  return families
    .filter((family) => family.samples.length > 0)
    .map(renderFamily)
    .join('');
}

function deliverySamples(n: NotificationSnapshot, host: Labels): Sample[] {
  const seen = new Set<string>();
  const samples: Sample[] = [];
  for (const d of n.delivered) {
    const key = `${d.channel}\u0000${d.status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    samples.push({
      labels: [...host, ['channel', d.channel], ['status', d.status]],
      value: d.count,
    });
  }
  return samples;
}

function renderFamily(family: Family): string {
  let text = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
  for (const sample of family.samples) {
    const labels = sample.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
    text += `${family.name}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}\n`;
  }
  return text;
}

/** Label values: backslash, double quote and line feed are the three the format escapes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text escapes backslash and line feed only. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Go's ParseFloat reads what JavaScript prints, except the spellings of the infinities and NaN. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** One entry per key, the first one: a repeated series would make the whole file unreadable. */
function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
