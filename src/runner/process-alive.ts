import { readdirSync, readFileSync } from 'node:fs';
import { errorCode } from '../shared/errors.js';

/** Signal 0 probes a PID without touching it; EPERM means it exists but is not ours. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Is any process of the group still running (the script, or anything it started)? Signal 0
 * also reaches zombies, which a killed group is until init reaps it; on Linux /proc tells
 * them apart. Elsewhere a group that answers is taken as alive.
 */
export function isGroupAlive(pgid: number): boolean {
  if (pgid <= 1 || !isProcessAlive(-pgid)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}
