/**
 * What a failed deploy tells the user, from real SCF error envelopes over loopback: a missing run role names the
 * CAM role to create; refused keys and a missing permission say which; nothing secret is in any message.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../../tools/deploy/deploy';
import { copyProject } from './support';

/** An SCF endpoint that answers GetFunction "not found" and `code` to everything else, in SCF's HTTP 200 envelope. */
function scfAnswering(code: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const action = String(req.headers['x-tc-action'] ?? '');
      const error = action === 'GetFunction' ? { Code: 'ResourceNotFound.Function', Message: 'not found' } : { Code: code, Message: `${code} for ${action}.` };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ Response: { Error: error, RequestId: 'r-1' } }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

describe('deploy failures say what to do', () => {
  let dir: string;
  const KEY = 'deployer-secret-key-value';

  beforeAll(() => {
    dir = copyProject('deploy-errors-');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'FailedOperation.QcsRoleNotFound',
      /Create the run role "SCF_TRTC_TroubleReporter" in CAM \(role carrier scf\.qcloud\.com, policy allowing trtc:CreateTroubleInfo/,
    ],
    ['AuthFailure.SecretIdNotFound', /The deploying keys were refused: check TENCENTCLOUD_SECRET_ID/],
    ['UnauthorizedOperation.CAM', /lacks permission for CreateFunction: attach the deploy policy/],
    ['LimitExceeded.Function', /CreateFunction failed\. CreateFunction answered LimitExceeded\.Function: LimitExceeded\.Function for CreateFunction\.$/],
  ])('%s', async (code, expected) => {
    const scf = await scfAnswering(code);
    try {
      const error = await deploy({
        root: dir,
        env: { SCF_ENDPOINT: scf.url, TENCENTCLOUD_SECRET_ID: 'AKIDdeployer', TENCENTCLOUD_SECRET_KEY: KEY },
        print: () => {},
        yes: true,
      }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(expected);
      // SCF's messages end with a full stop; the advice after them adds none of its own.
      expect((error as Error).message).not.toContain('..');
      expect((error as Error).message).not.toContain(KEY);
    } finally {
      await scf.close();
    }
  });
});
