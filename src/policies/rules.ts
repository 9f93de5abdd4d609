import type { Action, RiskEvent } from '../domain/index.js';
import { type FeatureSchema, stringField } from '../features/index.js';
import { type CompileOptions, compileExpression, type EvalContext, type Predicate } from './expression.js';

/** A rule as written in a bundle file. */
export interface RuleSource {
  readonly id: string;
  readonly action: Action;
  readonly when: string;
  readonly reason: { readonly code: string; readonly message: string };
  /** Added to the score when the rule fires (may be negative). */
  readonly score?: number;
  readonly mode?: 'live' | 'shadow';
  readonly tags?: readonly string[];
  /** Where `when` starts in its file (the text form): errors are reported at file positions. */
  readonly at?: { readonly line: number; readonly column: number };
}

/** A compiled rule: its condition is a closure, its message a template with resolved placeholders. */
export interface CompiledRule {
  readonly id: string;
  readonly action: Action;
  readonly code: string;
  readonly score: number;
  readonly mode: 'live' | 'shadow';
  readonly tags: readonly string[];
  readonly test: Predicate;
  /** Renders the reason message; `{feature}` placeholders show the values that fired the rule. */
  message(ctx: EvalContext): string;
}

/** A rule problem, with line and column inside its `when` expression. */
export interface RuleError {
  readonly ruleId: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const ACTIONS: readonly Action[] = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];

/** Compiles every rule; returns all errors at once so an author fixes them in one pass. */
export function compileRules(
  sources: readonly RuleSource[],
  opts: CompileOptions,
): { value: CompiledRule[] } | { errors: RuleError[] } {
  const errors: RuleError[] = [];
  const rules: CompiledRule[] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    const id = src.id;
    const fail = (message: string, line = 1, column = 1) =>
      errors.push({ ruleId: id, line, column, message });
    if (seen.has(id)) fail('duplicate rule id');
    seen.add(id);
    if (!ACTIONS.includes(src.action)) fail(`action must be one of ${ACTIONS.join(', ')}`);
    if (src.score !== undefined && !Number.isFinite(src.score)) fail('score must be a finite number');
    const compiled = compileExpression(src.when, opts);
    if ('error' in compiled) {
      const { line, column, message } = compiled.error;
      const at = src.at;
      if (at === undefined) fail(message, line, column);
      else fail(message, at.line + line - 1, line === 1 ? at.column + column - 1 : column);
      continue;
    }
    const message = compileTemplate(src.reason.message, opts.schema);
    if ('error' in message) {
      fail(`reason message: ${message.error}`);
      continue;
    }
    rules.push({
      id,
      action: src.action,
      code: src.reason.code,
      score: src.score ?? 0,
      mode: src.mode ?? 'live',
      tags: src.tags ?? [],
      test: compiled.value,
      message: message.value,
    });
  }
  return errors.length > 0 ? { errors } : { value: rules };
}

/** Compiles a reason message: `{feature}` and `{field}` placeholders show the values that fired. */
export function compileTemplate(
  text: string,
  schema: FeatureSchema,
): { value: (ctx: EvalContext) => string } | { error: string } {
  const parts: ((ctx: EvalContext) => string)[] = [];
  let last = 0;
  for (const m of text.matchAll(/\{([A-Za-z0-9_.]+)\}/g)) {
    const lit = text.slice(last, m.index);
    parts.push(() => lit);
    const name = m[1] as string;
    const idx = schema.indexOf(name);
    if (idx !== undefined) {
      parts.push((c) => formatNumber(c.features[idx] as number));
    } else {
      const sf = stringField(name);
      if (sf === undefined) return { error: `unknown placeholder {${name}}` };
      parts.push((c: EvalContext) => sf(c.event as RiskEvent) || 'unknown'); // empty is missing, as in conditions
    }
    last = (m.index as number) + m[0].length;
  }
  const tail = text.slice(last);
  if (parts.length === 0) return { value: () => text };
  parts.push(() => tail);
  return { value: (c) => parts.map((p) => p(c)).join('') };
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'unknown';
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
