import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Action, Tokenizer } from '../domain/index.js';
import { compileFeaturePlan, type FeaturePlan } from '../features/index.js';
import {
  createOnnxScorer,
  createTreeExplainer,
  type ModelManifest,
  type OnnxScorerOptions,
  parseManifest,
} from '../model/index.js';
import {
  type CompiledSequence,
  compileRules,
  compileSequences,
  createListSet,
  defaultMatch,
  LIST_FIELD,
  type ListItem,
  type ListKind,
  type ListMatch,
  matchProblem,
  parseListItem,
  parseRuleText,
  type RiskList,
  type RuleSource,
  sequenceIds,
  stageFeatureOf,
} from '../policies/index.js';
import type { Bundle } from './bundle.js';

/** A bundle that failed validation; `problems` lists every one, and the old bundle keeps serving. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(readonly problems: readonly string[]) {
    super(`bundle rejected: ${problems.join('; ')}`);
  }
}

/** What loading a bundle needs from the running service. */
export interface BundleLoadOptions {
  readonly tokenizer: Tokenizer;
  readonly now: () => number;
  readonly model?: OnnxScorerOptions;
  /** Load rules and lists only (training replays the rules-only path). */
  readonly skipModel?: boolean;
}

const ACTIONS = new Set<string>(['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK']);
const KINDS = new Set<string>(Object.keys(LIST_FIELD));

/**
 * Loads a bundle directory: bundle.json (name), features.json (typed attributes, entities, metrics
 * and windows; none means event features only), rules.json, rules.txt, device.json,
 * sequences.json, lists.json, model/manifest.json with its ONNX file, and a challenger the same
 * way under challenger/. The features section is compiled first: every rule and
 * model input must name one of its features. Every rule is compiled, every list a rule names must
 * exist, and the model must load and answer a probe before the bundle is returned.
 */
export async function loadBundleDir(dir: string, opts: BundleLoadOptions): Promise<Bundle> {
  const problems: string[] = [];
  const hash = createHash('sha256');
  const read = async (file: string, required: boolean): Promise<Buffer | undefined> => {
    try {
      const b = await readFile(join(dir, file));
      hash.update(file).update('\0').update(b);
      return b;
    } catch (err) {
      if (required || (err as NodeJS.ErrnoException).code !== 'ENOENT')
        problems.push(`${file}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const json = async (file: string, required: boolean): Promise<Record<string, unknown> | undefined> => {
    const b = await read(file, required);
    if (b === undefined) return undefined;
    try {
      const v: unknown = JSON.parse(b.toString('utf8'));
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
      problems.push(`${file}: must hold a JSON object`);
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
    }
    return undefined;
  };

  const meta = await json('bundle.json', true);
  const name = typeof meta?.name === 'string' && meta.name !== '' ? meta.name : 'unnamed';
  const scoreThresholds = parseScoreThresholds(meta?.scoreThresholds, problems);
  const maxReasons = meta?.maxReasons ?? DEFAULT_MAX_REASONS;
  if (typeof maxReasons !== 'number' || !Number.isInteger(maxReasons) || maxReasons < 1 || maxReasons > 100)
    problems.push('bundle.json: maxReasons must be an integer from 1 to 100');
  const featureDoc = await json('features.json', false);
  // Sequence stages are features: their ids are needed before the schema is built.
  const sequenceDoc = await json('sequences.json', false);
  const compiled = compileFeaturePlan(
    featureDoc ?? {},
    sequenceIds(sequenceDoc?.sequences).map(stageFeatureOf),
  );
  if ('errors' in compiled) {
    // Nothing else can be checked without the schema the features define.
    throw new BundleError([...problems, ...compiled.errors.map((e) => `features.json: ${e}`)]);
  }
  const features: FeaturePlan = compiled.value;
  const schema = features.schema;
  const listDoc = await json('lists.json', false);
  const lists = createListSet(parseLists(listDoc?.lists ?? [], opts.tokenizer, problems));

  const compileOpts = { schema, lists, now: opts.now, attributes: features.attributes };
  const compileFile = async (file: string, key: string) => {
    const doc = await json(file, false);
    const src = doc?.[key] ?? [];
    if (!Array.isArray(src)) {
      problems.push(`${file}: ${key} must be an array`);
      return [];
    }
    const shapeErrors = checkRuleShapes(src, file);
    if (shapeErrors.length > 0) {
      problems.push(...shapeErrors);
      return [];
    }
    const r = compileRules(src as RuleSource[], compileOpts);
    if ('errors' in r) {
      for (const e of r.errors)
        problems.push(`${file}: rule ${e.ruleId} at ${e.line}:${e.column}: ${e.message}`);
      return [];
    }
    return r.value;
  };
  const rules = await compileFile('rules.json', 'rules');
  // The text form (rules.txt) loads beside the JSON one; ids are unique across both.
  const text = await read('rules.txt', false);
  if (text !== undefined) {
    const parsed = parseRuleText(text.toString('utf8'));
    if ('errors' in parsed) {
      for (const e of parsed.errors) problems.push(`rules.txt: ${e.line}:${e.column}: ${e.message}`);
    } else {
      const r = compileRules(parsed.value, compileOpts);
      if ('errors' in r) {
        for (const e of r.errors)
          problems.push(`rules.txt: rule ${e.ruleId} at ${e.line}:${e.column}: ${e.message}`);
      } else {
        const ids = new Set(rules.map((x) => x.id));
        for (const x of r.value)
          if (ids.has(x.id)) problems.push(`rules.txt: rule ${x.id} is also in rules.json`);
        rules.push(...r.value);
      }
    }
  }
  const deviceChecks = await compileFile('device.json', 'checks');
  let sequences: CompiledSequence[] = [];
  if (sequenceDoc !== undefined) {
    for (const k of Object.keys(sequenceDoc))
      if (k !== 'sequences' && k !== 'description') problems.push(`sequences.json: ${k}: unknown key`);
    const r = compileSequences(sequenceDoc.sequences ?? [], compileOpts);
    if ('errors' in r) problems.push(...r.errors.map((e) => `sequences.json: ${e}`));
    else sequences = r.value;
    const ruleIds = new Set([...rules, ...deviceChecks].map((x) => x.id));
    for (const q of sequences)
      if (ruleIds.has(q.id)) problems.push(`sequences.json: sequence ${q.id} has the id of a rule`);
  }

  /** The scorer of `<dir>/manifest.json`, and the ONNX bytes it was made from. */
  const loadModel = async (
    dir: string,
  ): Promise<
    { scorer: NonNullable<Bundle['model']>; bytes: Buffer; manifest: ModelManifest } | undefined
  > => {
    const doc = opts.skipModel ? undefined : await json(`${dir}/manifest.json`, false);
    if (doc === undefined) return undefined;
    const m = parseManifest(doc, schema);
    if ('errors' in m) {
      problems.push(...m.errors.map((e) => `${dir}/manifest.json: ${e}`));
      return undefined;
    }
    const file = m.value.file;
    if (isAbsolute(file)) {
      problems.push(`${dir}/manifest.json: file must be relative to the manifest`);
      return undefined;
    }
    const bytes = await read(join(dir, file), true);
    if (bytes === undefined || problems.length > 0) return undefined;
    try {
      return { scorer: await createOnnxScorer(bytes, m.value, schema, opts.model), bytes, manifest: m.value };
    } catch (err) {
      problems.push(`${dir}/${file}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const champion = await loadModel('model');
  const model = champion?.scorer;
  // The same bytes the scorer serves: explanations are of the trees that scored.
  let explained: { explainer: NonNullable<Bundle['explainer']> } | { unexplained: string } | undefined;
  if (champion !== undefined) {
    const e = createTreeExplainer(champion.bytes, champion.manifest, schema);
    explained = 'error' in e ? { unexplained: e.error } : { explainer: e.value };
  }
  const challengerModel = (await loadModel('challenger'))?.scorer;
  const share = (meta?.challenger as { share?: unknown } | undefined)?.share ?? 1;
  if (typeof share !== 'number' || !(share >= 0 && share <= 1))
    problems.push('bundle.json: challenger.share must be in [0, 1]');
  if (challengerModel !== undefined && model === undefined)
    problems.push('challenger/manifest.json: a challenger needs a champion (model/manifest.json)');
  if (challengerModel !== undefined && challengerModel.version === model?.version)
    problems.push('challenger/manifest.json: the challenger has the champion’s version; give it its own');
  if (problems.length > 0) {
    await model?.close();
    await challengerModel?.close();
    throw new BundleError(problems);
  }
  const version = `${name}@${hash.digest('hex').slice(0, 12)}`;
  return Object.freeze({
    name,
    version,
    features,
    rules,
    deviceChecks,
    sequences,
    lists,
    maxReasons: maxReasons as number,
    ...(scoreThresholds !== undefined ? { scoreThresholds } : {}),
    ...(model ? { model } : {}),
    ...(challengerModel ? { challenger: { model: challengerModel, share: share as number } } : {}),
    ...(model ? explained : {}),
  });
}

/** Resolves the embedded default bundle shipped in the repository. */
export function defaultBundleDir(): string {
  return resolve(new URL('.', import.meta.url).pathname, '../../bundles/default');
}

/** Reasons kept per response when bundle.json does not say. */
const DEFAULT_MAX_REASONS = 10;

/** `scoreThresholds` of bundle.json: challenge <= review <= block, each in [0, 1], any may be absent. */
function parseScoreThresholds(raw: unknown, problems: string[]): Bundle['scoreThresholds'] {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('bundle.json: scoreThresholds must be an object of challenge, review, block');
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!['challenge', 'review', 'block'].includes(k))
      problems.push(`bundle.json: scoreThresholds.${k} is unknown`);
    else if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      problems.push(`bundle.json: scoreThresholds.${k} must be in [0, 1]`);
    else out[k] = v;
  }
  const order = ['challenge', 'review', 'block']
    .filter((k) => out[k] !== undefined)
    .map((k) => out[k] as number);
  if (order.some((v, i) => i > 0 && v < (order[i - 1] as number)))
    problems.push('bundle.json: scoreThresholds must rise from challenge to review to block');
  return out;
}

function checkRuleShapes(src: unknown[], file: string): string[] {
  const errs: string[] = [];
  for (const [i, r] of src.entries()) {
    const rr = r as Record<string, unknown>;
    const where = `${file}: rules[${i}]`;
    if (typeof rr !== 'object' || rr === null) {
      errs.push(`${where} must be an object`);
      continue;
    }
    if (typeof rr.id !== 'string' || rr.id === '') errs.push(`${where}.id must be a non-empty string`);
    if (typeof rr.action !== 'string' || !ACTIONS.has(rr.action)) {
      errs.push(`${where}.action must be ALLOW, CHALLENGE, REVIEW or BLOCK`);
    }
    if (typeof rr.when !== 'string') errs.push(`${where}.when must be a string`);
    const reason = rr.reason as Record<string, unknown> | undefined;
    if (typeof reason?.code !== 'string' || typeof reason.message !== 'string') {
      errs.push(`${where}.reason must have string code and message`);
    }
    if (rr.mode !== undefined && rr.mode !== 'live' && rr.mode !== 'shadow')
      errs.push(`${where}.mode must be live or shadow`);
  }
  return errs;
}

function parseLists(raw: unknown, tokenizer: Tokenizer, problems: string[]): RiskList[] {
  if (!Array.isArray(raw)) {
    problems.push('lists.json: lists must be an array');
    return [];
  }
  const out: RiskList[] = [];
  const ids = new Set<string>();
  for (const [i, entry] of raw.entries()) {
    const l = (entry ?? {}) as Record<string, unknown>;
    const where = `lists.json: lists[${i}]`;
    if (typeof l.id !== 'string' || l.id === '' || ids.has(l.id)) {
      problems.push(`${where}.id must be a unique string`);
      continue;
    }
    ids.add(l.id);
    if (typeof l.kind !== 'string' || !KINDS.has(l.kind)) {
      problems.push(`${where}.kind must be one of ${[...KINDS].join(', ')}`);
      continue;
    }
    if (l.action !== undefined && (typeof l.action !== 'string' || !ACTIONS.has(l.action))) {
      problems.push(`${where}.action must be ALLOW, CHALLENGE, REVIEW or BLOCK`);
      continue;
    }
    if (!Array.isArray(l.items)) {
      problems.push(`${where}.items must be an array`);
      continue;
    }
    const kind = l.kind as ListKind;
    const match = l.match ?? defaultMatch(kind);
    const badMatch = typeof match === 'string' ? matchProblem(kind, match) : 'match must be a string';
    if (badMatch !== undefined) {
      problems.push(`${where}.match: ${badMatch}`);
      continue;
    }
    const shape = { kind, match: match as ListMatch };
    const items = new Map<string, ListItem>();
    for (const [j, entryItem] of l.items.entries()) {
      const item = parseListItem(
        (entryItem ?? {}) as Record<string, unknown>,
        shape,
        tokenizer,
        `${where}.items[${j}]`,
      );
      if ('error' in item) problems.push(item.error);
      else items.set(item.value.value, item.value);
    }
    const reason = (l.reason ?? {}) as Record<string, unknown>;
    out.push({
      id: l.id,
      kind,
      match: shape.match,
      ...(l.action !== undefined ? { action: l.action as Action } : {}),
      reasonCode: typeof reason.code === 'string' ? reason.code : `list_${l.id}`,
      message: typeof reason.message === 'string' ? reason.message : `matched list ${l.id}`,
      items,
    });
  }
  return out;
}
