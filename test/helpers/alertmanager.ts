import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { type Daemon, startDaemon } from './prometheus.js';

/** Debian's prometheus-alertmanager (0.25, API v2) and its amtool: the real ones. */
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
export const AMTOOL = '/usr/bin/amtool';

export interface AlertmanagerTiming {
  groupWait: string;
  groupInterval: string;
  repeatInterval?: string;
}

/**
 * An Alertmanager on 127.0.0.1:<free port>, alone (no gossip), its state in `dir`, routing
 * everything to one webhook receiver grouped by alertname and target (as examples/alertmanager).
 */
export async function startAlertmanager(
  dir: string,
  webhookUrl: string,
  timing: AlertmanagerTiming,
): Promise<Daemon> {
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: hook',
      "  group_by: ['alertname', 'target']",
      `  group_wait: ${timing.groupWait}`,
      `  group_interval: ${timing.groupInterval}`,
      `  repeat_interval: ${timing.repeatInterval ?? '4h'}`,
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: '${webhookUrl}'`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  return startDaemon(
    ALERTMANAGER,
    (port) => [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    '/-/ready',
  );
}

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}

/** The alerts Alertmanager holds now (resolved ones are not listed). */
export async function activeAlerts(url: string): Promise<AmAlert[]> {
  const response = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET /api/v2/alerts: HTTP ${response.status}`);
  return (await response.json()) as AmAlert[];
}

/** `amtool <args>`: exit code and everything it printed. */
export async function amtool(args: string[]): Promise<{ exitCode: number; output: string }> {
  const result = await execa(AMTOOL, args, { reject: false, all: true, timeout: 30_000 });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

/** Polls `check` until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
