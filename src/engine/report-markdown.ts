import type { RiskReport } from './risk-report.js';
import { ACTIONS } from './risk-report.js';
import type { ShadowReport } from './shadow-report.js';
import { TIERS } from './shadow-report.js';

const pct = (x: number | undefined) =>
  x === undefined || Number.isNaN(x) ? '—' : `${(100 * x).toFixed(2)} %`;
const num = (x: number | undefined, digits = 3) =>
  x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
// A table cell never breaks the table: pipes escaped, newlines flattened.
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const table = (
  head: readonly string[],
  align: readonly ('l' | 'r')[],
  rows: readonly (readonly string[])[],
) => [
  `| ${head.join(' | ')} |`,
  `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
  ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
];
const span = (r: { from?: string; to?: string; first?: string; last?: string }) =>
  `Range: ${r.from ?? 'the beginning'} to ${r.to ?? 'the end'}` +
  (r.first !== undefined ? ` (decisions from ${r.first} to ${r.last}).` : '.');

/** The risk report as markdown: a heading and one table per section (docs/reports.md). */
export function renderRiskMarkdown(r: RiskReport): string {
  const out: string[] = [
    '# Risk report',
    '',
    `${span(r)} ${r.decisions} decisions, read at ${Math.round(r.eventsPerSecond)} events/s.`,
    '',
    '## Decision mix',
    '',
    ...table(
      ['decision', 'count', 'share'],
      ['l', 'r', 'r'],
      ACTIONS.map((a) => [a, String(r.mix.byDecision[a].count), pct(r.mix.byDecision[a].share)]),
    ),
    '',
    ...table(
      ['event type', 'count', 'share', ...ACTIONS],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
      r.mix.byEventType.map((t) => [
        t.type,
        String(t.count),
        pct(t.share),
        ...ACTIONS.map((a) => String(t.byDecision[a])),
      ]),
    ),
    '',
    '## Top rules',
    '',
    ...table(
      ['rule', 'mode', 'hits', 'hit rate'],
      ['l', 'l', 'r', 'r'],
      [
        ...r.rules.live.map((x) => [x.id, 'live', String(x.hits), pct(x.rate)]),
        ...r.rules.shadow.map((x) => [x.id, 'shadow', String(x.hits), pct(x.rate)]),
      ],
    ),
    '',
    '## Outcomes',
    '',
    `${r.outcomes.labelled} decisions labelled, ${r.outcomes.fraud} fraud: fraud rate ${pct(r.outcomes.fraudRate)} of decisions. ` +
      `${r.outcomes.allowedFraud} ALLOWed events turned out fraud; ${r.outcomes.blockedFalsePositives} BLOCKs were false positives.`,
    '',
    ...table(
      ['outcome', 'count'],
      ['l', 'r'],
      Object.entries(r.outcomes.byType).map(([t, c]) => [t, String(c)]),
    ),
    '',
    ...table(
      ['decision', 'decisions', 'labelled', 'fraud', 'not fraud'],
      ['l', 'r', 'r', 'r', 'r'],
      ACTIONS.map((a) => {
        const x = r.outcomes.byDecision[a];
        return [a, String(x.decisions), String(x.labelled), String(x.fraud), String(x.notFraud)];
      }),
    ),
    '',
    '## Model scores',
    '',
  ];
  const dists = [
    ...(r.scores.model !== undefined ? [['champion', r.scores.model] as const] : []),
    ...r.scores.challengers.map((c) => [`challenger ${c.version}`, c] as const),
  ];
  if (dists.length === 0) out.push('No model scores in range.');
  else {
    out.push(
      ...table(
        ['model', 'count', 'mean', 'p50', 'p90', 'p99'],
        ['l', 'r', 'r', 'r', 'r', 'r'],
        dists.map(([name, d]) => [name, String(d.count), num(d.mean), num(d.p50), num(d.p90), num(d.p99)]),
      ),
      '',
      ...table(
        ['score', ...dists.map(([name]) => name)],
        ['l', ...dists.map(() => 'r' as const)],
        (dists[0]?.[1].bins ?? []).map((b, i) => [
          `${b.from.toFixed(2)}–${b.to.toFixed(2)}`,
          ...dists.map(([, d]) => String(d.bins[i]?.count ?? 0)),
        ]),
      ),
    );
  }
  out.push(
    '',
    '## Latency (µs, recorded stage timings)',
    '',
    ...table(
      ['stage', 'count', 'p50', 'p99'],
      ['l', 'r', 'r', 'r'],
      [
        ['total', String(r.latency.total.count), num(r.latency.total.p50, 0), num(r.latency.total.p99, 0)],
        ...r.latency.stages.map((s) => [s.stage, String(s.count), num(s.p50, 0), num(s.p99, 0)]),
      ],
    ),
    '',
    '## Degraded',
    '',
    `${r.degraded.decisions} decisions degraded.`,
    '',
    ...table(
      ['component', 'decisions'],
      ['l', 'r'],
      Object.entries(r.degraded.byComponent).map(([k, v]) => [k, String(v)]),
    ),
    '',
    '## Data quality',
    '',
    ...table(
      ['source', 'field', 'events', 'present', 'valid'],
      ['l', 'l', 'r', 'r', 'r'],
      r.quality.sources.flatMap((s) =>
        s.fields.map((f) => [s.source, f.field, String(f.events), pct(f.present), pct(f.valid)]),
      ),
    ),
    '',
  );
  return out.join('\n');
}

/** The shadow report as markdown: shadow rules, then champion against each challenger. */
export function renderShadowMarkdown(r: ShadowReport): string {
  const out: string[] = [
    '# Shadow report',
    '',
    `${span(r)} ${r.decisions} decisions${r.bundleVersion !== undefined ? `, shadow rules of ${r.bundleVersion}` : ''}, read at ${Math.round(r.eventsPerSecond)} events/s.`,
    `${r.labels.labelled} decisions labelled, ${r.labels.fraud} fraud; the live policy's REVIEW/BLOCK: precision ${pct(r.labels.live.precision)}, recall ${pct(r.labels.live.recall)}.`,
    '',
    '## Shadow rules',
    '',
  ];
  if (r.rules.length === 0) out.push('No shadow rules fired in range.');
  else
    out.push(
      ...table(
        [
          'rule',
          'action',
          'hits',
          'hit rate',
          'overlap',
          'new',
          'would change',
          'precision',
          'recall',
          'new fraud',
        ],
        ['l', 'l', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r'],
        r.rules.map((x) => [
          x.id,
          x.action ?? '—',
          String(x.hits),
          pct(x.rate),
          String(x.overlap),
          String(x.new),
          x.changes === undefined
            ? '—'
            : `${x.changed}${x.changes.length > 0 ? ` (${x.changes.map((c) => `${c.from}→${c.to} ${c.count}`).join(', ')})` : ''}`,
          pct(x.labels.precision),
          pct(x.labels.recall),
          String(x.newFraud),
        ]),
      ),
    );
  out.push('', '## Champion and challenger', '');
  if (r.challengers.length === 0) out.push('No challenger scores in range.');
  for (const c of r.challengers) {
    out.push(
      `### ${c.version}`,
      '',
      ...table(
        ['scored', 'failed', 'agreement', 'mean diff', 'mean abs diff', 'correlation'],
        ['r', 'r', 'r', 'r', 'r', 'r'],
        [
          [
            String(c.scored),
            String(c.failed),
            pct(c.agreement),
            num(c.meanDiff, 4),
            num(c.meanAbsDiff, 4),
            num(c.correlation, 4),
          ],
        ],
      ),
      '',
    );
    if (c.tiers !== undefined)
      out.push(
        ...table(
          ['champion \\ challenger', ...TIERS],
          ['l', 'r', 'r', 'r'],
          c.tiers.map((row, i) => [TIERS[i] as string, ...row.map(String)]),
        ),
        '',
      );
    out.push(
      ...table(
        ['model', 'labelled', 'fraud', 'AUC', 'precision', 'recall'],
        ['l', 'r', 'r', 'r', 'r', 'r'],
        (['champion', 'challenger'] as const).map((k) => {
          const s = c.labels[k];
          return [
            k,
            String(c.labels.labelled),
            String(c.labels.fraud),
            num(s.auc, 4),
            pct(s.precision),
            pct(s.recall),
          ];
        }),
      ),
      '',
    );
  }
  return out.join('\n');
}
