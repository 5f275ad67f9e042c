/**
 * lib/trtc/client.ts: parseAnswer reads a cloud API answer (RequestId, or ApiError, or MalformedResponseError), and
 * HttpTroubleInfoClient makes one signed CreateTroubleInfo call, driven against the TRTC emulator over loopback
 * (which checks the TC3 signature, the action, version, region and token as TRTC does).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../lib/config';
import { ACTION, API_VERSION, HttpTroubleInfoClient, parseAnswer } from '../../../lib/trtc/client';
import { ApiError, CredentialsUnavailableError, HttpStatusError, MalformedResponseError } from '../../../lib/trtc/errors';
import { useEmulator } from '../../support/emulated';
import { BASE } from '../../support/fixtures';

describe('parseAnswer', () => {
  it('the RequestId of a successful answer', () => {
    expect(parseAnswer('{"Response":{"RequestId":"abc-1"}}')).toEqual({ requestId: 'abc-1' });
  });

  it('Response.Error is an ApiError with its code, message and the RequestId', () => {
    let thrown: unknown;
    try {
      parseAnswer('{"Response":{"Error":{"Code":"InvalidParameter.RoomId","Message":"bad room"},"RequestId":"abc-2"}}');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ code: 'InvalidParameter.RoomId', message: 'bad room', requestId: 'abc-2' });
  });

  it('an error without a message or RequestId still carries its code', () => {
    expect(() => parseAnswer('{"Response":{"Error":{"Code":"InternalError"}}}')).toThrow(
      expect.objectContaining({ code: 'InternalError', message: '', requestId: '' }),
    );
  });

  it.each([
    ['not JSON', '<html>502</html>'],
    ['no Response', '{"RequestId":"x"}'],
    ['Response not an object', '{"Response":"x"}'],
    ['an array', '[{"Response":{"RequestId":"x"}}]'],
  ])('%s → MalformedResponseError', (_, text) => {
    expect(() => parseAnswer(text)).toThrow(MalformedResponseError);
  });

  it('no RequestId and no error → MalformedResponseError saying so', () => {
    expect(() => parseAnswer('{"Response":{"RequestId":""}}')).toThrow('TRTC answered without a RequestId');
  });

  it('an Error whose Code is not a string is not an API error', () => {
    expect(parseAnswer('{"Response":{"Error":{"Code":7},"RequestId":"abc-3"}}')).toEqual({ requestId: 'abc-3' });
  });
});

describe('HttpTroubleInfoClient against the TRTC emulator', () => {
  const { emulator, credential } = useEmulator();
  const signal = (): AbortSignal => new AbortController().signal;

  function client(env: () => Readonly<Record<string, string | undefined>> = () => process.env): HttpTroubleInfoClient {
    const url = new URL(emulator.url);
    return new HttpTroubleInfoClient({ endpoint: { protocol: 'http://', host: url.host }, region: DEFAULTS.region }, env);
  }

  it("records the report with one signed call and resolves to TRTC's RequestId", async () => {
    const { requestId } = await client().create(BASE, { signal: signal(), traceId: 'trace-1' });
    expect(emulator.calls).toHaveLength(1);
    const [call] = emulator.calls;
    expect(call?.outcome).toBe('ok');
    expect(requestId).toBe(call?.requestId);
    expect(call).toMatchObject({ method: 'POST', action: ACTION, version: API_VERSION, region: DEFAULTS.region, params: BASE });
    expect(call?.headers).toMatchObject({ 'x-tc-traceid': 'trace-1', 'x-tc-token': credential.token, 'content-type': 'application/json' });
    expect(emulator.created).toHaveLength(1);
  });

  it('an API error from TRTC is an ApiError with its RequestId', async () => {
    emulator.inject({ kind: 'api-error', code: 'FailedOperation' });
    const error = await client()
      .create(BASE, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'FailedOperation', requestId: emulator.calls[0]?.requestId });
  });

  it('a non-200 status is an HttpStatusError', async () => {
    emulator.inject({ kind: 'http-status', status: 502 });
    await expect(client().create(BASE, { signal: signal() })).rejects.toBeInstanceOf(HttpStatusError);
  });

  it('a body that is not JSON is a MalformedResponseError', async () => {
    emulator.inject({ kind: 'invalid-json' });
    await expect(client().create(BASE, { signal: signal() })).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('wrong keys are refused by TRTC (the signature is checked)', async () => {
    const env = { TENCENTCLOUD_SECRETID: credential.secretId, TENCENTCLOUD_SECRETKEY: 'not-the-key-000000000000', TENCENTCLOUD_SESSIONTOKEN: credential.token };
    const error = await client(() => env)
      .create(BASE, { signal: signal() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toMatch(/^AuthFailure/);
    expect(emulator.created).toEqual([]);
  });

  it('no credentials: CredentialsUnavailableError, nothing sent', async () => {
    await expect(client(() => ({})).create(BASE, { signal: signal() })).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(emulator.calls).toEqual([]);
  });

  it('reads the credentials on every call (a rotated key is used at once)', async () => {
    let env: Record<string, string | undefined> = {};
    const trtc = client(() => env);
    await expect(trtc.create(BASE, { signal: signal() })).rejects.toBeInstanceOf(CredentialsUnavailableError);
    env = { TENCENTCLOUD_SECRETID: credential.secretId, TENCENTCLOUD_SECRETKEY: credential.secretKey, TENCENTCLOUD_SESSIONTOKEN: credential.token };
    await expect(trtc.create(BASE, { signal: signal() })).resolves.toMatchObject({ requestId: expect.any(String) });
  });

  it('an aborted call rejects and records nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client().create(BASE, { signal: controller.signal })).rejects.toThrow();
    expect(emulator.created).toEqual([]);
  });
});
