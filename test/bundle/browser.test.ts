/**
 * CORS in a real browser: Debian's chromium, headless (playwright-core drives it), loads a page from one loopback
 * origin and posts a report with `fetch` to dist/server.js on another, with AUTH_TOKEN's bearer header (so every
 * POST is preceded by a preflight). An allowed origin: the preflight and the POST succeed and the page reads the
 * RequestId (and the exposed X-Trace-Id); an origin not in CORS_ALLOWED_ORIGINS: the browser blocks the request
 * and TRTC (the emulator) records nothing. Skipped with one notice without chromium (REQUIRE_BROWSER=1: an error).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { BASE } from '../support/fixtures';
import { describeWithTool, toolPath } from '../support/tools';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-child';

const AUTH_TOKEN = 'browser-token-0123456789';
const PAGE = '<!doctype html><title>classroom</title><p>classroom app</p>';

/** A loopback origin serving the page. */
async function pageOrigin(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${String(port)}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface PageResult {
  readonly status?: number;
  readonly requestId?: string;
  readonly traceId?: string | null;
  readonly error?: string;
}

describeWithTool('chromium')('a report posted by a page in chromium (dist/server.js on another origin)', () => {
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  let allowed: Awaited<ReturnType<typeof pageOrigin>>;
  let other: Awaited<ReturnType<typeof pageOrigin>>;
  let server: ServerProcess;
  let userDataDir: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    allowed = await pageOrigin();
    other = await pageOrigin();
    server = await startServerProcess(await emulator.start(), credential, { CORS_ALLOWED_ORIGINS: allowed.origin, AUTH_TOKEN });
    userDataDir = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: toolPath('chromium')!,
      headless: true,
      env: childEnv({}),
      timeout: 30_000,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-proxy-server',
      ],
    });
  }, 45_000);
  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await server?.stop();
    await emulator.stop();
    await allowed?.close();
    await other?.close();
  });

  /** Opens the page of `origin` and has it POST a report to the server with fetch. */
  async function postFrom(origin: string, report: Record<string, unknown>): Promise<PageResult> {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ url, token, body }): Promise<PageResult> => {
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
              body: JSON.stringify(body),
            });
            const answer = (await res.json()) as { Response: { RequestId: string } };
            return { status: res.status, requestId: answer.Response.RequestId, traceId: res.headers.get('X-Trace-Id') };
          } catch (error) {
            return { error: String(error) };
          }
        },
        { url: `${server.url}/`, token: AUTH_TOKEN, body: report },
      );
    } finally {
      await page.close();
    }
  }

  /** Preflights that reached the server (each is one invocation line without a report). */
  const preflights = (): number => server.lines().filter((l) => l['msg'] === 'invocation' && l['method'] === 'OPTIONS').length;

  it('an allowed origin: the bearer header passes the preflight, the POST is recorded and the page reads the RequestId', async () => {
    const before = preflights();
    const result = await postFrom(allowed.origin, { ...BASE, TroubleMsg: 'from the browser' });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(200);
    expect(emulator.created).toHaveLength(1);
    expect(result.requestId).toBe(emulator.created[0]!.RequestId);
    expect(result.traceId).toMatch(/\S/);
    // The browser asked first: one preflight reached the server.
    expect(preflights() - before).toBe(1);
  });

  it('an origin not in CORS_ALLOWED_ORIGINS: the browser blocks the request and nothing is recorded', async () => {
    const created = emulator.created.length;
    const calls = emulator.calls.length;
    const result = await postFrom(other.origin, { ...BASE, TroubleMsg: 'from a stranger' });
    expect(result.error).toMatch(/TypeError/);
    expect(result.status).toBeUndefined();
    expect(emulator.created.length).toBe(created);
    expect(emulator.calls.length).toBe(calls);
    // Only the preflight reached the server; no POST followed it.
    const posts = server.lines().filter((l) => l['msg'] === 'invocation' && l['method'] === 'POST');
    expect(posts).toHaveLength(1);
  });
});
