import { describe, expect, it } from 'vitest';
import { capText, failed, MAX_ERROR_MESSAGE_CHARS, toEnvelope } from '../../lib/outcome';

const failure = { status: 502, code: 'InternalError', message: 'boom', retryable: true };

describe('outcomes and envelopes', () => {
  it("a success carries TRTC's RequestId", () => {
    expect(toEnvelope({ ok: true, requestId: 'trtc-1', attempts: 1 }, 'inv-1')).toEqual({ Response: { RequestId: 'trtc-1' } });
  });

  it("a failure carries TRTC's RequestId when TRTC answered, else the invocation's", () => {
    expect(toEnvelope(failed(failure), 'inv-1')).toEqual({ Response: { Error: { Code: 'InternalError', Message: 'boom' }, RequestId: 'inv-1' } });
    expect(toEnvelope(failed({ ...failure, upstreamRequestId: 'trtc-2' }), 'inv-1')).toMatchObject({ Response: { RequestId: 'trtc-2' } });
    expect(failed(failure, 3)).toEqual({ ok: false, failure, attempts: 3 });
  });

  it('caps the message at MAX_ERROR_MESSAGE_CHARS with an ellipsis, never splitting a character', () => {
    const envelope = toEnvelope(failed({ ...failure, message: 'x'.repeat(2000) }), 'inv') as { Response: { Error: { Message: string } } };
    expect(Array.from(envelope.Response.Error.Message)).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(envelope.Response.Error.Message.endsWith('…')).toBe(true);
    expect(capText('short', 10)).toBe('short');
    expect(capText('😀😀😀😀', 3)).toBe('😀…');
  });
});
