import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseArgs, UsageError, type RelayOptions } from '../../relay/cli.ts';

const opts = (argv: string[]): RelayOptions => {
  const r = parseArgs(argv);
  if (r.help) throw new Error('unexpected help');
  return r.options;
};
const usage = (argv: string[]): string => {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('relay cli: SPEC §5 options', () => {
  it('defaults', () => {
    expect(opts([])).toEqual({ port: 9090, rpcPort: 8545, data: './.whisper-relay', peers: [], minPow: 0.2, maxSize: 65536 });
  });
  it('every option, both spellings, repeatable --peer', () => {
    const o = opts([
      '--port', '0', '--rpc-port=0', '--data', '/tmp/x', '--peer', '/ip4/1.2.3.4/tcp/9090/ws',
      '--peer=/dns4/a.example/tcp/443/wss', '--min-pow', '0', '--max-size', '1048576',
    ]);
    expect(o).toEqual({
      port: 0, rpcPort: 0, data: '/tmp/x', peers: ['/ip4/1.2.3.4/tcp/9090/ws', '/dns4/a.example/tcp/443/wss'], minPow: 0, maxSize: 1048576,
    });
    expect(opts(['--min-pow', '2.5']).minPow).toBe(2.5);
    expect(opts(['--min-pow', '.5']).minPow).toBe(0.5);
  });
  it('does not share the defaults peers array between calls', () => {
    opts(['--peer', '/ip4/1.2.3.4/tcp/1/ws']);
    expect(DEFAULT_OPTIONS.peers).toEqual([]);
    expect(opts([]).peers).toEqual([]);
  });
  it('--help wins', () => {
    expect(parseArgs(['--port', '1', '--help'])).toEqual({ help: true });
    expect(parseArgs(['-h'])).toEqual({ help: true });
  });
});

describe('relay cli: bad values name their flag', () => {
  it.each([
    [['--port', '65536'], '--port'],
    [['--port', '-1'], '--port'],
    [['--port', 'abc'], '--port'],
    [['--port', '1.5'], '--port'],
    [['--port'], '--port: missing value'],
    [['--rpc-port', ''], '--rpc-port'],
    [['--rpc-port', '--data'], '--rpc-port: missing value'],
    [['--data', ''], '--data'],
    [['--peer', 'localhost:9090'], '--peer'],
    [['--min-pow', '-1'], '--min-pow'],
    [['--min-pow', 'NaN'], '--min-pow'],
    [['--min-pow', 'Infinity'], '--min-pow'],
    [['--min-pow', '0x10'], '--min-pow'],
    [['--max-size', '0'], '--max-size'],
    [['--max-size', '1048577'], '--max-size'],
    [['--max-size', '1e3'], '--max-size'],
    [['--verbose'], 'unknown option --verbose'],
    [['--verbose=1'], 'unknown option --verbose'],
    [['9090'], 'unexpected argument "9090"'],
  ])('%j', (argv, text) => {
    const msg = usage(argv);
    expect(msg).toContain(text);
    expect(msg).not.toContain('\n');
  });
});
