/**
 * Every error the API can answer, with a stable `error.code` for scripts:
 * `{"success":false,"error":{"code":"…","message":"…"}}`. Messages never quote a
 * token or a request header; they may quote a query value we refused (it came from the caller).
 */
export const API_ERRORS = {
  invalid_parameter: 400,
  unknown_parameter: 400,
  invalid_backup_id: 400,
  invalid_body: 400,
  invalid_email: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  ambiguous_backup_id: 409,
  job_running: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  misdirected_request: 421,
  too_many_requests: 429,
  internal_error: 500,
  not_implemented: 501,
  email_failed: 502,
  unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
export type ApiStatus = (typeof API_ERRORS)[ApiErrorCode];

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: ApiStatus;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERRORS[code];
  }
}

export interface ErrorBody {
  success: false;
  error: { code: ApiErrorCode; message: string };
}

export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { success: false, error: { code, message } };
}

/** Caps a value we quote back so a 4 kB query string is not mirrored whole. */
export function quote(value: string): string {
  const short = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(short);
}
