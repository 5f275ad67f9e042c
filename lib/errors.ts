/**
 * Errors that leave the handler for the platform (which retries on them and prints them in the function's log).
 * They carry no stack frames: the log shows what failed, never where in the code.
 */
export function withoutStack<E extends Error>(error: E): E {
  Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}`, writable: true, configurable: true });
  return error;
}
