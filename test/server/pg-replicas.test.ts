import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentRequest } from '../helpers.js';
import { dropSchema, SHARED_DATABASE_URL, sql, uniqueSchema } from '../pg-servers.js';
import { type ServiceProcess, spawnService } from './spawn-service.js';

// Two service processes reading one real PostgreSQL (DATABASE_URL): a publish through either one's
// admin API is live on both, measured. Fails, not skips, without PostgreSQL.

interface Decision {
  bundleVersion: string;
  reasons: { code: string }[];
}

const decide = async (port: number, id: string): Promise<Decision> => {
  const res = await fetch(`http://127.0.0.1:${port}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(paymentRequest(id)),
  });
  return (await res.json()) as Decision;
};
const putRule = async (port: number, id: string, text: string) => {
  const res = await fetch(`http://127.0.0.1:${port}/admin/v1/rules/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-risk-actor': 'replica-test' },
    body: JSON.stringify({ text }),
  });
  return { status: res.status, body: (await res.json()) as { version: string } };
};

describe('two service processes sharing one PostgreSQL', () => {
  const schema = uniqueSchema('replicas');
  let a: ServiceProcess;
  let b: ServiceProcess;
  beforeAll(async () => {
    await sql('SELECT 1');
    // Both start on an empty schema at once: one seeds it, the other serves that.
    const env = { DATABASE_URL: SHARED_DATABASE_URL, RISK_PG_SCHEMA: schema, RISK_JOURNAL_MODE: 'off' };
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
  }, 60_000);
  afterAll(async () => {
    a?.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await Promise.all([a?.exited, b?.exited]);
    await dropSchema(schema);
  });

  it('serves a publish on one process on both within a second (LISTEN/NOTIFY)', async () => {
    const run = `${process.pid}-${Date.now()}`;
    const [da, db] = [await decide(a.httpPort, `w-a-${run}`), await decide(b.httpPort, `w-b-${run}`)];
    expect(da.bundleVersion).toBe(db.bundleVersion);
    expect(a.output()).toContain('the bundle directory is not watched');

    const figures: { publishMs: number; liveOnBothMs: number; answerToOtherMs: number }[] = [];
    let k = 0;
    let warmUpMs = 0;
    // The first publish is a warm-up (the load path's first run in each process), not counted.
    for (const [from, to] of [
      [b, a],
      [a, b],
      [b, a],
      [a, b],
      [b, a],
      [a, b],
    ] as const) {
      k++;
      const code = `pg_live_${k}`;
      const t0 = performance.now();
      const put = await putRule(
        from.httpPort,
        code,
        `@reason ${code}: rule ${k} published on one replica\nreview if type == 'PAYMENT'`,
      );
      const answered = performance.now();
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const live = async (p: ServiceProcess, i: number) => {
        const d = await decide(p.httpPort, `live-${run}-${k}-${i}`);
        return d.bundleVersion === put.body.version && d.reasons.some((r) => r.code === code);
      };
      // The publishing process serves it once it answers; the other within the NOTIFY's delay.
      expect(await live(from, 0)).toBe(true);
      let i = 1;
      while (!(await live(to, i++))) {
        if (performance.now() - t0 > 5000)
          throw new Error(`publish ${k} not live on the other process in 5 s`);
        // A short pause: the asking should not be what keeps the other process busy.
        await new Promise((r) => setTimeout(r, 5));
      }
      const done = performance.now();
      if (k === 1) {
        warmUpMs = Math.round(done - t0);
        continue;
      }
      figures.push({
        publishMs: Math.round(answered - t0),
        liveOnBothMs: Math.round(done - t0),
        answerToOtherMs: Math.round(done - answered),
      });
    }
    // The figure the issue asks for: publish request sent -> the new rule decides on both processes.
    console.log(
      `PostgreSQL publish -> live on both replicas (ms): ${JSON.stringify(figures)}; warm-up publish ${warmUpMs} ms`,
    );
    for (const f of figures) expect(f.liveOnBothMs).toBeLessThan(1000);
    expect(b.output() + a.output()).toContain('bundle head from the store served');
    const head = await sql<{ revision: string }>(`SELECT revision FROM "${schema}".risk_bundle_head`);
    expect(head[0]?.revision).toBe(String(1 + k));

    // SIGHUP reads the head again (the directory is not the source); the process serves on.
    b.child.kill('SIGHUP');
    const end = Date.now() + 5000;
    while (!b.output().includes('SIGHUP: bundle reloaded') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(b.output()).toContain('SIGHUP: bundle reloaded');
    expect((await decide(b.httpPort, `hup-${run}`)).bundleVersion).toBe(
      (await decide(a.httpPort, `hup-a-${run}`)).bundleVersion,
    );
  }, 30_000);
});
