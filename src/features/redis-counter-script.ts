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
const COPY = 0;
const RATIO = 1;

const short = (s: string) => hash53(s).toString(36);
const lua = (s: string) => JSON.stringify(s); // field names are [0-9a-z|.] only

/** Builds the scripts and layouts for `plan`; equal plans give equal scripts (one SHA each). */
export function redisCounterScripts(plan: FeaturePlan): RedisCounterScripts {
  const layouts: RedisKindLayout[] = [];
  const kinds: string[] = [];
  for (const e of plan.entities) {
    const windowIndex = new Map(e.windows.map((w, i) => [w, i]));
    const lanes: { f: string; op: number; inp: number }[][] = e.windows.map(() => []);
    const program: [number, number, number, number][] = [];
    const unseen: number[] = [];
    let inputs = 0;
    for (const m of e.metrics) {
      const first = inputs;
      inputs += m.op === 'avg' ? 2 : 1;
      const id = metricIdentity(m);
      for (const spec of m.windows) {
        const w = windowIndex.get(spec) as number;
        const lane = (op: number, input: number, part: string) => {
          const list = lanes[w] as { f: string; op: number; inp: number }[];
          list.push({ f: `l${short(`${spec.label}|${id}#${part}`)}`, op, inp: input + 1 });
          return list.length;
        };
        if (m.op === 'avg') {
          const a = lane(ADD, first, 'sum');
          const b = lane(ADD, first + 1, 'n');
          program.push([RATIO, w + 1, a, b]);
          unseen.push(Number.NaN);
        } else {
          const op = m.op === 'min' ? MIN : m.op === 'max' ? MAX : ADD;
          program.push([COPY, w + 1, lane(op, first, m.op), 0]);
          unseen.push(op === ADD ? 0 : Number.NaN);
        }
      }
    }
    unseen.push(Number.NaN, Number.NaN, 1); // age_s, last_seen_s, is_new
    for (const _ of e.distinct) unseen.push(0);
    const ttlMs = Math.max(...e.windows.map(windowMs), ...e.distinct.map((d) => windowMs(d.window)), 60_000);
    const identity = entityIdentity(e);
    layouts.push({
      plan: e,
      seed: hash53(identity) % 2 ** 31,
      width: unseen.length,
      unseen: Float64Array.from(unseen),
      inputs,
      distinct: e.distinct.length,
      ttlMs,
    });
    const W = e.windows.map((spec, w) => {
      const L = (lanes[w] ?? []).map((l) => `{f=${lua(l.f)},op=${l.op},inp=${l.inp}}`).join(',');
      return `{hf=${lua(`h${spec.label}`)},bms=${spec.bucketMs},n=${spec.buckets},L={${L}}}`;
    });
    const D = e.distinct.map(
      (d) =>
        `{f=${lua(`d${short(`${d.name}:${d.of}:${d.cap}:${d.window.label}`)}`)},cap=${d.cap},span=${windowMs(d.window) / 1000}}`,
    );
    const P = program.map((p) => `{${p.join(',')}}`);
    kinds.push(`{ttl=${ttlMs},ninp=${inputs},W={${W.join(',')}},P={${P.join(',')}},D={${D.join(',')}}}`);
  }
  const table = `local KINDS = {\n${kinds.join(',\n')}\n}\n`;
  return { layouts, hydrate: table + COMMON + HYDRATE, commit: table + COMMON + COMMIT };
}

/**
 * Shared functions. Lua numbers are doubles like JavaScript's; every value the memory store keeps
 * in a Float32Array is rounded to single precision here (struct 'f'), at the same steps, so sums
 * match to the bit. Lanes carry their own head so a lane a plan dropped and a later plan brings
 * back is first expired up to its window's head.
 */
const COMMON = `
local NAN = 0/0
local NEG = -1/0
local function f32(x) return (struct.unpack('<f', struct.pack('<f', x))) end
local function emptyOf(op) if op == 0 then return 0 else return NAN end end

local function load(key, K)
  local fields = {'t'}
  for _, w in ipairs(K.W) do
    fields[#fields + 1] = w.hf
    for _, l in ipairs(w.L) do fields[#fields + 1] = l.f end
  end
  for _, d in ipairs(K.D) do fields[#fields + 1] = d.f end
  local v = redis.call('HMGET', key, unpack(fields))
  if not v[1] then return nil end
  local st = {}
  st.first, st.last = struct.unpack('<dd', v[1])
  local i = 2
  st.W = {}
  for wi, w in ipairs(K.W) do
    local hv = v[i]
    i = i + 1
    local head = NEG
    if hv then head = (struct.unpack('<d', hv)) end
    local lanes = {}
    local fmt = '<d' .. string.rep('f', w.n + 1)
    for li, l in ipairs(w.L) do
      local lv = v[i]
      i = i + 1
      local lane
      if lv then
        local r = {struct.unpack(fmt, lv)}
        lane = {head = r[1], total = r[2], ring = {}}
        for s = 1, w.n do lane.ring[s] = r[s + 2] end
      else
        local e = emptyOf(l.op)
        lane = {head = head, total = e, ring = {}}
        for s = 1, w.n do lane.ring[s] = e end
      end
      lanes[li] = lane
    end
    st.W[wi] = {head = head, lanes = lanes}
  end
  st.D = {}
  for di, d in ipairs(K.D) do
    local dv = v[i]
    i = i + 1
    local set = {}
    if dv and #dv > 0 then
      local r = {struct.unpack('<' .. string.rep('I4', #dv / 4), dv)}
      for j = 1, #dv / 4 do set[j] = r[j] end
    end
    st.D[di] = set
  end
  return st
end

local function fresh(K, t)
  local st = {first = t, last = t, W = {}, D = {}}
  for wi, w in ipairs(K.W) do
    local lanes = {}
    for li, l in ipairs(w.L) do
      local e = emptyOf(l.op)
      local lane = {head = NEG, total = e, ring = {}}
      for s = 1, w.n do lane.ring[s] = e end
      lanes[li] = lane
    end
    st.W[wi] = {head = NEG, lanes = lanes}
  end
  for di = 1, #K.D do st.D[di] = {} end
  return st
end

-- Moves one lane forward to bucket epoch ep: clears the buckets that fall out, recomputes its total.
local function advanceLane(lane, op, n, ep)
  local head = lane.head
  if ep <= head then return end
  local e0 = emptyOf(op)
  if ep - head >= n then
    for s = 1, n do lane.ring[s] = e0 end
  else
    for e = head + 1, ep do lane.ring[(e % n) + 1] = e0 end
  end
  lane.head = ep
  local acc = e0
  for s = 1, n do
    local v = lane.ring[s]
    if op == 0 then acc = acc + v
    elseif v == v then
      if op == 1 then
        if not (acc <= v) then acc = v end
      elseif not (acc >= v) then acc = v end
    end
  end
  lane.total = f32(acc)
end

-- Moves every window to time t; returns true when any head moved (the entity must be saved).
local function advance(K, st, t)
  local moved = false
  for wi, w in ipairs(K.W) do
    local sw = st.W[wi]
    -- A lane behind its window (dropped by a plan, brought back by a later one) catches up first.
    for li, l in ipairs(w.L) do
      local lane = sw.lanes[li]
      if lane.head < sw.head then advanceLane(lane, l.op, w.n, sw.head); moved = true end
    end
    local ep = math.floor(t / w.bms)
    if ep > sw.head then
      for li, l in ipairs(w.L) do advanceLane(sw.lanes[li], l.op, w.n, ep) end
      sw.head = ep
      moved = true
    end
  end
  return moved
end

local function save(key, K, st)
  local args = {'t', struct.pack('<dd', st.first, st.last)}
  for wi, w in ipairs(K.W) do
    local sw = st.W[wi]
    args[#args + 1] = w.hf
    args[#args + 1] = struct.pack('<d', sw.head)
    local fmt = '<d' .. string.rep('f', w.n + 1)
    for li, l in ipairs(w.L) do
      local lane = sw.lanes[li]
      args[#args + 1] = l.f
      args[#args + 1] = struct.pack(fmt, lane.head, lane.total, unpack(lane.ring))
    end
  end
  for di, d in ipairs(K.D) do
    local set = st.D[di]
    args[#args + 1] = d.f
    if #set == 0 then args[#args + 1] = ''
    else args[#args + 1] = struct.pack('<' .. string.rep('I4', #set), unpack(set)) end
  end
  redis.call('HSET', key, unpack(args))
  redis.call('PEXPIRE', key, K.ttl)
end
`;

/** KEYS: entities; ARGV: t, then the kind (1-based) of each key. Returns each entity's features, packed (or '' when unseen). */
const HYDRATE = `
local t = tonumber(ARGV[1])
local sec = math.floor(t / 1000)
local out = {}
for i = 1, #KEYS do
  local K = KINDS[tonumber(ARGV[1 + i])]
  local st = load(KEYS[i], K)
  if st == nil then out[i] = ''
  else
    if advance(K, st, t) then save(KEYS[i], K, st) end
    local f = {}
    for _, p in ipairs(K.P) do
      local lanes = st.W[p[2]].lanes
      if p[1] == 0 then f[#f + 1] = lanes[p[3]].total
      else
        local a, b = lanes[p[3]].total, lanes[p[4]].total
        if b > 0 then f[#f + 1] = a / b else f[#f + 1] = NAN end
      end
    end
    f[#f + 1] = math.max(0, (t - st.first) / 1000)
    f[#f + 1] = math.max(0, (t - st.last) / 1000)
    f[#f + 1] = 0
    for di, d in ipairs(K.D) do
      local set = st.D[di]
      local since = sec - d.span
      local c = 0
      for j = 2, #set, 2 do
        local s = set[j]
        if s > since and s <= sec then c = c + 1 end
      end
      f[#f + 1] = c
    end
    out[i] = struct.pack('<' .. string.rep('d', #f), unpack(f))
  end
end
return out
`;

/**
 * KEYS: entities; ARGV: t, then per key its kind (1-based), its commit inputs ('' is missing) and
 * one value hash per distinct set ('' when the event has no value).
 */
const COMMIT = `
local t = tonumber(ARGV[1])
local sec = math.floor(t / 1000) % 4294967296
local a = 2
for i = 1, #KEYS do
  local K = KINDS[tonumber(ARGV[a])]
  a = a + 1
  local inp = {}
  for j = 1, K.ninp do
    local s = ARGV[a]
    a = a + 1
    if s == '' then inp[j] = NAN else inp[j] = tonumber(s) end
  end
  local st = load(KEYS[i], K) or fresh(K, t)
  if t < st.first then st.first = t end
  if t > st.last then st.last = t end
  advance(K, st, t)
  for wi, w in ipairs(K.W) do
    local sw = st.W[wi]
    local ep = math.floor(t / w.bms)
    if ep > sw.head - w.n then
      local b = (ep % w.n) + 1
      for li, l in ipairs(w.L) do
        local v = inp[l.inp]
        if v == v then
          local lane = sw.lanes[li]
          if l.op == 0 then
            lane.ring[b] = f32(lane.ring[b] + v)
            lane.total = f32(lane.total + v)
          elseif l.op == 1 then
            if not (lane.ring[b] <= v) then lane.ring[b] = f32(v) end
            if not (lane.total <= v) then lane.total = f32(v) end
          else
            if not (lane.ring[b] >= v) then lane.ring[b] = f32(v) end
            if not (lane.total >= v) then lane.total = f32(v) end
          end
        end
      end
    end
  end
  for di, d in ipairs(K.D) do
    local s = ARGV[a]
    a = a + 1
    if s ~= '' then
      local h = tonumber(s)
      local set = st.D[di]
      local n = #set / 2
      local found = false
      local oldest, oldestS = -1, 1/0
      for j = 1, n do
        local p = 2 * j - 1
        if set[p] == h then
          if sec > set[p + 1] then set[p + 1] = sec end
          found = true
          break
        end
        if set[p + 1] < oldestS then oldestS = set[p + 1]; oldest = p end
      end
      if not found then
        if n < d.cap then set[2 * n + 1] = h; set[2 * n + 2] = sec
        else set[oldest] = h; set[oldest + 1] = sec end
      end
    end
  end
  save(KEYS[i], K, st)
end
return #KEYS
`;
