import type { Action } from '../domain/index.js';
import type { RuleSource } from './rules.js';

/** A problem in a rules text file, at a 1-based line and column of the file. */
export interface RuleTextError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const ACTIONS: Readonly<Record<string, Action>> = {
  allow: 'ALLOW',
  challenge: 'CHALLENGE',
  review: 'REVIEW',
  block: 'BLOCK',
};
const ID = /^[A-Za-z0-9_.-]{1,128}$/;
const KEYS = new Set(['id', 'reason', 'score', 'mode', 'tags']);

/**
 * Parses the text form of rules, Stripe Radar's shape: one rule per block, `<action> if
 * <condition>` with its metadata on `@` lines before it (docs/bundle.md "Rules as text"):
 *
 * ```
 * # comment
 * @id card_velocity_1h
 * @reason card_velocity_1h: card charged {card.count_1h} times in the last hour
 * @score 0.15
 * review if type == 'PAYMENT'
 *     and card.count_1h >= 4
 * ```
 *
 * A condition continues on indented lines. The id defaults to the reason code, the message to the
 * code. Each rule records where its condition starts, so compile errors point into the file.
 */
export function parseRuleText(text: string): { value: RuleSource[] } | { errors: RuleTextError[] } {
  const lines = text.split(/\r?\n/);
  const errors: RuleTextError[] = [];
  const rules: RuleSource[] = [];
  let meta = new Map<string, { value: string; line: number; column: number }>();
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i] as string;
    const lineNo = i + 1;
    const trimmed = raw.trim();
    i++;
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    if (indent > 0) {
      errors.push({
        line: lineNo,
        column: indent + 1,
        message: 'an indented line must continue a condition',
      });
      continue;
    }
    if (trimmed.startsWith('@')) {
      const m = /^@([a-z]+)\s*(.*)$/.exec(trimmed);
      const key = m?.[1] ?? '';
      if (!KEYS.has(key)) {
        errors.push({
          line: lineNo,
          column: 1,
          message: `unknown metadata @${key}; one of @${[...KEYS].join(', @')}`,
        });
        continue;
      }
      if (meta.has(key))
        errors.push({ line: lineNo, column: 1, message: `@${key} given twice for one rule` });
      meta.set(key, {
        value: (m?.[2] ?? '').trim(),
        line: lineNo,
        column: raw.indexOf((m?.[2] ?? '').trim()) + 1,
      });
      continue;
    }
    const head = /^([A-Za-z]+)\s+if\b\s*/.exec(raw);
    const action = head === null ? undefined : ACTIONS[(head[1] as string).toLowerCase()];
    if (head === null || action === undefined) {
      errors.push({
        line: lineNo,
        column: 1,
        message: "expected '<allow|challenge|review|block> if <condition>' or an @ line",
      });
      meta = new Map();
      continue;
    }
    // The condition: the rest of this line and every indented line after it.
    const column = (head[0] as string).length + 1;
    let when = raw.slice(column - 1);
    while (
      i < lines.length &&
      /^\s+\S/.test(lines[i] as string) &&
      !(lines[i] as string).trim().startsWith('#')
    ) {
      when += `\n${lines[i] as string}`;
      i++;
    }
    if (when.trim() === '') errors.push({ line: lineNo, column, message: 'the condition is empty' });
    const rule = ruleOf(action, when, meta, lineNo, column, errors);
    if (rule !== undefined) rules.push(rule);
    meta = new Map();
  }
  if (meta.size > 0) {
    const first = [...meta.values()][0] as { line: number };
    errors.push({ line: first.line, column: 1, message: 'metadata with no rule after it' });
  }
  return errors.length > 0 ? { errors } : { value: rules };
}

function ruleOf(
  action: Action,
  when: string,
  meta: Map<string, { value: string; line: number; column: number }>,
  line: number,
  column: number,
  errors: RuleTextError[],
): RuleSource | undefined {
  const before = errors.length;
  const at = (key: string) => meta.get(key);
  let code: string | undefined;
  let message: string | undefined;
  const reason = at('reason');
  if (reason !== undefined) {
    const m = /^([A-Za-z0-9_.-]+)\s*(?::\s*(.*))?$/.exec(reason.value);
    if (m === null)
      errors.push({
        line: reason.line,
        column: reason.column,
        message: '@reason is `code` or `code: message`',
      });
    else {
      code = m[1];
      message = m[2] === undefined || m[2] === '' ? m[1] : m[2];
    }
  }
  const idMeta = at('id');
  const id = idMeta?.value ?? code;
  if (id === undefined) errors.push({ line, column: 1, message: 'a rule needs @id or @reason' });
  else if (!ID.test(id))
    errors.push({
      line: idMeta?.line ?? line,
      column: idMeta?.column ?? 1,
      message: 'an id is letters, digits, _ . -',
    });
  let score: number | undefined;
  const scoreMeta = at('score');
  if (scoreMeta !== undefined) {
    score = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(scoreMeta.value) ? Number(scoreMeta.value) : Number.NaN;
    if (!Number.isFinite(score))
      errors.push({ line: scoreMeta.line, column: scoreMeta.column, message: '@score must be a number' });
  }
  const modeMeta = at('mode');
  if (modeMeta !== undefined && modeMeta.value !== 'live' && modeMeta.value !== 'shadow')
    errors.push({ line: modeMeta.line, column: modeMeta.column, message: '@mode is live or shadow' });
  const tags = (at('tags')?.value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (errors.length > before || id === undefined) return undefined;
  return {
    id,
    action,
    when,
    reason: { code: code ?? id, message: message ?? code ?? id },
    ...(score !== undefined ? { score } : {}),
    ...(modeMeta !== undefined ? { mode: modeMeta.value as 'live' | 'shadow' } : {}),
    tags,
    at: { line, column },
  };
}
