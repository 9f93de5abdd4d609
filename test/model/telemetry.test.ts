import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCEPTANCE_REQUEST } from '../helpers.js';
import { spawnService } from '../server/spawn-service.js';

/** Every file under dir, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** An environment as a new user's shell has it: a fresh HOME and TMPDIR, no telemetry switch set. */
function freshEnv(home: string, tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: tmp, XDG_CACHE_HOME: undefined };
  delete env.ORT_DISABLE_TELEMETRY;
  delete env.XDG_CACHE_HOME;
  return env;
}

const scratch: string[] = [];
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratchDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(d);
  return d;
}

/** What onnxruntime-node 1.30 writes when its telemetry is on (checked with it on, see telemetry-off.ts). */
const TELEMETRY_FILE = /onnxruntime|Microsoft|mat-debug-\d+\.log|^\.ses$/;

describe('onnxruntime telemetry stays off', () => {
  it('the service started with a fresh HOME decides with the model and writes nothing under HOME', async () => {
    const home = scratchDir('home-');
    const tmp = scratchDir('tmp-');
    const svc = await spawnService({
      HOME: home,
      TMPDIR: tmp,
      XDG_CACHE_HOME: undefined,
      ORT_DISABLE_TELEMETRY: undefined,
      RISK_DRAIN_GRACE_MS: '100',
    });
    child = svc.child;
    const res = await fetch(`http://127.0.0.1:${svc.httpPort}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ACCEPTANCE_REQUEST),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { modelScore?: number; degraded: string[] };
    expect(body.modelScore).toBeTypeOf('number');
    expect(body.degraded).toEqual([]);
    svc.child.kill('SIGTERM');
    const [code] = await svc.exited;
    expect(code).toBe(0);
    expect(filesUnder(home)).toEqual([]);
    expect(filesUnder(tmp).filter((f) => TELEMETRY_FILE.test(f))).toEqual([]);
  }, 40_000);

  it('a process that scores through src/model (as the trainer and bench do) writes nothing under HOME', async () => {
    const home = scratchDir('home-');
    const tmp = scratchDir('tmp-');
    const script = [
      "import { readFile } from 'node:fs/promises';",
      "import { defaultBundleDir } from './src/engine/index.js';",
      "import { ort } from './src/model/index.js';",
      "const bytes = await readFile(defaultBundleDir() + '/model/model.onnx');",
      'const s = await ort.InferenceSession.create(bytes);',
      'const n = s.inputNames.length;',
      'await s.release();',
      'console.log("sessions ok " + n);',
    ].join('\n');
    child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: freshEnv(home, tmp),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(out).toContain('sessions ok 1');
    expect(code).toBe(0);
    expect(filesUnder(home)).toEqual([]);
    expect(filesUnder(tmp).filter((f) => TELEMETRY_FILE.test(f))).toEqual([]);
  }, 40_000);
});
