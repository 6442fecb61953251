/** A mistake in how we were called: bad flag, bad value, missing file. Exit 2. */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/**
 * A command could not do its job for a reason outside backup-alert (a database it cannot
 * read, a directory it may not enter): the message says what and what to do; exit `exitCode`.
 */
export class ExitError extends Error {
  readonly code = 'EEXIT';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ExitError';
  }
}

/** A fault of ours. Reported as a bug, exit 70. */
export class InternalError extends Error {
  readonly code = 'EINTERNAL';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `code` property Node and nodemailer errors carry, if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
