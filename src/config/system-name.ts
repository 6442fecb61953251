import type { Problems } from './values.js';

/** The footer's longest sensible name: it sits on one line under every alert. */
const MAX_LENGTH = 100;

/**
 * BACKUP_ALERT_SYSTEM_NAME: the footer of every alert (default the runbook's
 * "ITSM-Sec Nexus バックアップアラート"). One line of text: a control character could start a
 * new line of the body or a header, so such a name is a problem and the default is used.
 */
export function parseSystemName(value: string | undefined, problems: Problems): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text) || text.length > MAX_LENGTH) {
    problems.push({
      variable: 'BACKUP_ALERT_SYSTEM_NAME',
      message: `must be one line of at most ${MAX_LENGTH} characters; alerts keep the default footer until it is fixed`,
    });
    return undefined;
  }
  return text;
}
