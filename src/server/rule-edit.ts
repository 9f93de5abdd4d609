import { RiskError } from '../domain/index.js';
import { parseRuleText } from '../policies/index.js';

/** One rule to publish on its own: the JSON form (goes to rules.json), the text form (rules.txt), or none. */
export type RuleEdit =
  | { readonly json: Readonly<Record<string, unknown>> }
  | { readonly text: string }
  | { readonly remove: true };

/** The rules files of a bundle as they are; undefined for a file the bundle does not have. */
export interface RuleFiles {
  readonly 'rules.json'?: string | undefined;
  readonly 'rules.txt'?: string | undefined;
}

const ID = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The rules files with rule `id` replaced or added (in the form given: a rule moves between
 * rules.json and rules.txt when its form changes) or removed. Answers only the files it changed,
 * for a publish to check and serve. A client mistake (a bad id, text that is not one rule of that
 * id) is RISK_ERR_INPUT_INVALID naming the field; removing a rule no file holds is
 * RISK_ERR_UNKNOWN_RESOURCE. Whether the rule compiles is the publish's check, as for any bundle.
 */
export function editRule(files: RuleFiles, id: string, edit: RuleEdit): Record<string, string> {
  if (!ID.test(id)) throw RiskError.invalid([{ field: 'id', description: `must match ${ID.source}` }]);
  const out: Record<string, string> = {};
  const json = files['rules.json'];
  const txt = files['rules.txt'];
  const doc = json === undefined ? { rules: [] } : (JSON.parse(json) as { rules?: unknown });
  const rules = Array.isArray(doc.rules) ? [...(doc.rules as unknown[])] : [];
  const inJson = rules.findIndex((r) => (r as { id?: unknown } | null)?.id === id);
  const block = txt === undefined ? undefined : blockOf(txt, id);

  let newJson: unknown[] | undefined;
  let newTxt: string | undefined;
  if ('remove' in edit) {
    if (inJson < 0 && block === undefined)
      throw new RiskError('RISK_ERR_UNKNOWN_RESOURCE', `no rule ${id} in rules.json or rules.txt`);
  } else if ('json' in edit) {
    if (edit.json.id !== undefined && edit.json.id !== id)
      throw RiskError.invalid([
        { field: 'id', description: `is ${String(edit.json.id)}, the path names ${id}` },
      ]);
    const rule = { id, ...edit.json };
    newJson = inJson < 0 ? [...rules, rule] : rules.map((r, i) => (i === inJson ? rule : r));
  } else newTxt = ruleText(edit.text, id);

  if (inJson >= 0 && newJson === undefined) newJson = rules.filter((_, i) => i !== inJson);
  if (newJson !== undefined) out['rules.json'] = `${JSON.stringify({ ...doc, rules: newJson }, null, 2)}\n`;
  if (block !== undefined || newTxt !== undefined) {
    const lines = (txt ?? '').split('\n');
    if (block !== undefined && newTxt !== undefined)
      lines.splice(block.start, block.end - block.start, ...newTxt.split('\n'));
    else if (block !== undefined) {
      // The blank line that set the rule apart goes with it.
      const blankBefore = block.start > 0 && lines[block.start - 1] === '';
      const blankAfter = block.end >= lines.length || lines[block.end] === '';
      const from = blankBefore && blankAfter ? block.start - 1 : block.start;
      lines.splice(from, block.end - from);
    } else {
      while (lines.length > 0 && lines.at(-1) === '') lines.pop();
      lines.push(...(lines.length > 0 ? [''] : []), ...(newTxt as string).split('\n'), '');
    }
    out['rules.txt'] = lines.join('\n');
  }
  return out;
}

/** The text form of one rule, checked to be exactly one rule of id `id` (an `@id` line is added if it has none). */
function ruleText(text: string, id: string): string {
  let t = text.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  if (!/^@id\s/m.test(t)) t = `@id ${id}\n${t}`;
  const parsed = parseRuleText(t);
  if ('errors' in parsed)
    throw RiskError.invalid(
      parsed.errors.map((e) => ({ field: 'text', description: `${e.line}:${e.column}: ${e.message}` })),
    );
  if (parsed.value.length !== 1)
    throw RiskError.invalid([
      { field: 'text', description: `must hold exactly one rule, not ${parsed.value.length}` },
    ]);
  const got = parsed.value[0]?.id;
  if (got !== id)
    throw RiskError.invalid([{ field: 'text', description: `@id is ${got}, the path names ${id}` }]);
  return t;
}

/**
 * Lines [start, end) of rule `id` in a rules.txt: its @ lines (every @ line after the rule before
 * belongs to it, as the parser reads them), the action line and the condition's continuation lines.
 */
export function blockOf(txt: string, id: string): { start: number; end: number } | undefined {
  const parsed = parseRuleText(txt);
  if ('errors' in parsed) return undefined;
  const lines = txt.split('\n');
  let prevEnd = 0;
  for (const r of parsed.value) {
    const action = (r.at?.line ?? 1) - 1;
    let end = action + 1;
    while (
      end < lines.length &&
      /^\s+\S/.test(lines[end] as string) &&
      !(lines[end] as string).trim().startsWith('#')
    )
      end++;
    let start = action;
    for (let k = prevEnd; k < action; k++)
      if ((lines[k] as string).trimStart().startsWith('@')) {
        start = k;
        break;
      }
    if (r.id === id) return { start, end };
    prevEnd = end;
  }
  return undefined;
}
