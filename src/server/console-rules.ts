import { RiskError } from '../domain/index.js';
import { parseRuleText } from '../policies/index.js';
import { blockOf, editRule, type RuleFiles } from './rule-edit.js';

/** A rule as the console lists it. */
export interface RuleSummary {
  readonly id: string;
  readonly action: string;
  readonly code: string;
  readonly mode: 'live' | 'shadow';
  /** Where it is kept: `json` (rules.json) or `text` (rules.txt). */
  readonly form: 'json' | 'text';
}

/** One rule in the text form, for the editor. */
export interface RuleText {
  readonly id: string;
  /** False for a new id: `text` is then a template. */
  readonly exists: boolean;
  readonly form: 'json' | 'text' | 'new';
  readonly text: string;
  /**
   * The rules.txt line (1-based) the rule's first line lands on when it is saved in the text form:
   * the service reports a rule's compile errors at rules.txt positions, the editor subtracts this.
   */
  readonly startLine: number;
}

const ID = /^[A-Za-z0-9_.-]{1,128}$/;

interface JsonRule {
  readonly id?: unknown;
  readonly action?: unknown;
  readonly when?: unknown;
  readonly reason?: { readonly code?: unknown; readonly message?: unknown };
  readonly score?: unknown;
  readonly mode?: unknown;
  readonly tags?: unknown;
}

const jsonRules = (files: RuleFiles): JsonRule[] => {
  const json = files['rules.json'];
  if (json === undefined) return [];
  const doc = JSON.parse(json) as { rules?: unknown };
  return Array.isArray(doc.rules) ? (doc.rules as JsonRule[]) : [];
};

/** A rules.json rule in the text form (docs/bundle.md "Rules as text"). */
export function jsonRuleAsText(rule: JsonRule): string {
  const lines = [`@id ${String(rule.id)}`];
  const code = String(rule.reason?.code ?? rule.id);
  const message = rule.reason?.message;
  lines.push(`@reason ${code}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`);
  if (typeof rule.score === 'number') lines.push(`@score ${rule.score}`);
  if (rule.mode === 'shadow') lines.push('@mode shadow');
  if (Array.isArray(rule.tags) && rule.tags.length > 0) lines.push(`@tags ${rule.tags.join(', ')}`);
  lines.push(`${String(rule.action).toLowerCase()} if ${String(rule.when).replace(/\s*\n\s*/g, ' ')}`);
  return lines.join('\n');
}

/** Every rule of both files, rules.json first (the load order). */
export function listRules(files: RuleFiles): RuleSummary[] {
  const out: RuleSummary[] = jsonRules(files).map((r) => ({
    id: String(r.id),
    action: String(r.action),
    code: String(r.reason?.code ?? r.id),
    mode: r.mode === 'shadow' ? 'shadow' : 'live',
    form: 'json',
  }));
  const txt = files['rules.txt'];
  if (txt !== undefined) {
    const parsed = parseRuleText(txt);
    if ('value' in parsed)
      for (const r of parsed.value)
        out.push({ id: r.id, action: r.action, code: r.reason.code, mode: r.mode ?? 'live', form: 'text' });
  }
  return out;
}

/**
 * Rule `id` in the text form: as written in rules.txt, converted from rules.json, or a template for
 * a new id; with the rules.txt line it starts on once saved as text (worked out by the same edit a
 * publish makes, so the editor can place the service's rules.txt positions in its own lines).
 */
export function ruleText(files: RuleFiles, id: string): RuleText {
  if (!ID.test(id)) throw RiskError.invalid([{ field: 'id', description: `must match ${ID.source}` }]);
  const txt = files['rules.txt'];
  const block = txt === undefined ? undefined : blockOf(txt, id);
  const json = jsonRules(files).find((r) => r.id === id);
  let text: string;
  let form: RuleText['form'];
  if (block !== undefined) {
    text = (txt as string).split('\n').slice(block.start, block.end).join('\n');
    form = 'text';
  } else if (json !== undefined) {
    text = jsonRuleAsText(json);
    form = 'json';
  } else {
    text = `@id ${id}\n@reason ${id}: describe why\nreview if amount_usd > 1000`;
    form = 'new';
  }
  const probe = editRule(files, id, { text: `@id ${id}\nreview if true` })['rules.txt'] ?? '';
  const startLine = probe.split('\n').indexOf(`@id ${id}`) + 1;
  return { id, exists: form !== 'new', form, text, startLine };
}

/**
 * The rules files of the serving bundle with one candidate rule put in (replacing a rule of its id,
 * or added): the `rule` of a backtest's body, `{id, text}` (the text form) or `{id, action, when,
 * reason, ...}` (the JSON form). Mistakes are RISK_ERR_INPUT_INVALID naming `rule.<field>`.
 */
export function candidateRuleFiles(files: RuleFiles, rule: unknown): Record<string, string> {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule))
    throw RiskError.invalid([
      { field: 'rule', description: 'must be {id, text} or a rule object with an id' },
    ]);
  const { id, text, ...json } = rule as Record<string, unknown>;
  if (typeof id !== 'string' || !ID.test(id))
    throw RiskError.invalid([{ field: 'rule.id', description: `must match ${ID.source}` }]);
  if (text !== undefined) {
    if (typeof text !== 'string' || text.trim() === '')
      throw RiskError.invalid([{ field: 'rule.text', description: 'must be the text form of one rule' }]);
    if (Object.keys(json).length > 0)
      throw RiskError.invalid([
        { field: 'rule.text', description: 'a rule given as text has no other fields' },
      ]);
  }
  try {
    return editRule(files, id, text !== undefined ? { text: text as string } : { json });
  } catch (err) {
    // editRule names the rule's fields; here they sit under `rule`.
    if (err instanceof RiskError && err.code === 'RISK_ERR_INPUT_INVALID')
      throw RiskError.invalid(err.violations.map((v) => ({ ...v, field: `rule.${v.field}` })));
    throw err;
  }
}
