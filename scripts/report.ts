/**
 * `npm run report -- --log DATA_DIR [--from T] [--to T] [--format md|json] [--out FILE] [--shadow] [--bundle DIR] [--top N]`:
 * the risk report (or with --shadow the shadow report) over the decision log under DATA_DIR/decisions
 * (docs/reports.md), as markdown or JSON, to stdout or FILE. Read-only: it can run beside the
 * service on the same DATA_DIR.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createTokenizer } from '../src/domain/index.js';
import { listDecisionSegments } from '../src/durability/index.js';
import {
  type Bundle,
  defaultBundleDir,
  loadBundleDir,
  parseLogRange,
  readDecisionLog,
  renderRiskMarkdown,
  renderShadowMarkdown,
  riskReport,
  shadowReport,
} from '../src/engine/index.js';

const usage =
  'usage: npm run report -- --log DATA_DIR [--from RFC3339] [--to RFC3339] [--format md|json] [--out FILE] [--shadow] [--bundle DIR] [--top 20]';
const fail = (message: string): never => {
  console.error(`${message}\n${usage}`);
  process.exit(2);
};

let args: Record<string, string | boolean | undefined>;
try {
  args = parseArgs({
    options: {
      log: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'md' },
      out: { type: 'string' },
      shadow: { type: 'boolean', default: false },
      bundle: { type: 'string', default: process.env.RISK_BUNDLE_DIR ?? defaultBundleDir() },
      top: { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (err) {
  fail((err as Error).message);
  throw err;
}
if (args.help === true) {
  console.log(usage);
  process.exit(0);
}
if (typeof args.log !== 'string' || args.log === '') fail('--log DATA_DIR is required');
const format = args.format;
if (format !== 'md' && format !== 'json') fail(`--format must be md or json, got ${String(format)}`);
const top = Number(args.top);
if (!Number.isInteger(top) || top < 1 || top > 1000)
  fail(`--top must be an integer from 1 to 1000, got ${args.top}`);
const range = parseLogRange(args.from as string | undefined, args.to as string | undefined);
if ('errors' in range) fail(range.errors.map((e) => `--${e.field} ${e.description}`).join('\n'));
const { value } = range as Exclude<typeof range, { errors: unknown }>;

// DATA_DIR holds the log under decisions/; a directory of segments itself is taken as it is.
const dataDir = resolve(args.log as string);
const dir = existsSync(join(dataDir, 'decisions')) ? join(dataDir, 'decisions') : dataDir;
if (!existsSync(dir)) fail(`--log: ${dataDir} does not exist`);
if (listDecisionSegments(dir).length === 0) fail(`--log: no decision log segments in ${dir}`);

let bundle: Bundle | undefined;
if (args.shadow === true) {
  try {
    bundle = await loadBundleDir(resolve(args.bundle as string), {
      tokenizer: createTokenizer(Buffer.alloc(32)),
      now: Date.now,
    });
  } catch (err) {
    fail(`--bundle ${args.bundle}: ${(err as Error).message}`);
  }
}
try {
  // Reports read no feature snapshot, and skip decisions out of range unparsed.
  const records = readDecisionLog(dir, undefined, { features: false, ...value });
  const text =
    bundle !== undefined
      ? await shadowReport(records, { ...value, bundle }).then((r) =>
          format === 'json' ? JSON.stringify(r, null, 2) : renderShadowMarkdown(r),
        )
      : await riskReport(records, { ...value, top }).then((r) =>
          format === 'json' ? JSON.stringify(r, null, 2) : renderRiskMarkdown(r),
        );
  if (typeof args.out === 'string') writeFileSync(args.out, `${text}\n`);
  else console.log(text);
} finally {
  await bundle?.model?.close();
  await bundle?.challenger?.model.close();
}
