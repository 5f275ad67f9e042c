/**
 * Who may call and from where: bearer-token authentication (AUTH_TOKEN, compared in constant time), CORS with an
 * origin allow-list, and the CORS preflight.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';

/** True when no token is configured, or the Authorization header carries exactly it. */
export function isAuthorised(config: Pick<Config, 'authToken'>, authorization: string | undefined): boolean {
  if (config.authToken === undefined) return true;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  const given = match?.[1] ?? '';
  // Hashing first makes both sides the same length, so the comparison time says nothing about the token.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(config.authToken).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

/** The CORS response headers for a request's Origin, or none when the origin is not allowed (or absent). */
export function corsHeaders(config: Pick<Config, 'corsAllowedOrigins'>, origin: string | undefined): Record<string, string> {
  if (origin === undefined || config.corsAllowedOrigins.length === 0) return {};
  const any = config.corsAllowedOrigins.includes('*');
  if (!any && !config.corsAllowedOrigins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': any ? '*' : origin,
    'Access-Control-Expose-Headers': 'Idempotent-Replayed, Retry-After, X-Trace-Id',
    ...(any ? {} : { Vary: 'Origin' }),
  };
}

/** Headers for a preflight (OPTIONS) answer. */
export function preflightHeaders(config: Pick<Config, 'corsAllowedOrigins'>, origin: string | undefined): Record<string, string> {
  const cors = corsHeaders(config, origin);
  const base = { Allow: 'GET, POST, OPTIONS' };
  if (Object.keys(cors).length === 0) return base;
  return {
    ...base,
    ...cors,
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization, Idempotency-Key, traceparent',
    'Access-Control-Max-Age': '600',
  };
}
