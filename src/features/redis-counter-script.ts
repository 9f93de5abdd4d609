import { hash53 } from '../domain/index.js';
import { type EntityPlan, entityIdentity, type FeaturePlan, metricIdentity } from './feature-plan.js';
import { windowMs } from './windows.js';

/**
 * How one entity kind is kept in Redis, derived from its plan the way counter-store.ts lays out its
 * slabs: the same lanes per window (one per metric kept in it, two for avg), the same feature
 * program, the same unseen template. Field names come from lane identities, so two plans that share
 * an (entity, metric, window) triple share its field.
 */
export interface RedisKindLayout {
  readonly plan: EntityPlan;
  /** Seed of the kind's key hashes (entityKey), from its identity, as the memory store does. */
  readonly seed: number;
  /** Features the kind writes, and what an entity never committed reads as. */
  readonly width: number;
  readonly unseen: Float64Array;
  /** Commit inputs the script takes per entity (see commitInputs), then one hash per distinct set. */
  readonly inputs: number;
  readonly distinct: number;
  /** Idle entities expire after their longest window. */
  readonly ttlMs: number;
}

/** The Lua scripts of one plan (hydrate reads and advances, commit folds in one event). */
export interface RedisCounterScripts {
  readonly layouts: readonly RedisKindLayout[];
  readonly hydrate: string;
  readonly commit: string;
}

const ADD = 0;
const MIN = 1;
const MAX = 2;

const short = (s: string) => hash53(s).toString(36);
const lua = (s: string) => JSON.stringify(s); // field names are [0-9a-z.] only

/**
 * Builds the scripts and layouts for `plan`; equal plans give equal scripts (one SHA each). Each
 * entity kind becomes two straight-line Lua functions (read, commit) with its field names, bucket
 * lengths and lane ops written in as constants, so a call builds no layout tables: it reads the
 * kind's fields with one HMGET and, unless a window's head moves, works on the packed strings in
 * place.
 */
export function redisCounterScripts(plan: FeaturePlan): RedisCounterScripts {
  const layouts: RedisKindLayout[] = [];
  const hydrateFns: string[] = [];
  const commitFns: string[] = [];
  plan.entities.forEach((e, kind) => {
    const windowIndex = new Map(e.windows.map((w, i) => [w, i]));
    const lanes: { f: string; op: number; inp: number }[][] = e.windows.map(() => []);
    const program: { op: 'copy' | 'ratio'; w: number; a: number; b: number; laneOp: number }[] = [];
    let inputs = 0;
    for (const m of e.metrics) {
      const first = inputs;
      inputs += m.op === 'avg' ? 2 : 1;
      const id = metricIdentity(m);
      for (const spec of m.windows) {
        const w = windowIndex.get(spec) as number;
        const lane = (op: number, input: number, part: string) => {
          const list = lanes[w] as { f: string; op: number; inp: number }[];
          list.push({ f: `${spec.label}|${id}#${part}`, op, inp: input });
          return list.length - 1;
        };
        if (m.op === 'avg') {
          const a = lane(ADD, first, 'sum');
          const b = lane(ADD, first + 1, 'n');
          program.push({ op: 'ratio', w, a, b, laneOp: ADD });
        } else {
          const op = m.op === 'min' ? MIN : m.op === 'max' ? MAX : ADD;
          program.push({ op: 'copy', w, a: lane(op, first, m.op), b: 0, laneOp: op });
        }
      }
    }
    const unseen: number[] = program.map((p) => (p.op === 'ratio' || p.laneOp !== ADD ? Number.NaN : 0));
    unseen.push(Number.NaN, Number.NaN, 1); // age_s, last_seen_s, is_new
    for (const _ of e.distinct) unseen.push(0);
    const ttlMs = Math.max(...e.windows.map(windowMs), ...e.distinct.map((d) => windowMs(d.window)), 60_000);
    layouts.push({
      plan: e,
      seed: hash53(entityIdentity(e)) % 2 ** 31,
      width: unseen.length,
      unseen: Float64Array.from(unseen),
      inputs,
      distinct: e.distinct.length,
      ttlMs,
    });

    // HMGET order: 't', then one field per window, then the distinct sets (1-based in Lua).
    const fields: string[] = ['t'];
    const winAt: number[] = [];
    const hdr: string[] = [];
    e.windows.forEach((spec, w) => {
      fields.push(`w${spec.label}`);
      winAt.push(fields.length);
      const ids = (lanes[w] ?? []).map((l) => hash53(l.f) % 4294967296);
      if (new Set(ids).size !== ids.length) throw new Error(`lane id collision in ${e.name} ${spec.label}`);
      // The window's header: lane count, then each lane's 32-bit id, as Lua decimal escapes.
      const bytes = [
        ids.length,
        ...ids.flatMap((x) => [x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24]),
      ];
      hdr.push(`"${bytes.map((x) => `\\${x}`).join('')}"`);
    });
    // One empty bucket (and the empty totals) of each window: 0 for sums, NaN for min and max.
    const empty = e.windows.map((_, w) => {
      const bytes = (lanes[w] ?? []).flatMap((l) => (l.op === ADD ? [0, 0, 0, 0] : [0, 0, 192, 127]));
      return `"${bytes.map((x) => `\\${x}`).join('')}"`;
    });
    const distinctAt = e.distinct.map((d) => {
      fields.push(`d${short(`${d.name}:${d.of}:${d.cap}:${d.window.label}`)}`);
      return fields.length;
    });
    const F = `local F = {${fields.map(lua).join(',')}}\n  local v = redis.call('HMGET', key, unpack(F))`;
    const ops = (w: number) => (lanes[w] ?? []).map((l) => l.op).join('');
    /** 1-based offset of lane i's total in window w's string (header, head, totals, ring). */
    const laneOff = (w: number, i: number) => 1 + (1 + 4 * (lanes[w] ?? []).length) + 8 + 4 * i;
    // Brings every window to time t (see win); `create` lays out missing windows, for a commit.
    const winAll = (create: boolean) =>
      e.windows
        .map(
          (spec, w) =>
            `  win(v, ${winAt[w]}, ${hdr[w]}, ${empty[w]}, '${ops(w)}', ${spec.buckets}, math.floor(t / ${spec.bucketMs}), mark, ${create})`,
        )
        .join('\n');
    const feature = program.map((p) => {
      if (p.op === 'copy') return `tot(v[${winAt[p.w]}], ${laneOff(p.w, p.a)}, ${p.laneOp})`;
      return `ratio(tot(v[${winAt[p.w]}], ${laneOff(p.w, p.a)}, 0), tot(v[${winAt[p.w]}], ${laneOff(p.w, p.b)}, 0))`;
    });
    const distinctFeatures = e.distinct.map(
      (d, i) => `dcount(v[${distinctAt[i]}], sec - ${windowMs(d.window) / 1000}, sec)`,
    );
    hydrateFns.push(`H[${kind + 1}] = function(key, t, sec)
  ${F}
  if not v[1] then return '' end
  local first, last = struct.unpack('<dd', v[1])
  local mark = {}
${winAll(false)}
  flush(key, F, v, mark, ${ttlMs})
  return struct.pack('<${'d'.repeat(unseen.length)}',
    ${[...feature, 'math.max(0, (t - first) / 1000)', 'math.max(0, (t - last) / 1000)', '0', ...distinctFeatures].join(',\n    ')})
end`);

    const adds = e.windows
      .map((spec, w) => {
        const ls = lanes[w] ?? [];
        const L = ls.length;
        const T = laneOff(w, 0);
        const R = T + 4 * L;
        const f = 'f'.repeat(L);
        const tv = ls.map((_, i) => `t${i}`).join(', ');
        const bv = ls.map((_, i) => `b${i}`).join(', ');
        const fold = ls
          .map((l, i) => {
            const x = `inp[${l.inp + 1}]`;
            if (l.op === ADD) return `      x = ${x} if x == x then t${i} = t${i} + x b${i} = b${i} + x end`;
            const cmp = l.op === MIN ? '<=' : '>=';
            return `      x = ${x} if x == x then if not (t${i} ${cmp} x) then t${i} = x end if not (b${i} ${cmp} x) then b${i} = x end end`;
          })
          .join('\n');
        return `  do
    local s = v[${winAt[w]}]
    local ep = math.floor(t / ${spec.bucketMs})
    if ep > unpack1('<d', s, ${T - 8}) - ${spec.buckets} then
      local bo = ${R} + (ep % ${spec.buckets}) * ${4 * L}
      local ${tv} = unpack1('<${f}', s, ${T})
      local ${bv} = unpack1('<${f}', s, bo)
      local x
${fold}
      v[${winAt[w]}] = string.sub(s, 1, ${T - 1}) .. pack('<${f}', ${tv}) .. string.sub(s, ${R}, bo - 1) .. pack('<${f}', ${bv}) .. string.sub(s, bo + ${4 * L})
      mark[${winAt[w]}] = true
    end
  end`;
      })
      .join('\n');
    const distinctAdds = e.distinct
      .map((d, i) => `  dadd(v, ${distinctAt[i]}, ${d.cap}, ARGV[a + ${inputs + i}], sec, mark)`)
      .join('\n');
    commitFns.push(`C[${kind + 1}] = function(key, t, sec, a, o)
  ${F}
  local first, last = t, t
  if v[1] then first, last = struct.unpack('<dd', v[1]) end
  if not o then
    if t < first then first = t end
    if t > last then last = t end
  end
  local mark = {}
${winAll(true)}
  local inp = {}
  for j = 1, ${inputs} do inp[j] = num(ARGV[a + j - 1]) end
${adds}
${distinctAdds}
  flush(key, F, v, mark, ${ttlMs}, struct.pack('<dd', first, last))
  return a + ${inputs + e.distinct.length}
end`);
  });
  return {
    layouts,
    hydrate: `${COMMON}local H = {}\n${hydrateFns.join('\n')}\n${HYDRATE}`,
    commit: `${COMMON}local C = {}\n${commitFns.join('\n')}\n${COMMIT}`,
  };
}

/**
 * Shared functions. A lane is one hash field packed as its head (bucket epoch, double), its total,
 * then its ring of buckets (single-precision floats, as the memory store keeps them): packing with
 * struct 'f' rounds exactly where the memory store's Float32Array does, so sums match to the bit.
 * Lua numbers are doubles like JavaScript's. A window's head is its own field; a lane behind it (a
 * plan dropped it and a later one brought it back) is first expired up to it.
 */
const COMMON = `local NAN = 0/0
local NEG = -1/0
local pack, unpack1 = struct.pack, struct.unpack
local function emptyOf(op) if op == 0 then return 0 else return NAN end end
local function num(s) if s == '' then return NAN end return tonumber(s) end
local function tot(s, off, op) if s then return (unpack1('<f', s, off)) end return emptyOf(op) end
local function ratio(a, b) if b > 0 then return a / b end return NAN end

-- Brings window field v[k] to bucket epoch ep laid out by this plan, marking it when it changes;
-- empty is one empty bucket of it.
-- A window is its header (hdr: lane count and 32-bit lane ids), its head (newest bucket epoch), the
-- lanes' totals, then its ring bucket by bucket, each bucket holding every lane (as the memory
-- store's slabs do); ops gives each lane's op. A field laid out by another plan keeps the lanes
-- both share (by id); the others start empty or are dropped. A missing field is only created for
-- a commit. Moving the head empties the buckets that fall out and recomputes the totals from the
-- ring, as the memory store does.
local function win(v, k, hdr, empty, ops, n, ep, mark, create)
  local s = v[k]
  local HL = #hdr
  local L = #ops
  local head = NEG
  if s then
    head = unpack1('<d', s, string.byte(s, 1) * 4 + 2)
    if ep <= head and #s == HL + 8 + 4 * L * (n + 1) and string.sub(s, 1, HL) == hdr then return end
  elseif not create then
    return
  end
  local to = head
  if ep > to then to = ep end
  -- A new window, or one whose every bucket falls out: all empty, without unpacking anything.
  if to - head >= n then
    v[k] = hdr .. pack('<d', to) .. string.rep(empty, n + 1)
    mark[k] = true
    return
  end
  -- Where each of this plan's lanes sits in the stored window (by id), if anywhere.
  local from = {}
  local r
  local sl = 0
  if s then
    sl = string.byte(s, 1)
    local byId = {}
    for j = 0, sl - 1 do byId[string.sub(s, 2 + 4 * j, 5 + 4 * j)] = j + 1 end
    for i = 1, L do from[i] = byId[string.sub(hdr, 2 + 4 * (i - 1), 5 + 4 * (i - 1))] end
    r = {unpack1('<' .. string.rep('f', sl * (n + 1)), s, 4 * sl + 10)}
  end
  local vals = {}
  for i = 1, L do
    local op = string.byte(ops, i) - 48
    local e0 = emptyOf(op)
    local j = from[i]
    if j and to - head < n then
      for b = 0, n - 1 do vals[L + b * L + i] = r[sl + b * sl + j] end
      for x = head + 1, to do vals[L + (x % n) * L + i] = e0 end
      if to > head then
        local acc = e0
        for b = 0, n - 1 do
          local x = vals[L + b * L + i]
          if op == 0 then acc = acc + x
          elseif x == x then
            if op == 1 then
              if not (acc <= x) then acc = x end
            elseif not (acc >= x) then acc = x end
          end
        end
        vals[i] = acc
      else
        vals[i] = r[j]
      end
    else
      vals[i] = e0
      for b = 0, n - 1 do vals[L + b * L + i] = e0 end
    end
  end
  v[k] = hdr .. pack('<d', to) .. pack('<' .. string.rep('f', L * (n + 1)), unpack(vals))
  mark[k] = true
end

-- Writes the marked fields (and 't' when given) and refreshes the TTL; nothing marked, nothing sent.
local function flush(key, F, v, mark, ttl, tv)
  local args = {}
  if tv then args[1] = 't' args[2] = tv end
  for k in pairs(mark) do
    args[#args + 1] = F[k]
    args[#args + 1] = v[k]
  end
  if #args == 0 then return end
  redis.call('HSET', key, unpack(args))
  redis.call('PEXPIRE', key, ttl)
end

-- Values of a distinct set (pairs of 32-bit hash, last-seen second) seen in (since, until].
local function dcount(s, since, until_)
  if not s then return 0 end
  local c = 0
  for p = 5, #s, 8 do
    local x = unpack1('<I4', s, p)
    if x > since and x <= until_ then c = c + 1 end
  end
  return c
end

-- Records hash h (a decimal string, '' for none) as seen at second sec; full: the oldest goes.
local function dadd1(s, cap, hs, sec)
  s = s or ''
  if hs == '' then return s end
  local h = tonumber(hs)
  local n = #s / 8
  -- Find the value by its packed bytes (only matches at a pair's start count).
  local needle = pack('<I4', h)
  local p = string.find(s, needle, 1, true)
  while p do
    if (p - 1) % 8 == 0 then
      local j = (p - 1) / 8
      if sec > unpack1('<I4', s, p + 4) then
        return string.sub(s, 1, 8 * j + 4) .. pack('<I4', sec) .. string.sub(s, 8 * j + 9)
      end
      return s
    end
    p = string.find(s, needle, p + 1, true)
  end
  if n < cap then return s .. pack('<I4I4', h, sec) end
  local oldest, oldestS = -1, 1/0
  for j = 0, n - 1 do
    local y = unpack1('<I4', s, 5 + 8 * j)
    if y < oldestS then oldestS = y oldest = j end
  end
  if n < cap then return s .. pack('<I4I4', h, sec) end
  return string.sub(s, 1, 8 * oldest) .. pack('<I4I4', h, sec) .. string.sub(s, 8 * oldest + 9)
end
local function dadd(v, k, cap, hs, sec, mark)
  local s = dadd1(v[k], cap, hs, sec)
  if s ~= v[k] then v[k] = s mark[k] = true end
end
`;

/** KEYS: entities; ARGV: t, then the kind (1-based) of each key. Returns each entity's features, packed (or '' when unseen). */
const HYDRATE = `local t = tonumber(ARGV[1])
local sec = math.floor(t / 1000)
local res = {}
for i = 1, #KEYS do res[i] = H[tonumber(ARGV[1 + i])](KEYS[i], t, sec) end
return res
`;

/**
 * KEYS: entities; ARGV: t, then per key its kind (1-based; negative for an outcome commit, which
 * leaves first and last seen alone), its commit inputs ('' is missing) and one value hash per
 * distinct set ('' when the event has no value).
 */
const COMMIT = `local t = tonumber(ARGV[1])
local sec = math.floor(t / 1000) % 4294967296
local a = 2
for i = 1, #KEYS do
  local k = tonumber(ARGV[a])
  local o = k < 0
  if o then k = -k end
  a = C[k](KEYS[i], t, sec, a + 1, o)
end
return #KEYS
`;
