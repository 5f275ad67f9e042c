/**
 * main_handler: recognise the event, run the pipeline, present the outcome. Nothing else lives here.
 *
 * - HTTP events (anything with httpMethod or requestContext.http.method, and headers) always get an integration
 *   response (an ALB target gets ALB's shape); the handler never throws for them.
 * - A direct invocation gets the cloud-API envelope. When the report was not recorded for a reason that is not its
 *   own fault (upstream failure, configuration), the handler throws an error whose message is that envelope, so an
 *   asynchronous invocation is retried by the platform and a synchronous caller still reads the envelope.
 */
import { runBatch } from '../lib/batch';
import { ReportNotRecordedError } from '../lib/errors';
import { unexpected, unrecognisedEvent } from '../lib/failures';
import { handleHttp } from '../lib/http/handle';
import { formatAnswer, outcomeResponse } from '../lib/http/response';
import { traceIdOf } from '../lib/http/traceparent';
import { openInvocation, type ScfContext } from '../lib/invocation';
import { failed, toEnvelope, type Outcome } from '../lib/outcome';
import { submitReport } from '../lib/pipeline';
import { describeShape, detectSource, EXPECTED_EVENTS } from '../lib/sources';
import { runProbe } from '../lib/probe';

/** Thrown for a direct invocation whose report should be sent again later (lib/errors.ts). */
export { ReportNotRecordedError };

function unexpectedOutcome(error: unknown): Outcome {
  const name = error instanceof Error ? error.name : typeof error;
  return failed(unexpected(`the function failed unexpectedly (${name}); retry later`));
}

export async function main_handler(event: unknown, context?: ScfContext): Promise<unknown> {
  const startedAt = Date.now();
  const detected = detectSource(event);
  // An HTTP caller's valid `traceparent` gives the trace id of every log line and of the call to TRTC.
  const http = detected?.adapted.kind === 'http' && detected.adapted.request.ok ? detected.adapted.request.value : undefined;
  const traceId = http === undefined ? undefined : traceIdOf(http.headers);
  const opened = openInvocation(context, detected?.source ?? 'unknown', { startedAt, ...(traceId === undefined ? {} : { traceId }) });
  const { inv, finish } = opened;

  if (!opened.ok) {
    const outcome = opened.misconfigured;
    finish(outcome);
    if (detected?.adapted.kind === 'http') return formatAnswer(outcomeResponse(outcome, inv.id), detected.adapted.format);
    throw new ReportNotRecordedError(toEnvelope(outcome, inv.id), inv.mask);
  }

  if (!detected) {
    const outcome = failed(unrecognisedEvent(`unrecognised event (${describeShape(event)}): ${EXPECTED_EVENTS}`));
    finish(outcome);
    return toEnvelope(outcome, inv.id);
  }

  const { adapted } = detected;
  switch (adapted.kind) {
    case 'http': {
      const httpRequestId = adapted.request.ok && adapted.request.value.requestId ? { http_request_id: adapted.request.value.requestId } : {};
      try {
        const { response, outcome } = await handleHttp(adapted.request, inv);
        finish(outcome, httpRequestId);
        return formatAnswer(response, adapted.format);
      } catch (error) {
        // Never reached by design; if a defect throws, the HTTP caller still gets an answer and no stack trace.
        const outcome = unexpectedOutcome(error);
        inv.log.error('unexpected error', { error });
        finish(outcome, httpRequestId);
        return formatAnswer(outcomeResponse(outcome, inv.id), adapted.format);
      }
    }
    case 'report': {
      const outcome = await submitReport(adapted.params, inv);
      finish(outcome);
      const envelope = toEnvelope(outcome, inv.id);
      if (!outcome.ok && outcome.failure.retryable) throw new ReportNotRecordedError(envelope, inv.mask);
      return envelope;
    }
    case 'batch':
      return runBatch(detected.source, adapted.records, inv, startedAt);
    case 'timer':
      return runProbe(adapted.trigger, inv, startedAt);
  }
}
