import { existsSync, readFileSync } from 'node:fs';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until `check` is true or the time is up; returns whether it became true. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  stepMs = 25,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}

/** Waits for a PID file written by a fixture script and returns the PID. */
export async function readPidFile(path: string, timeoutMs = 10_000): Promise<number> {
  const ok = await waitFor(() => existsSync(path) && readFileSync(path, 'utf8').trim() !== '', timeoutMs);
  if (!ok) throw new Error(`no PID file at ${path}`);
  return Number(readFileSync(path, 'utf8').trim());
}
