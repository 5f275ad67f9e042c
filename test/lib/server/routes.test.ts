/**
 * lib/server/routes.ts: which path serves what, and the answers that need no invocation (the liveness probe, the
 * OpenAPI description, 404, 405, and `GET /metrics` with its token).
 */
import { describe, expect, it } from 'vitest';
import { createServerMetrics } from '../../../lib/server/metrics';
import {
  HEALTH_PATH,
  metricsResponse,
  healthResponse,
  METRICS_PATH,
  notFoundResponse,
  OPENAPI_PATH,
  openApiResponse,
  REPORT_PATH,
  routeOf,
} from '../../../lib/server/routes';
import { TEST_ENV } from '../../support/fixtures';

function envelope(body: string): { Response: { Error?: { Code: string; Message: string }; RequestId?: string } } {
  return JSON.parse(body) as { Response: { Error?: { Code: string; Message: string }; RequestId?: string } };
}

describe('routeOf', () => {
  it.each([
    [REPORT_PATH, 'report'],
    [HEALTH_PATH, 'health'],
    [OPENAPI_PATH, 'openapi'],
    [METRICS_PATH, 'metrics'],
    ['/healthz/', 'not-found'],
    ['/HEALTHZ', 'not-found'],
    ['', 'not-found'],
    ['/report', 'not-found'],
  ])('%j → %s', (path, route) => {
    expect(routeOf(path)).toBe(route);
  });
});

describe('healthResponse', () => {
  it.each(['GET', 'HEAD'])('%s → 200 {"status":"ok"}', (method) => {
    const response = healthResponse(method, 'req-1');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
    expect(response.headers['Cache-Control']).toBe('no-store');
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s → 405 with Allow: GET, HEAD and the request id', (method) => {
    const response = healthResponse(method, 'req-2');
    expect(response.statusCode).toBe(405);
    expect(response.headers['Allow']).toBe('GET, HEAD');
    expect(envelope(response.body)).toEqual({
      Response: { Error: { Code: 'UnsupportedProtocol', Message: '/healthz answers GET and HEAD only' }, RequestId: 'req-2' },
    });
  });
});

describe('openApiResponse', () => {
  it('unbundled (no OPENAPI_DOCUMENT built in): GET is 404', () => {
    const response = openApiResponse('GET', 'req-3');
    expect(response.statusCode).toBe(404);
    expect(envelope(response.body).Response.Error?.Code).toBe('ResourceNotFound');
  });

  it('POST is 405', () => {
    const response = openApiResponse('POST', 'req-4');
    expect(response.statusCode).toBe(405);
    expect(envelope(response.body).Response.Error?.Message).toBe('/openapi.json answers GET and HEAD only');
  });
});

describe('notFoundResponse', () => {
  it('404 naming the path and where reports go', () => {
    const response = notFoundResponse('/nope', 'req-5');
    expect(response.statusCode).toBe(404);
    expect(envelope(response.body)).toEqual({
      Response: {
        Error: { Code: 'ResourceNotFound', Message: 'no such path "/nope": reports are taken on / (see /openapi.json)' },
        RequestId: 'req-5',
      },
    });
  });

  it('shows at most 100 characters of the path, quoted as JSON', () => {
    const message = envelope(notFoundResponse(`/${'a'.repeat(300)}"`, 'r').body).Response.Error?.Message ?? '';
    expect(message).toContain(`"/${'a'.repeat(99)}"`);
    expect(message).not.toContain('a'.repeat(100));
  });
});

describe('metricsResponse', () => {
  const TOKEN = 'metrics-token-0123456789';
  const metrics = createServerMetrics();

  it('GET with the metrics open: 200, the Prometheus text', async () => {
    const response = await metricsResponse('GET', 'r', undefined, TEST_ENV, metrics);
    expect(response.statusCode).toBe(200);
    expect(response.headers['Content-Type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('trtc_reporter_');
  });

  it('METRICS_TOKEN set: 401 with WWW-Authenticate without the token or with a wrong one, 200 with it', async () => {
    const env = { ...TEST_ENV, METRICS_TOKEN: TOKEN };
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789']) {
      const response = await metricsResponse('GET', 'r', authorization, env, metrics);
      expect(response.statusCode).toBe(401);
      expect(response.headers['WWW-Authenticate']).toBe('Bearer');
      expect(response.body).not.toContain('trtc_reporter_');
    }
    expect((await metricsResponse('GET', 'r', `Bearer ${TOKEN}`, env, metrics)).statusCode).toBe(200);
  });

  it('an invalid METRICS_TOKEN never leaves the metrics open: 500 naming the variable', async () => {
    const response = await metricsResponse('GET', 'r', undefined, { ...TEST_ENV, METRICS_TOKEN: 'short' }, metrics);
    expect(response.statusCode).toBe(500);
    expect(response.body).toContain('METRICS_TOKEN');
    expect(response.body).not.toContain('trtc_reporter_');
  });

  it('POST → 405', async () => {
    const response = await metricsResponse('POST', 'r', undefined, TEST_ENV, metrics);
    expect(response.statusCode).toBe(405);
    expect(response.headers['Allow']).toBe('GET, HEAD');
  });
});
