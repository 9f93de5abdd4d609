import { GATES, type GateName, MEMORY_GATE_ENTITIES } from './gates.js';

/** The outcome of one gate in one run. */
export interface GateVerdict {
  readonly gate: GateName;
  readonly figure: string;
  readonly value: number;
  readonly bound: 'min' | 'max';
  readonly threshold: number;
  readonly unit: string;
  readonly pass: boolean;
  /** Why it failed whatever the figure, e.g. failed requests or evicted entities. */
  readonly reason?: string;
}

/** What the gated sections measured; a section that did not run has no verdict. */
export interface GatedFigures {
  readonly rest?: { readonly ratio: number; readonly errors: number };
  readonly grpc?: { readonly ratio: number; readonly errors: number };
  readonly inprocess?: { readonly p99Us: number };
  readonly counters?: { readonly p99Us: number };
  readonly redis?: { readonly ratio: number; readonly errors: number };
  /** Judged only when `target` is MEMORY_GATE_ENTITIES: the threshold is for that count. */
  readonly memory?: {
    readonly peakRssMiB: number;
    readonly entities: number;
    readonly target: number;
    readonly evictions: number;
  };
}

/**
 * Judges one figure against GATES[gate]. A figure that is not a number (nothing measured) fails,
 * and so does any fault: a count of failed requests (a ratio over failing requests measures error
 * paths) or a sentence saying what else makes the figure meaningless.
 */
export function gateVerdict(
  gate: GateName,
  value: number,
  fault: number | string | undefined = 0,
): GateVerdict {
  const g = GATES[gate];
  const within = g.bound === 'min' ? value >= g.threshold : value < g.threshold;
  const faultText = typeof fault === 'string' ? fault : fault > 0 ? `${fault} failed requests` : undefined;
  const reason = Number.isNaN(value) ? 'no figure' : faultText;
  return {
    gate,
    figure: g.figure,
    value,
    bound: g.bound,
    threshold: g.threshold,
    unit: g.unit,
    pass: within && reason === undefined,
    ...(reason !== undefined ? { reason } : {}),
  };
}

/** The verdict of every gate whose section ran, in GATES order. */
export function judgeGates(f: GatedFigures): GateVerdict[] {
  return [
    ...(f.rest !== undefined ? [gateVerdict('rest', f.rest.ratio, f.rest.errors)] : []),
    ...(f.grpc !== undefined ? [gateVerdict('grpc', f.grpc.ratio, f.grpc.errors)] : []),
    ...(f.inprocess !== undefined ? [gateVerdict('inprocess', f.inprocess.p99Us)] : []),
    ...(f.counters !== undefined ? [gateVerdict('counters', f.counters.p99Us)] : []),
    ...(f.redis !== undefined ? [gateVerdict('redis', f.redis.ratio, f.redis.errors)] : []),
    ...(f.memory !== undefined && f.memory.target === MEMORY_GATE_ENTITIES
      ? [gateVerdict('memory', f.memory.peakRssMiB, memoryFault(f.memory))]
      : []),
  ];
}

/** Why a memory figure says nothing about the gate: fewer entities held than it is for. */
function memoryFault(m: NonNullable<GatedFigures['memory']>): string | undefined {
  if (m.evictions > 0) return `${m.evictions} entities evicted`;
  if (m.entities < MEMORY_GATE_ENTITIES) return `only ${m.entities} entities held`;
  return undefined;
}

/** One line: "PASS  REST real/empty decisions/s 0.30 (gate >= 0.25)". */
export function formatVerdict(v: GateVerdict): string {
  const num = (n: number) => (v.unit === '' ? n.toFixed(2) : `${n.toFixed(1)} ${v.unit}`);
  const rule =
    v.bound === 'min' ? `>= ${v.unit === '' ? v.threshold : num(v.threshold)}` : `< ${num(v.threshold)}`;
  return `${v.pass ? 'PASS' : 'FAIL'}  ${v.figure} ${num(v.value)} (gate ${rule})${v.reason !== undefined ? `: ${v.reason}` : ''}`;
}

/** Whether a run passes: every regression guard passed; a target's verdict is reported, not counted. */
export function guardsPass(verdicts: readonly GateVerdict[]): boolean {
  return verdicts.every((v) => v.pass || GATES[v.gate].kind === 'target');
}
