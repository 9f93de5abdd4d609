import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvError, readCsv } from '../../src/model/train/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('readCsv', () => {
  it('reads quoted fields, doubled quotes, line breaks in quotes, missing values and a BOM', async () => {
    const path = await file(
      'ok.csv',
      '\ufeffid,merchant,amt,flag,is_fraud\r\n' +
        '1,"Smith, Jones and Co",12.5,yes,0\r\n' +
        '2,"say ""hi""",NA,no,1\n' +
        '3,"two\nlines",,yes,true\n' +
        '\n' +
        '4,,7,yes,false\n',
    );
    const t = await readCsv(path, { label: 'is_fraud', exclude: ['id'] });
    expect(t.nRows).toBe(4);
    expect([...t.labels]).toEqual([0, 1, 1, 0]);
    expect(t.columns.map((c) => [c.name, c.kind])).toEqual([
      ['merchant', 'categorical'],
      ['amt', 'numeric'],
      ['flag', 'categorical'],
    ]);
    const merchant = t.columns[0];
    if (merchant?.kind !== 'categorical') throw new Error('merchant should be categorical');
    // Ties in frequency are ordered by text; the empty field is missing.
    expect(merchant.categories).toEqual(['Smith, Jones and Co', 'say "hi"', 'two\nlines']);
    expect([...merchant.values]).toEqual([0, 1, 2, Number.NaN]);
    expect(merchant.missing).toBe(1);
    expect([...(t.columns[1]?.values ?? [])]).toEqual([12.5, Number.NaN, Number.NaN, 7]);
    const flag = t.columns[2];
    expect(flag?.kind === 'categorical' && flag.categories).toEqual(['yes', 'no']);
  });

  it('selects columns, forces categorical ones and caps categories (rarer ones read as missing)', async () => {
    const rows = ['zip,amt,y'];
    for (let i = 0; i < 30; i++) rows.push(`${i < 20 ? 10001 : 10000 + i},${i},${i % 2}`);
    const path = await file('cap.csv', `${rows.join('\n')}\n`);
    const t = await readCsv(path, { label: 'y', columns: ['zip'], categorical: ['zip'], maxCategories: 3 });
    expect(t.columns).toHaveLength(1);
    const zip = t.columns[0];
    if (zip?.kind !== 'categorical') throw new Error('zip should be categorical');
    expect(zip.categories).toEqual(['10001', '10020', '10021']);
    expect(zip.distinct).toBe(11);
    expect(zip.values[0]).toBe(0);
    expect(zip.values[25]).toBeNaN();
    expect(t.warnings[0]).toMatch(/zip: 11 distinct values/);
  });

  it.each([
    ['short-row', 'a,y\n1,0\n2\n', /short-row\.csv:3: expected 2 fields/],
    ['bad-label', 'a,y\n1,0\n2,maybe\n', /bad-label\.csv:3: label y must be 0 or 1/],
    ['open-quote', 'a,y\n1,0\n"open,1\n', /open-quote\.csv:3: a quoted field is never closed/],
    ['after-quote', 'a,y\n1,0\n"x"z,1\n', /after-quote\.csv:3: unexpected text after the closing quote/],
    ['no-rows', 'a,y\n', /no data rows/],
    ['empty', '', /empty/],
    ['twice', 'a,a,y\n1,2,0\n', /appears twice/],
  ])('rejects bad input with its line: %s', async (name, text, message) => {
    const path = await file(`${name}.csv`, text);
    await expect(readCsv(path, { label: 'y' })).rejects.toThrow(message);
    await expect(readCsv(path, { label: 'y' })).rejects.toBeInstanceOf(CsvError);
  });

  it('round-trips any text through RFC 4180 quoting (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({
            unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'é'),
            minLength: 1,
            maxLength: 6,
          }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (texts) => {
          // Fields that read as missing or numeric are not categories; prefix them to stay text.
          const values = texts.map((t) => `x${t}`);
          const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
          const path = await file(
            `prop-${run++}.csv`,
            `v,y\n${values.map((v, i) => `${quote(v)},${i % 2}`).join('\n')}\n`,
          );
          const t = await readCsv(path, { label: 'y' });
          const col = t.columns[0];
          if (col?.kind !== 'categorical') throw new Error('expected a categorical column');
          // Values are trimmed, as at the edge; compare trimmed texts.
          expect(Array.from(col.values, (c) => col.categories[c])).toEqual(values.map((v) => v.trim()));
          expect(t.nRows).toBe(values.length);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('names unknown columns in options', async () => {
    const path = await file('names.csv', 'a,y\n1,0\n');
    await expect(readCsv(path, { label: 'nope' })).rejects.toThrow(
      /--label: no column "nope"; the header has a, y/,
    );
    await expect(readCsv(path, { label: 'y', exclude: ['b'] })).rejects.toThrow(/--exclude: no column "b"/);
    await expect(readCsv(path, { label: 'y', exclude: ['a'] })).rejects.toThrow(/no feature columns/);
  });
});
