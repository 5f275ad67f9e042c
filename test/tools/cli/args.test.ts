/**
 * The dev CLIs' command-line parsing (tools/cli/args.ts on node:util parseArgs, and the parsers of `npm start` and
 * `npm run invoke`): every mistake is a one-line UsageError naming the flag; pure functions, no process.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../../tools/cli/args';
import { parseInvokeArgs } from '../../../tools/cli/invoke';
import { parseStartArgs, START_HOST } from '../../../tools/cli/start';

const OPTIONS = { RoomId: { type: 'string' }, form: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

describe('parseCommandLine', () => {
  it.each([
    [['--roomid', 'x'], 'unknown option --roomid (names are case-sensitive: did you mean --RoomId?)'],
    [['-x'], 'unknown option -x'],
    [['--RoomId'], '--RoomId needs a value'],
    [['--RoomId', '--form'], '--RoomId needs a value (to pass one starting with -, write --RoomId=--form)'],
    [['--form=yes'], '--form takes no value'],
  ] as const)('%j → %s', (argv, message) => {
    expect(() => parseCommandLine(argv, OPTIONS)).toThrow(new UsageError(message));
    expect(message).not.toContain('\n');
  });

  it('gives values and positionals', () => {
    expect(parseCommandLine(['a', '--RoomId=r', '-h'], OPTIONS)).toEqual({ values: { RoomId: 'r', help: true }, positionals: ['a'] });
  });
});

describe('npm start arguments', () => {
  it('--port wins over PORT; --host defaults to loopback', () => {
    expect(parseStartArgs(['--port', '0'], { PORT: '8080' })).toEqual({ kind: 'run', port: 0, host: START_HOST, emulator: false });
    expect(parseStartArgs([], { PORT: '8080' })).toMatchObject({ port: 8080 });
    expect(parseStartArgs(['--host', '0.0.0.0', '--emulator'], {})).toEqual({ kind: 'run', port: 9000, host: '0.0.0.0', emulator: true });
  });

  it('names the flag or variable that is wrong, and says what npm did with options before --', () => {
    expect(() => parseStartArgs(['--port', '70000'], {})).toThrow('--port must be a whole number from 0 to 65535, got "70000"');
    expect(() => parseStartArgs([], { PORT: 'http' })).toThrow('PORT must be a whole number from 0 to 65535');
    expect(() => parseStartArgs(['--host', ' '], {})).toThrow('--host needs an address');
    expect(() => parseStartArgs(['0.0.0.0'], { npm_lifecycle_event: 'start' })).toThrow(
      /npm keeps the options written before "--" for itself: npm start -- --port N --host ADDRESS/,
    );
  });
});

describe('npm run invoke arguments', () => {
  it('reads the event file or -, and the switches', () => {
    expect(parseInvokeArgs(['-', '--no-scene', '--fail', '--emulator', '--timeout', '3000'])).toEqual({
      kind: 'run',
      file: '-',
      timeoutMs: 3000,
      emulator: true,
      scene: false,
      fail: true,
    });
    expect(parseInvokeArgs(['e.json'])).toMatchObject({ timeoutMs: 10_000, emulator: false, scene: true, fail: false });
    expect(parseInvokeArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it('refuses what it cannot use', () => {
    expect(() => parseInvokeArgs([])).toThrow(/an event file is required \(or - for stdin\)/);
    expect(() => parseInvokeArgs(['a.json', 'b.json'])).toThrow(/one event only/);
    expect(() => parseInvokeArgs(['a.json', '--timeout', '0'])).toThrow('--timeout must be a whole number from 1 to 900000, got "0"');
  });
});
