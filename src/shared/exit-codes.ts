/** Every exit code backup-alert can return; documented in the README. */
export const ExitCode = {
  ok: 0,
  /** test-email/test-notify/status/doctor: something is not healthy. */
  failed: 1,
  usage: 2,
  /** status --nagios CRITICAL */
  critical: 2,
  /** run: the script exited 0 but its artifact or duration says otherwise (sysexits EX_DATAERR). */
  dataError: 65,
  internal: 70,
  /** serve: a setting asked for (a token, a TLS file) cannot be used (sysexits EX_CONFIG). */
  config: 78,
  lockBusy: 75,
  timedOut: 124,
  notExecutable: 126,
  notFound: 127,
  /** 128 + signal number: killed by or interrupted by a signal. */
  signalBase: 128,
} as const;
