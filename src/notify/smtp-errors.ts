import { errorCode, errorMessage } from '../shared/errors.js';
import { quoteValue } from '../shared/terminal-text.js';
import { singleLine } from './message.js';

/** What an operator needs to know about a failed SMTP exchange (runbook §10.1). */
export interface SmtpErrorInfo {
  /** The most specific code: `ECONNREFUSED` rather than nodemailer's wrapping `ESOCKET`. */
  code: string;
  /** nodemailer's own code (`ESOCKET`, `EAUTH`, `ETIMEDOUT`, …), when it differs. */
  nodemailerCode: string | undefined;
  /** The SMTP reply code (e.g. 535, 421), when the server answered. */
  responseCode: number | undefined;
  /** Retrying cannot help: 5xx replies, bad credentials, untrusted certificates, TLS mismatch. */
  permanent: boolean;
  /** What to check, in the runbook's terms. */
  remedy: string;
  /** One line, safe to log. */
  message: string;
}

// nodemailer overwrites Node's code with its own category (ECONNREFUSED becomes ESOCKET),
// but keeps Node's message, so the precise cause is read back from the text.
const NODE_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
] as const;

// Node's TLS verification messages, mapped back to their OpenSSL codes.
const CERTIFICATE_ERRORS: ReadonlyArray<[RegExp, string]> = [
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/unable to get local issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/Hostname\/IP does not match certificate/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
];

/** Plaintext spoken to a TLS port, or TLS to a plaintext port: SMTP_SECURE does not match the port. */
const TLS_MISMATCH = /wrong version number|packet length too long|unknown protocol|http request/i;

const REMEDY = {
  refused:
    'Nothing accepts connections there: check SMTP_HOST and SMTP_PORT (runbook §10.1: ホスト名・ポート番号を確認).',
  dns: 'SMTP_HOST does not resolve: check the host name and DNS (ホスト名を確認).',
  auth:
    'The server refused the login: check SMTP_USER and SMTP_PASSWORD (ユーザー名・パスワードを確認). ' +
    'Gmail needs an app password; Microsoft 365 needs SMTP AUTH enabled for the mailbox.',
  noAuth: 'The server requires a login: set SMTP_USER and SMTP_PASSWORD (runbook §3.2).',
  tlsMismatch:
    'TLS/SSL mismatch: check SMTP_SECURE (true for port 465, false for 587 and 25) (SMTP_SECURE の値を確認).',
  certificate:
    "The server's TLS certificate is not trusted: check the certificate (host name, expiry, issuer); " +
    'for an internal CA add it with NODE_EXTRA_CA_CERTS=/path/ca.pem or set SMTP_TLS_REJECT_UNAUTHORIZED=false.',
  timeout:
    'No answer in time: check that the firewall allows outgoing connections to SMTP_PORT ' +
    '(ファイアウォール設定を確認: nc -zv SMTP_HOST SMTP_PORT). "Greeting never received" from Microsoft 365 ' +
    'on 587 is often one slow front-end: it is retried on a new connection.',
  envelope:
    'The server refused the sender or the recipients: check BACKUP_ALERT_EMAIL and SMTP_FROM ' +
    '(the sender must usually be the SMTP_USER mailbox or one it may send as).',
  transient:
    'The server is temporarily unavailable (4xx): it is retried; if it persists, contact the SMTP admin.',
  other:
    'Check the SMTP settings (runbook §4) and run `backup-alert test-email --verbose` to see the conversation.',
} as const;

function responseCodeOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'responseCode' in error) {
    const { responseCode } = error as { responseCode: unknown };
    return typeof responseCode === 'number' ? responseCode : undefined;
  }
  return undefined;
}

/** Port 465 spoken to without TLS: the server waits for a TLS hello, we wait for its greeting. */
const IMPLICIT_TLS_PORT =
  'Port 465 is implicit TLS: set SMTP_SECURE=true (SMTP_SECURE の値を確認); 587 and 25 use STARTTLS with SMTP_SECURE=false.';

/**
 * Classifies a nodemailer error (or a DeliveryError wrapping one) and says what to do about
 * it. With the settings, what they give away wins over what the error alone suggests:
 * port 465 with SMTP_SECURE=false times out like a firewall, but the fix is the setting.
 */
export function describeSmtpError(
  error: unknown,
  smtp?: { port: number; secure: boolean; invalidPort?: string },
): SmtpErrorInfo {
  const info = classify(error);
  if (smtp?.invalidPort !== undefined) {
    // The port tried is not the one the operator meant: whatever the server then said
    // (a certificate, a refusal) follows from that, and fixing it comes first.
    info.remedy = `SMTP_PORT ${quoteValue(smtp.invalidPort)} is not a port number, so the default ${smtp.port} was used instead: fix SMTP_PORT first. Then, if it still fails: ${info.remedy}`;
    info.permanent = true;
    return info;
  }
  if (smtp?.port === 465 && !smtp.secure && !['EAUTH', 'ENOAUTH', 'EENVELOPE'].includes(info.code)) {
    // Nothing listening, or no such host: that is the first problem, the setting the next one.
    const first = info.remedy === REMEDY.refused || info.remedy === REMEDY.dns;
    info.remedy = first ? `${info.remedy} Then: ${IMPLICIT_TLS_PORT}` : IMPLICIT_TLS_PORT;
    info.permanent = info.permanent || !first;
  }
  return info;
}

function classify(error: unknown): SmtpErrorInfo {
  const source =
    error instanceof Error && error.name === 'DeliveryError' && error.cause ? error.cause : error;
  const nodemailerCode = errorCode(source);
  const message = singleLine(errorMessage(source));
  const responseCode = responseCodeOf(source);
  const nodeCode = NODE_CODES.find((code) => message.includes(code));
  const certificate = CERTIFICATE_ERRORS.find(([pattern]) => pattern.test(message));

  let code = nodemailerCode ?? 'EUNKNOWN';
  let remedy: string = REMEDY.other;
  let permanent = responseCode !== undefined && responseCode >= 500;
  if (certificate) {
    code = certificate[1];
    remedy = REMEDY.certificate;
    permanent = true;
  } else if (TLS_MISMATCH.test(message)) {
    remedy = REMEDY.tlsMismatch;
    permanent = true;
  } else if (nodeCode === 'ECONNREFUSED') {
    code = nodeCode;
    remedy = REMEDY.refused;
  } else if (nodeCode === 'ENOTFOUND' || nodeCode === 'EAI_AGAIN' || code === 'EDNS') {
    code = nodeCode ?? code;
    remedy = REMEDY.dns;
    permanent = nodeCode === 'ENOTFOUND';
  } else if (code === 'EAUTH') {
    remedy = REMEDY.auth;
    permanent = true;
  } else if (code === 'ENOAUTH') {
    remedy = REMEDY.noAuth;
    permanent = true;
  } else if (code === 'EENVELOPE') {
    remedy = REMEDY.envelope;
    // "No recipients defined" and the like carry no reply code and will not fix themselves.
    permanent = permanent || responseCode === undefined;
  } else if (
    nodeCode ||
    ['ETIMEDOUT', 'ETIMEOUT', 'ECONNECTION', 'ESOCKET', 'ETLS', 'EPROTOCOL'].includes(code)
  ) {
    code = nodeCode ?? code;
    remedy = code === 'ESOCKET' || code === 'ETLS' ? REMEDY.tlsMismatch : REMEDY.timeout;
  } else if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    remedy = REMEDY.transient;
  }
  // A message nodemailer could not even compose will not compose on a retry either.
  if (code === 'EMESSAGE' && responseCode === undefined) permanent = true;
  return {
    code,
    nodemailerCode: nodemailerCode !== code ? nodemailerCode : undefined,
    responseCode,
    permanent,
    remedy,
    message,
  };
}
