import { execa, type ResultPromise } from 'execa';
import { onTestFinished } from 'vitest';
import { closedPort } from './net.js';

/**
 * The real tools, never stand-ins (Debian's prometheus, prometheus-node-exporter and
 * prometheus-pushgateway), found on PATH: the interop tier's preflight checks them, and CI
 * runs the npm tier with them hidden from PATH to prove it needs none.
 */
export const PROMTOOL = 'promtool';
export const NODE_EXPORTER = 'prometheus-node-exporter';
export const PUSHGATEWAY = 'prometheus-pushgateway';

export interface ToolResult {
  exitCode: number;
  output: string;
}

/** `promtool check metrics` on an exposition given on stdin: exit 0 and no lint output when it is clean. */
export async function promtoolCheckMetrics(text: string): Promise<ToolResult> {
  const result = await execa(PROMTOOL, ['check', 'metrics'], {
    input: text,
    reject: false,
    all: true,
    timeout: 20_000,
  });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

export async function promtool(args: string[], cwd?: string): Promise<ToolResult> {
  const result = await execa(PROMTOOL, args, {
    reject: false,
    all: true,
    timeout: 60_000,
    ...(cwd ? { cwd } : {}),
  });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

export interface Daemon {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a daemon on 127.0.0.1:<free port> and waits until `readyPath` answers 200. Stopped
 * (by its own PID) when the test or the file finishes: pass `onFinished` to choose the hook.
 */
export async function startDaemon(
  command: string,
  args: (port: number) => string[],
  readyPath: string,
  onFinished: (stop: () => Promise<void>) => void = onTestFinished,
): Promise<Daemon> {
  // A free port can be taken between our check and the daemon's bind: try a few.
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await closedPort();
    const child: ResultPromise = execa(command, args(port), { reject: false, all: true, stdin: 'ignore' });
    let exited = false;
    void child.then(() => {
      exited = true;
    });
    const stop = async () => {
      if (!exited) child.kill('SIGTERM');
      await child;
    };
    const url = `http://127.0.0.1:${port}`;
    const until = Date.now() + 15_000;
    while (!exited && Date.now() < until) {
      try {
        const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) {
          onFinished(stop);
          return { url, port, stop };
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stop();
    lastError = String((await child).all ?? '').slice(-2000);
  }
  throw new Error(`${command} did not start:\n${lastError}`);
}

/** node_exporter with only the textfile collector, reading `dir`. */
export function startNodeExporter(
  dir: string,
  onFinished?: (stop: () => Promise<void>) => void,
): Promise<Daemon> {
  return startDaemon(
    NODE_EXPORTER,
    (port) => [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.textfile',
      `--collector.textfile.directory=${dir}`,
    ],
    '/metrics',
    onFinished,
  );
}

/** A Pushgateway without persistence: it starts empty every time. */
export function startPushgateway(onFinished?: (stop: () => Promise<void>) => void): Promise<Daemon> {
  return startDaemon(
    PUSHGATEWAY,
    // Debian's default persists to /var/lib/prometheus: a test must not leave state there, or read it.
    (port) => [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='],
    '/-/ready',
    onFinished,
  );
}
