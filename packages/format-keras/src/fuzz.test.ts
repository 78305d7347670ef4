import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CollaboptError, GraphBuilder, createRng, type Rng } from '@collabopt/core';
import { readKerasModel } from './read-model';
import { writeKerasModel } from './write-model';

// 2,000 randomly corrupted model.json / shard pairs must produce either a valid graph or a typed
// CollaboptError: never another exception, never a hang.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function seedModels(): { json: Json; shards: Record<string, Uint8Array> }[] {
  const b = new GraphBuilder('fuzz', { seed: 9 });
  const x = b.input('x', [-1, 6, 6, 2]);
  const p = b.layer('Pad', 'pad', x, {
    padding: [
      [1, 1],
      [1, 1],
    ],
  });
  const c = b.layer('Conv2D', 'conv', p, { filters: 2, kernelSize: [3, 3], activation: 'relu' });
  const n = b.layer('BatchNorm', 'bn', c);
  const s = b.layer('Add', 'add', [n, x]);
  const d = b.layer('DepthwiseConv2D', 'dw', s, { kernelSize: [3, 3], padding: 'same' });
  const g = b.layer('GlobalAvgPool', 'gap', d);
  const o = b.layer('Dense', 'out', g, { units: 3, activation: 'softmax' });
  const graph = b.build(o);
  graph.node('out').weight('kernel').annotations.mask = { mask: new Uint8Array(6).fill(1) };
  const a = writeKerasModel(graph, { shardSizeBytes: 64 });
  const shards: Record<string, Uint8Array> = {};
  for (const f of a.shards) shards[f.path] = f.bytes;
  const keras3 = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'keras3-functional.json'), 'utf8'),
  ) as Json;
  return [
    { json: JSON.parse(JSON.stringify(a.modelJson)) as Json, shards },
    { json: keras3, shards: {} },
  ];
}

const WEIRD: Json[] = [
  null,
  -1,
  0,
  1.5,
  1e9,
  2 ** 40,
  '',
  'same',
  'x',
  true,
  [],
  {},
  [null],
  [[]],
  [-1, 0],
  { class_name: 'Dense' },
  'channels_first',
  'float16',
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)]!;
}

/** All (container, key) slots of a JSON tree. */
function slots(root: Json): { parent: Json[] | { [k: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
  const walk = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach((c, i) => {
        out.push({ parent: v, key: i });
        walk(c);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k });
        walk(v[k]!);
      }
    }
  };
  walk(root);
  return out;
}

function mutateJson(json: Json, rng: Rng): Json {
  const copy = JSON.parse(JSON.stringify(json)) as Json;
  const count = 1 + Math.floor(rng.next() * 3);
  for (let i = 0; i < count; i++) {
    const all = slots(copy);
    if (all.length === 0) break;
    const { parent, key } = pick(rng, all);
    const kind = rng.next();
    if (Array.isArray(parent)) {
      const k = key as number;
      if (kind < 0.3) parent.splice(k, 1);
      else if (kind < 0.5) parent.splice(k, 0, JSON.parse(JSON.stringify(parent[k])) as Json);
      else parent[k] = pick(rng, WEIRD);
    } else {
      const k = key as string;
      if (kind < 0.3) delete parent[k];
      else if (kind < 0.4) parent[`${k}_x`] = parent[k]!;
      else if (typeof parent[k] === 'number')
        parent[k] = kind < 0.7 ? -(parent[k] as number) : (parent[k] as number) * 1000 + 1;
      else parent[k] = pick(rng, WEIRD);
    }
  }
  return copy;
}

function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const kind = rng.next();
  if (kind < 0.35) return bytes.slice(0, Math.floor(rng.next() * bytes.length));
  if (kind < 0.5)
    return new Uint8Array([...bytes, ...new Uint8Array(1 + Math.floor(rng.next() * 8))]);
  const out = bytes.slice();
  for (let i = 0; i < 4 && out.length > 0; i++)
    out[Math.floor(rng.next() * out.length)] = Math.floor(rng.next() * 256);
  return out;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('2,000 corrupted model.json/shard pairs yield only valid graphs or typed errors', async () => {
  const rng = createRng(20261126);
  const seeds = seedModels();
  const outcomes = { ok: 0, typed: 0 };
  const codes = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const seed = seeds[i % 5 === 4 ? 1 : 0]!;
    const r = rng.next();
    let input: unknown = seed.json;
    const shards = { ...seed.shards };
    let dropShard: string | undefined;
    if (r < 0.55) input = mutateJson(seed.json, rng);
    else if (r < 0.7) {
      const text = new TextEncoder().encode(JSON.stringify(seed.json));
      input = mutateBytes(text, rng);
    } else if (r < 0.9 && Object.keys(shards).length > 0) {
      const name = pick(rng, Object.keys(shards));
      shards[name] = mutateBytes(shards[name]!, rng);
    } else if (Object.keys(shards).length > 0) dropShard = pick(rng, Object.keys(shards));
    else input = mutateJson(seed.json, rng);
    try {
      await withTimeout(
        readKerasModel(input, async (p) => {
          if (p === dropShard || shards[p] === undefined) throw new Error(`ENOENT: ${p}`);
          return shards[p];
        }),
        5000,
      );
      outcomes.ok++;
    } catch (e) {
      if (!(e instanceof CollaboptError)) {
        throw new Error(
          `case ${i} raised an untyped ${(e as Error).name}: ${(e as Error).stack}\n${JSON.stringify(input).slice(0, 300)}`,
        );
      }
      outcomes.typed++;
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
  }
  if (process.env['FUZZ_REPORT']) console.log(outcomes, Object.fromEntries(codes));
  expect(outcomes.ok + outcomes.typed).toBe(2000);
  // The corruptions must actually exercise the error paths.
  expect(outcomes.typed).toBeGreaterThan(800);
  expect(codes.size).toBeGreaterThan(5);
}, 60000);
