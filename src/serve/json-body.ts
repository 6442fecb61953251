import type { Context } from 'hono';
import { ApiError } from './api-errors.js';
import type { ServeEnv } from './options.js';

/**
 * A POST's JSON object, with only the keys allowed. The JSON content type is required: a
 * cross-site form cannot send it without a CORS preflight, which this server never grants.
 */
export async function readJsonObject(
  c: Context<ServeEnv>,
  allowed: readonly string[],
  example: string,
): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError('unsupported_media_type', `send Content-Type: application/json with ${example}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text()) as unknown;
  } catch (error) {
    // The body limit surfaces here when the body was streamed without a length.
    if (error instanceof ApiError) throw error;
    throw new ApiError('invalid_body', `the body is not valid JSON; send ${example}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('invalid_body', `send a JSON object: ${example}`);
  }
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ApiError('invalid_body', `send exactly ${example}`);
  return body as Record<string, unknown>;
}
