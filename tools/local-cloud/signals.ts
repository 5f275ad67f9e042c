/**
 * How `npm run local` stops on SIGINT/SIGTERM: the first signal starts the cleanup (which ends every process the local
 * cloud started) and resolves with its exit code. The handlers stay installed: npm forwards the signal it gets, so the
 * same SIGTERM or SIGINT often arrives twice, and the default action of the second would end the process before its
 * cleanup is done. A repeated signal is only noted.
 */
export function stopOnSignals(stop: () => Promise<number>, write: (line: string) => void): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        write(`${signal}: already stopping the local cloud\n`);
        return;
      }
      stopping = true;
      write(`${signal}: stopping the local cloud\n`);
      void stop().then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
