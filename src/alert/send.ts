import type { DeliveryResult } from '../notify/fanout.js';
import type { Alert } from '../notify/types.js';
import { kindWords } from '../notify/words.js';
import type { AlertContext } from './dispatch.js';
import { silenceVerdict } from './policy.js';

export type SendOutcome = { held: true; silenceId: number } | { held: false; results: DeliveryResult[] };

/**
 * The last step of every alert (a run's failure, a recovery, missing, slow, a reminder):
 * the silences decide whether it is held; if not, it goes to every channel that takes it,
 * saying how many alerts an ended silence held. Never throws.
 *
 * `countHeld: false` (reminders): a held reminder is not an event worth counting; it is
 * simply still due when the silence ends.
 */
export async function sendAlert(
  alert: Alert,
  ctx: AlertContext,
  options: { countHeld?: boolean } = {},
): Promise<SendOutcome> {
  let verdict: ReturnType<typeof silenceVerdict>;
  try {
    verdict = silenceVerdict(alert, ctx.journal.silences, ctx.now());
  } catch (error) {
    ctx.logger.warn('Silence', `Could not read silences, sending anyway: ${ctx.redactor.safeError(error)}`);
    verdict = { alert, reported: [] };
  }
  if ('hold' in verdict) {
    const silence = verdict.hold;
    try {
      if (options.countHeld !== false) ctx.journal.silences.hold(silence.id);
    } catch (error) {
      ctx.logger.warn('Silence', `Could not count the held alert: ${ctx.redactor.safeError(error)}`);
    }
    const what = kindWords(ctx.config.lang, alert.kind).logName;
    const about = alert.run.backupId === '-' ? alert.run.type : `${alert.run.backupId} (${alert.run.type})`;
    ctx.logger.info(
      'Silence',
      `${what[0]!.toUpperCase()}${what.slice(1)} for ${about} held: ${alert.run.type} is silenced until ${silence.ends_at} (silence #${silence.id}: ${oneLine(silence.reason)})`,
    );
    return { held: true, silenceId: silence.id };
  }
  // A failure alert is the incident's latest alert: the next reminder counts from its delivery.
  // (missing and reminders set this when they are claimed.)
  if (alert.kind === 'failure' && alert.incident && ctx.journal.recording) {
    try {
      ctx.journal.incidents.noteAlert(alert.incident.id, ctx.now().toISOString());
    } catch (error) {
      ctx.logger.warn('Incident', `Could not note the alert: ${ctx.redactor.safeError(error)}`);
    }
  }
  // Delivery code (nodemailer, handlebars, every channel) loads only when an alert goes out:
  // a run that succeeds, or whose failure is held, never pays for it.
  const { dispatch } = await import('./dispatch.js');
  const results = await dispatch(verdict.alert, ctx);
  if (results.length === 0 && verdict.reported.length > 0 && verdict.claimedAt !== undefined) {
    try {
      ctx.journal.silences.releaseClaim(verdict.reported, verdict.claimedAt);
    } catch (error) {
      ctx.logger.warn(
        'Silence',
        `Could not keep the held count for the next alert: ${ctx.redactor.safeError(error)}`,
      );
    }
  }
  return { held: false, results };
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
