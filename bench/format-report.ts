import type { BenchReport } from './bench-report.js';
import type { CallgrindReport } from './callgrind-result.js';
import type { CpuProfileSummary, ProfileEntry } from './cpu-profile-summary.js';
import { formatMemory } from './format-memory.js';
import { formatSnapshot } from './format-snapshot.js';
import { formatVerdict, type GateVerdict } from './gate-verdict.js';
import type { InprocessResult } from './inprocess-result.js';
import type { LoadResult } from './load-result.js';
import { formatRedis } from './redis-bench.js';
import type { TransportResult } from './transport-result.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const us = (v: number) => `${v.toFixed(1)} µs`;

function loadRow(name: string, r: LoadResult): string {
  const cpu = r.cpuUsPerRequest === undefined ? 'n/a' : us(r.cpuUsPerRequest);
  const sys = r.systemUsPerRequest === undefined ? 'n/a' : us(r.systemUsPerRequest);
  return `  ${name.padEnd(8)}${int(r.rps).padStart(12)}${ms(r.p50Us).padStart(12)}${ms(r.p99Us).padStart(12)}${int(r.errors).padStart(9)}${cpu.padStart(14)}${sys.padStart(12)}`;
}

/**
 * What each part costs the server per request: real minus empty (the decision), split at the edge
 * when measured, and what the gate leaves. CPU per request drifts less than the ratio.
 */
function cpuLines(t: TransportResult, gate: GateVerdict | undefined): string[] {
  const real = t.real.cpuUsPerRequest;
  const empty = t.empty.cpuUsPerRequest;
  if (real === undefined || empty === undefined) return [];
  const edgeRun = t.edge;
  const edge = edgeRun?.cpuUsPerRequest;
  // User time is the code's own; system time also holds the kernel's socket work and wake-ups of
  // the load generator, which depend on how idle it is as much as on the server.
  const user = (r: LoadResult | undefined) =>
    r?.cpuUsPerRequest === undefined || r.systemUsPerRequest === undefined
      ? undefined
      : r.cpuUsPerRequest - r.systemUsPerRequest;
  const part = (hi: LoadResult, lo: LoadResult, total: number) => {
    const u = user(hi);
    const l = user(lo);
    return u === undefined || l === undefined ? us(total) : `${us(total)} (${us(u - l)} of it user)`;
  };
  return [
    `  server CPU per request: real ${us(real)}, empty ${us(empty)}; the decision adds ${us(real - empty)} (${(real / empty).toFixed(2)}× the empty request)`,
    ...(edgeRun !== undefined && edge !== undefined
      ? [
          `  of that, the edge (edge − empty) is ${part(edgeRun, t.empty, edge - empty)} and the decision core (real − edge) ${part(t.real, edgeRun, real - edge)}`,
        ]
      : []),
    ...(gate !== undefined
      ? [
          `  the gate allows ${us(empty / gate.threshold - empty)} over the empty request in all (empty / ${gate.threshold} = ${us(empty / gate.threshold)})`,
        ]
      : []),
  ];
}

function edgeLine(t: TransportResult): string[] {
  if (t.edgeRatio === undefined) return [];
  return [
    `  ratio edge/empty = ${t.edgeRatio.toFixed(2)} (information, no gate): the real transport, validation and tokenisation ` +
      'answering a constant; no decision core, however cheap, should lift real/empty above this',
  ];
}

function roundsText(t: TransportResult): string {
  if (t.rounds.length <= 1) return '';
  const round = (r: TransportResult['rounds'][number]) =>
    r.edgeRps === undefined
      ? `${int(r.realRps)}/${int(r.emptyRps)} = ${r.ratio.toFixed(2)}`
      : `${int(r.realRps)}/${int(r.emptyRps)} = ${r.ratio.toFixed(2)} (edge ${(r.edgeRps / r.emptyRps).toFixed(2)})`;
  return `   (pooled over ${t.rounds.length} alternating rounds: ${t.rounds.map(round).join(', ')})`;
}

function profileLines(p: CpuProfileSummary, server = 'real'): string[] {
  const rows = (entries: readonly ProfileEntry[], k: number) =>
    entries.slice(0, k).map((e) => `    ${e.pct.toFixed(1).padStart(5)}%  ${e.name}`);
  return [
    `  cpu profile of the ${server} server: ${p.file}`,
    `  busy ${int(p.busyMs)} ms, idle ${int(p.idleMs)} ms (whole process life, start-up and warm-up included); self time:`,
    ...rows(p.topSelf, 12),
    '  self time by module:',
    ...rows(p.topModules, 10),
    '  repository code by inclusive time (self + callees):',
    ...rows(p.topRepoInclusive, 15),
  ];
}

function transport(title: string, t: TransportResult, gate: GateVerdict | undefined): string[] {
  return [
    title,
    `  ${'server'.padEnd(8)}${'decisions/s'.padStart(12)}${'p50'.padStart(12)}${'p99'.padStart(12)}${'errors'.padStart(9)}${'CPU/request'.padStart(14)}${'of it sys'.padStart(12)}`,
    loadRow('empty', t.empty),
    ...(t.edge !== undefined ? [loadRow('edge', t.edge)] : []),
    loadRow('real', t.real),
    `  ratio real/empty = ${t.ratio.toFixed(2)}${roundsText(t)}`,
    ...(gate !== undefined ? [`  ${formatVerdict(gate)}`] : []),
    ...edgeLine(t),
    ...cpuLines(t, gate),
    ...t.notes.map((n) => `  - ${n}`),
    ...t.empty.notes.map((n) => `  - empty: ${n}`),
    ...(t.edge?.notes ?? []).map((n) => `  - edge: ${n}`),
    ...t.real.notes.map((n) => `  - real: ${n}`),
    ...(t.profile !== undefined ? profileLines(t.profile) : []),
    ...(t.edgeProfile !== undefined ? profileLines(t.edgeProfile, 'edge') : []),
    '',
  ];
}

function inprocess(
  r: InprocessResult,
  gate: GateVerdict | undefined,
  countersGate: GateVerdict | undefined,
): string[] {
  const row = (name: string, s: InprocessResult['decide']) =>
    `  ${name.padEnd(20)}${us(s.p50Us).padStart(11)}${us(s.p99Us).padStart(11)}${us(s.meanUs).padStart(11)}${us(s.maxUs).padStart(12)}`;
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  const total = Object.values(r.decisions).reduce((s, n) => s + n, 0);
  return [
    `In-process engine.decide() — ${int(r.iterations)} sequential calls after ${int(r.warmup)} warm-up, model ${r.modelVersion}`,
    `  ${'loop'.padEnd(20)}${'p50'.padStart(11)}${'p99'.padStart(11)}${'mean'.padStart(11)}${'max'.padStart(12)}`,
    row('engine.decide()', r.decide),
    row('trivial async fn', r.baseline),
    ...(r.counters !== undefined ? [row('hydrate + commit', r.counters)] : []),
    ...(gate !== undefined ? [`  ${formatVerdict(gate)}`] : []),
    ...(countersGate !== undefined ? [`  ${formatVerdict(countersGate)}`] : []),
    ...(r.counters !== undefined
      ? [
          `  - hydrate + commit: the in-memory counter store alone, payments naming 6 entities with 1h, 24h and 7d windows each, ${int(r.counterEvents ?? 0)} distinct events 50 ms apart`,
        ]
      : []),
    `  - p99 of each fifth of the run: ${r.decideP99ByBlockUs.map(us).join(', ')}`,
    `  - mean per stage: ${Object.entries(r.stageMeanUs)
      .map(([s, v]) => `${s} ${us(v)}`)
      .join(', ')}`,
    `  - decisions: ${Object.entries(r.decisions)
      .map(([d, n]) => `${d} ${pct(n / total)}`)
      .join(', ')}`,
    `  - top reasons (share of calls): ${Object.entries(r.topReasons)
      .map(([c, s]) => `${c} ${pct(s)}`)
      .join(', ')}`,
    '',
  ];
}

function callgrind(c: CallgrindReport): string[] {
  if ('skipped' in c) return [`Instructions per decide() (callgrind): skipped, ${c.skipped}`, ''];
  const runs = c.runs
    .map((x) => `${int(x.perDecision)} / ${int(x.perTrivialCall)} in ${x.seconds.toFixed(0)} s`)
    .join('; ');
  return [
    `Instructions per decide() (valgrind --tool=callgrind, ${c.valgrind}) — information, no gate`,
    `  ${int(c.instructionsPerDecision)} instructions per decision, ${int(c.instructionsPerTrivialCall)} per trivial async call: ${c.ratio.toFixed(0)}×`,
    `  - ${c.decisions} counted sequential decide() calls after ${c.warmup} warm-up, ${int(c.trivialCalls)} trivial calls; node ${c.nodeFlags.join(' ')} on tsc output`,
    `  - runs (decision / trivial call): ${runs}` +
      (c.runs.length > 1 ? `; spread ${(c.spread * 100).toFixed(2)}% of the mean` : ''),
    '',
  ];
}

const gateText = (g: GateVerdict | undefined) => (g === undefined ? undefined : formatVerdict(g));

function gateLines(gates: readonly GateVerdict[]): string[] {
  return gates.length === 0
    ? []
    : [
        'gates (bench/gates.ts; regression guards fail the run, targets are reported only):',
        ...gates.map((g) => `  ${formatVerdict(g)}`),
      ];
}

/** The human-readable report: one table per transport, the in-process and memory figures, then the gates. */
export function formatReport(r: BenchReport): string {
  const gate = (name: GateVerdict['gate']) => r.gates.find((g) => g.gate === name);
  const lines = [
    `risk decision service benchmark — ${r.startedAt}, node ${r.node}`,
    `runtime: ${r.runtime}`,
    ...(r.rest !== undefined || r.grpc !== undefined
      ? [
          `pinning: servers on cpu ${r.pinning.serverCpu}, wrk/h2load on cpu ${r.pinning.loadCpu} (taskset); ` +
            `${r.durationSec} s measured after a ${r.warmupSec} s discarded warm-up; ${r.connections} concurrent requests`,
        ]
      : []),
    ...(r.bundle !== undefined
      ? [
          `bundle ${r.bundle.bundleVersion}, model ${r.bundle.modelVersion || 'none'}` +
            (r.bundle.degraded.length > 0 ? ` (decisions degraded: ${r.bundle.degraded.join(', ')})` : ''),
        ]
      : []),
    '',
    ...(r.rest !== undefined ? transport('REST  POST /v1/decisions (wrk)', r.rest, gate('rest')) : []),
    ...(r.grpc !== undefined
      ? transport('gRPC  /risk.v1.DecisionService/Decide (h2load)', r.grpc, gate('grpc'))
      : []),
    ...(r.inprocess !== undefined ? inprocess(r.inprocess, gate('inprocess'), gate('counters')) : []),
    ...(r.memory !== undefined ? formatMemory(r.memory, gate('memory')) : []),
    ...(r.snapshot !== undefined ? formatSnapshot(r.snapshot) : []),
    ...(r.callgrind !== undefined ? callgrind(r.callgrind) : []),
    ...(r.redis !== undefined ? formatRedis(r.redis, gateText(gate('redis'))) : []),
    ...gateLines(r.gates),
    `overall: ${r.gates.length === 0 ? 'no gate ran' : r.pass ? 'PASS' : 'FAIL'}`,
  ];
  return `${lines.join('\n')}\n`;
}
