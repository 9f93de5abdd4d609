import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fromJson } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { parseCliArgs, parseDuration, parseMix, runCli, USAGE, UsageError } from '../../src/sim/index.js';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const text = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => {
    text.out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    text.err += c.toString();
  });
  return { io: { stdout, stderr }, text };
}

const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseDuration', () => {
  it('parses units and compounds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('6h')).toBe(21_600_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });
  it('rejects garbage', () => {
    for (const bad of ['', '6', 'h', '6x', '6h foo', '-1h', '0s'])
      expect(() => parseDuration(bad), bad).toThrow(UsageError);
  });
});

describe('parseCliArgs', () => {
  it('applies defaults', () => {
    const o = parseCliArgs([]);
    expect(o).toMatchObject({
      seed: 1,
      users: 2000,
      fraudRate: 0.02,
      count: 10_000,
      durationMs: undefined,
      target: undefined,
      url: 'http://127.0.0.1:8080',
      addr: '127.0.0.1:50051',
      concurrency: 16,
      timeoutMs: 5000,
    });
    expect(parseCliArgs(['--duration', '6h']).count).toBeUndefined();
    expect(parseCliArgs(['--duration', '6h', '--count', '5']).count).toBe(5);
  });

  it('parses every flag', () => {
    const o = parseCliArgs([
      '--target',
      'grpc',
      '--addr',
      'localhost:9000',
      '--rate',
      '250',
      '--concurrency',
      '32',
      '--timeout',
      '2s',
      '--seed',
      '77',
      '--users',
      '50',
      '--fraud-rate',
      '0.1',
      '--mix',
      'card_testing=2,mule_cashout=1',
      '--start',
      '2027-01-01T00:00:00Z',
      '--out',
      'x.ndjson',
      '--quiet',
    ]);
    expect(o).toMatchObject({
      target: 'grpc',
      addr: 'localhost:9000',
      rate: 250,
      concurrency: 32,
      timeoutMs: 2000,
      seed: 77,
      users: 50,
      fraudRate: 0.1,
      mix: { card_testing: 2, mule_cashout: 1 },
      start: '2027-01-01T00:00:00Z',
      out: 'x.ndjson',
      quiet: true,
    });
  });

  it('rejects bad flags and values with clear messages', () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--count', 'ten'], /--count must be an integer/],
      [['--count', '0'], /--count must be an integer/],
      [['--seed', '-3'], /--seed/],
      [['--fraud-rate', '1.5'], /--fraud-rate must be in \[0, 1\)/],
      [['--duration', '6 hours'], /invalid duration/],
      [['--target', 'soap'], /--target must be "rest" or "grpc"/],
      [['--url', 'http://x'], /--url needs --target rest/],
      [['--target', 'rest', '--url', 'ftp://x'], /--url must be an http\(s\) URL/],
      [['--target', 'grpc', '--addr', 'nohost'], /--addr must be HOST:PORT/],
      [['--rate', '10'], /--rate needs --target/],
      [['--target', 'rest', '--rate', '0'], /--rate must be a positive number/],
      [['--mix', 'card_testing'], /scenario=weight/],
      [['--mix', 'phishing=1'], /unknown scenario "phishing"/],
      [['--start', 'tomorrow'], /--start must be an RFC 3339 time/],
      [['--target', 'rest', '--out', '-'], /cannot be combined/],
      [['extra'], /positional/i],
    ];
    for (const [argv, msg] of cases) expect(() => parseCliArgs(argv), argv.join(' ')).toThrow(msg);
    expect(parseMix('stolen_card=1')).toEqual({ stolen_card: 1 });
  });
});

describe('runCli', () => {
  it('prints usage for --help', async () => {
    const { io: s, text } = io();
    expect(await runCli(['--help'], s)).toBe(0);
    expect(text.out).toBe(USAGE);
    expect(USAGE).toContain('--target rest|grpc');
  });

  it('exits 2 with a message on bad flags', async () => {
    const { io: s, text } = io();
    expect(await runCli(['--count', 'x'], s)).toBe(2);
    expect(text.err).toContain('simulate: --count must be an integer');
    expect(text.err).toContain('--help');
  });

  it('writes NDJSON records to --out', async () => {
    const file = join(dir, 'out.ndjson');
    const { io: s, text } = io();
    expect(
      await runCli(
        ['--out', file, '--count', '700', '--seed', '12', '--users', '100', '--fraud-rate', '0.3'],
        s,
      ),
    ).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(700);
    for (const line of lines) {
      const rec = JSON.parse(line) as { label: number; scenario: string; request: unknown };
      expect(Object.keys(rec)).toEqual(['label', 'scenario', 'request']);
      expect(() => fromJson(DecideRequestSchema, rec.request as never)).not.toThrow();
    }
    expect(text.err).toMatch(/700 records \(\d+ fraud\)/);
    // Same flags again: byte-identical output.
    const file2 = join(dir, 'out2.ndjson');
    await runCli(
      ['--out', file2, '--count', '700', '--seed', '12', '--users', '100', '--fraud-rate', '0.3', '-q'],
      io().io,
    );
    expect(readFileSync(file2, 'utf8')).toBe(readFileSync(file, 'utf8'));
  });

  it('writes to stdout by default and stops at --duration', async () => {
    const { io: s, text } = io();
    expect(
      await runCli(['--duration', '2h', '--users', '200', '--quiet', '--start', '2026-12-24T18:00:00Z'], s),
    ).toBe(0);
    const lines = text.out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    const last = JSON.parse(lines[lines.length - 1] ?? '{}') as {
      request: { event: { occurredAt: string } };
    };
    expect(Date.parse(last.request.event.occurredAt)).toBeLessThan(Date.parse('2026-12-24T20:00:00Z'));
    expect(text.err).toBe('');
  });
});

describe('scripts/simulate.ts', () => {
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const script = join(process.cwd(), 'scripts', 'simulate.ts');

  it('exits 2 on a bad flag and 0 on a small run', () => {
    const bad = spawnSync(tsx, [script, '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--nope'");
    const ok = spawnSync(tsx, [script, '--count', '3', '--users', '10', '--quiet'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trimEnd().split('\n')).toHaveLength(3);
  }, 30_000);
});
