/** lib/http/guard.ts: bearer-token authentication, the CORS allow-list and the preflight headers. */
import { describe, expect, it } from 'vitest';
import { corsHeaders, isAuthorised, preflightHeaders } from '../../../lib/http/guard';

describe('isAuthorised', () => {
  it('lets every call through when no token is configured', () => {
    expect(isAuthorised({ authToken: undefined }, undefined)).toBe(true);
  });

  it('accepts exactly the configured bearer token (scheme in any case, trailing space allowed)', () => {
    const config = { authToken: 's3cret-token' };
    expect(isAuthorised(config, 'Bearer s3cret-token')).toBe(true);
    expect(isAuthorised(config, 'bearer   s3cret-token  ')).toBe(true);
  });

  it('refuses a missing, empty, other-scheme or different token', () => {
    const config = { authToken: 's3cret-token' };
    for (const header of [undefined, '', 'Bearer ', 'Basic s3cret-token', 'Bearer s3cret-tokenX', 'Bearer s3cret', 's3cret-token']) {
      expect(isAuthorised(config, header), String(header)).toBe(false);
    }
  });
});

describe('corsHeaders', () => {
  it('adds nothing without an Origin, without an allow-list, or for an origin not on it', () => {
    expect(corsHeaders({ corsAllowedOrigins: ['https://a.example'] }, undefined)).toEqual({});
    expect(corsHeaders({ corsAllowedOrigins: [] }, 'https://a.example')).toEqual({});
    expect(corsHeaders({ corsAllowedOrigins: ['https://a.example'] }, 'https://b.example')).toEqual({});
  });

  it('echoes a listed origin and varies on Origin', () => {
    expect(corsHeaders({ corsAllowedOrigins: ['https://a.example'] }, 'https://a.example')).toEqual({
      'Access-Control-Allow-Origin': 'https://a.example',
      'Access-Control-Expose-Headers': 'Idempotent-Replayed, Retry-After, X-Trace-Id',
      Vary: 'Origin',
    });
  });

  it('answers * for a wildcard list, without Vary', () => {
    expect(corsHeaders({ corsAllowedOrigins: ['*'] }, 'https://any.example')).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Idempotent-Replayed, Retry-After, X-Trace-Id',
    });
  });
});

describe('preflightHeaders', () => {
  it('gives only Allow to an origin that is not allowed', () => {
    expect(preflightHeaders({ corsAllowedOrigins: ['https://a.example'] }, 'https://b.example')).toEqual({ Allow: 'GET, POST, OPTIONS' });
  });

  it('adds the CORS preflight headers for an allowed origin', () => {
    expect(preflightHeaders({ corsAllowedOrigins: ['https://a.example'] }, 'https://a.example')).toEqual({
      Allow: 'GET, POST, OPTIONS',
      'Access-Control-Allow-Origin': 'https://a.example',
      'Access-Control-Expose-Headers': 'Idempotent-Replayed, Retry-After, X-Trace-Id',
      Vary: 'Origin',
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, Idempotency-Key, traceparent',
      'Access-Control-Max-Age': '600',
    });
  });
});
