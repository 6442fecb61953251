import { STORM_CLAIM_TIMEOUT_MS } from '../config/storm.js';
import type { StormFacts } from '../notify/types.js';
import type { IncidentRow } from '../store/routing-rows.js';
import type { AlertContext } from './dispatch.js';

/**
 * A due reminder of an incident whose failure was folded into a storm: one reminder per
 * storm fleet-wide, not one per host (300 hosts of a storm come due within minutes of each
 * other). `storm`: this host claimed reminder N at the centre and sends it, saying how many
 * of the storm's hosts still fail; `elsewhere`: another host of the storm sent it;
 * `alone`: the centre could not be asked in time, so this host reminds on its own, as a
 * failure alerts alone when the storm claim cannot be made.
 */
export type StormReminderVerdict =
  | { kind: 'storm'; facts: StormFacts }
  | { kind: 'elsewhere' }
  | { kind: 'alone' };

export async function stormReminderVerdict(
  row: Pick<IncidentRow, 'host' | 'storm_id'>,
  reminder: number,
  ctx: AlertContext,
): Promise<StormReminderVerdict> {
  const { fleet } = ctx.config;
  if (!fleet || ctx.config.storm.after === 0 || row.storm_id === null) return { kind: 'alone' };
  try {
    const { claimStormReminder } = await import('../fleet/storm.js');
    const claim = await claimStormReminder(
      fleet,
      row.host,
      row.storm_id,
      reminder,
      Math.min(STORM_CLAIM_TIMEOUT_MS, ctx.config.notifyTimeoutMs),
    );
    if (!claim.claimed) {
      ctx.logger.info('Storm', `Reminder #${reminder} of storm #${row.storm_id} was sent by another host`);
      return { kind: 'elsewhere' };
    }
    ctx.logger.info(
      'Storm',
      `Storm #${row.storm_id}: ${claim.stillFailing} of ${claim.hostCount} hosts still failing; this host sends reminder #${reminder}`,
    );
    return {
      kind: 'storm',
      facts: {
        id: row.storm_id,
        hostCount: claim.stillFailing,
        kind: claim.kind,
        label: claim.label,
        hosts: claim.hosts,
        stillFailing: true,
      },
    };
  } catch (error) {
    ctx.logger.warn(
      'Storm',
      `Could not ask the centre about storm #${row.storm_id}'s reminder, reminding alone: ${ctx.redactor.safeError(error)}`,
    );
    return { kind: 'alone' };
  }
}
