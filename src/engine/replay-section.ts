import type { StateSection } from '../durability/index.js';
import type { ReplayEntry } from './idempotency-store.js';

/**
 * The replay store's entries as a snapshot section: header { count }, parts [created times
 * (Float64Array), byte lengths of id, fingerprint and JSON per entry (Uint32Array), their UTF-8].
 */
export function replaySection(entries: readonly ReplayEntry[]): StateSection {
  const created = new Float64Array(entries.length);
  const lengths = new Uint32Array(3 * entries.length);
  const texts: Buffer[] = [];
  entries.forEach((e, i) => {
    created[i] = e.createdMs;
    const id = Buffer.from(e.id);
    const fp = Buffer.from(e.fingerprint);
    const json = Buffer.from(e.json);
    lengths[3 * i] = id.length;
    lengths[3 * i + 1] = fp.length;
    lengths[3 * i + 2] = json.length;
    texts.push(id, fp, json);
  });
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return {
    header: { format: 'replay/1', count: entries.length },
    parts: [bytes(created), bytes(lengths), Buffer.concat(texts)],
  };
}

/** The entries of a section replaySection wrote; throws on one that is not such a section. */
export function replayEntries(section: StateSection): ReplayEntry[] {
  const [c, l, t] = section.parts;
  const count = section.header.count;
  if (section.header.format !== 'replay/1' || typeof count !== 'number' || !c || !l || !t)
    throw new Error('replay section: unknown format');
  if (c.byteLength !== 8 * count || l.byteLength !== 12 * count)
    throw new Error('replay section: sizes disagree');
  const created = new Float64Array(c.slice().buffer);
  const lengths = new Uint32Array(l.slice().buffer);
  const text = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
  const out: ReplayEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const a = at + (lengths[3 * i] as number);
    const b = a + (lengths[3 * i + 1] as number);
    const e = b + (lengths[3 * i + 2] as number);
    if (e > text.length) throw new Error('replay section: text ends early');
    out.push({
      id: text.toString('utf8', at, a),
      fingerprint: text.toString('utf8', a, b),
      json: text.toString('utf8', b, e),
      createdMs: created[i] as number,
    });
    at = e;
  }
  return out;
}
