/**
 * REDIS_URL's parser: where a `redis://` or `rediss://` URL points, credentials apart. Used by the configuration
 * check (lib/config.ts) and by both Redis clients; it lives in dist/index.js, so checking a URL never loads the
 * Redis file (dist/redis.js).
 */

/** Where a Redis URL points, credentials apart. */
export interface RedisTarget {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** The URL without credentials, for messages and logs: `redis://host:port/db`. */
  readonly display: string;
}

/**
 * Parses a `redis://` or `rediss://` URL without loading ioredis.
 *
 * @throws TypeError with a message that never contains the URL's credentials.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new TypeError('REDIS_URL must be a URL such as redis://:password@host:6379/0 or rediss://… for TLS');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`REDIS_URL must start with redis:// or rediss:// (TLS), got ${parsed.protocol}//`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new TypeError('REDIS_URL must name a host');
  if (parsed.search !== '' || parsed.hash !== '') throw new TypeError('REDIS_URL must not have a query string or fragment');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const path = parsed.pathname;
  let db = 0;
  if (path !== '' && path !== '/') {
    const match = /^\/([0-9]{1,5})$/.exec(path);
    if (match?.[1] === undefined) throw new TypeError('REDIS_URL path must be a database number, e.g. /0');
    db = Number(match[1]);
  }
  const tls = parsed.protocol === 'rediss:';
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
    password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  } catch {
    throw new TypeError('REDIS_URL user or password is not valid percent-encoding');
  }
  const display = `${tls ? 'rediss' : 'redis'}://${parsed.hostname}:${port}/${db}`;
  return {
    tls,
    host,
    port,
    db,
    display,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}
