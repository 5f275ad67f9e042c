/** An SCF API error: answered as HTTP 200 with `Response.Error{Code, Message}`, as the real API does. */
export class ScfApiError extends Error {
  override name = 'ScfApiError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function scfError(code: string, message: string): ScfApiError {
  return new ScfApiError(code, message);
}
