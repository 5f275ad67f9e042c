/**
 * `serverless package` (Serverless Framework v3 + serverless-tencent-scf, what they still can do) runs offline on
 * this serverless.yml and zips the same function code the deploy uploads. Paths map as
 * `dist/<file>` in serverless's zip ↔ `<file>` at the root of the deploy's zip (handler dist/index.main_handler ↔
 * index.main_handler). The plugin posts a telemetry report on every command, so it is sunk on loopback through
 * HTTP_PROXY; HOME is a fresh temporary folder, so no ~/credentials is read and nothing is written in the real one.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../../tools/deploy/artifact';
import { readZip } from '../../../tools/local-cloud/zip';
import { ROOT } from '../../support/bundle';

const execFileP = promisify(execFile);

describe('serverless package (offline)', () => {
  let sink: http.Server;
  const reports: string[] = [];
  let dir: string;
  let home: string;

  beforeAll(async () => {
    sink = http.createServer((req, res) => {
      reports.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    // A copy of the service (serverless writes .serverless/ next to serverless.yml), with this checkout's modules.
    dir = mkdtempSync(path.join(tmpdir(), 'sls-service-'));
    home = mkdtempSync(path.join(tmpdir(), 'sls-home-'));
    mkdirSync(path.join(dir, 'dist'));
    copyFileSync(path.join(ROOT, 'serverless.yml'), path.join(dir, 'serverless.yml'));
    for (const f of buildArtifact(ROOT, 'dist', 'index.main_handler').files) copyFileSync(path.join(ROOT, f.source), path.join(dir, f.source));
    for (const extra of ['server.js', 'meta.json']) copyFileSync(path.join(ROOT, 'dist', extra), path.join(dir, 'dist', extra));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('zips the bytes the deploy uploads, dist/<file> ↔ <file>', async () => {
    const proxy = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      HTTP_PROXY: proxy,
      http_proxy: proxy,
      NO_PROXY: '',
      no_proxy: '',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    };
    await execFileP(process.execPath, [path.join(ROOT, 'node_modules/serverless/bin/serverless.js'), 'package'], { cwd: dir, env, timeout: 90_000 });
    // The plugin's one telemetry POST went to the sink, not to the internet.
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.every((r) => r.startsWith('POST http://service-ocnymoks-1258344699.gz.apigw.tencentcs.com/'))).toBe(true);

    const theirs = readZip(readFileSync(path.join(dir, '.serverless', 'trtc-trouble.zip'))).filter((e) => !e.directory);
    const ours = readZip(buildArtifact(dir, 'dist', 'index.main_handler').zip);
    expect(theirs.map((e) => e.name)).toEqual(ours.map((e) => `dist/${e.name}`));
    for (const entry of ours) {
      expect(theirs.find((e) => e.name === `dist/${entry.name}`)!.data.equals(entry.data), entry.name).toBe(true);
    }
    expect(ours.map((e) => e.name)).toContain('index.js');
  }, 120_000);
});
