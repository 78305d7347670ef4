import { isCollaboptError } from '@collabopt/core';
import { annotateInt8 } from '../test/annotate';
import { convFamilyModel, elementwiseModel } from '../test/models';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';

/** Deterministic xorshift. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

type Mutation = 'bitflip' | 'truncate' | 'offset';

function mutate(src: Uint8Array, kind: Mutation, r: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(r() * n);
  if (kind === 'truncate') return src.slice(0, int(src.length));
  const out = src.slice();
  const dv = new DataView(out.buffer);
  if (kind === 'bitflip') {
    const flips = 1 + int(8);
    for (let i = 0; i < flips; i++) {
      const p = int(out.length);
      out[p] = out[p]! ^ (1 << int(8));
    }
    return out;
  }
  // Offset corruption: overwrite an aligned 32-bit word with a small, large, negative or nearby value.
  const p = int(out.length >> 2) << 2;
  const old = dv.getUint32(p, true);
  const choices = [
    int(out.length * 2),
    0xffffffff,
    0x7fffffff,
    old + 4 * (int(64) - 32),
    int(256),
    0,
  ];
  dv.setUint32(p, choices[int(choices.length)]! >>> 0, true);
  return out;
}

describe('fuzzed .tflite files', () => {
  it('5,000 mutated files give only typed errors, each within a bounded time', () => {
    const seeds = [
      writeTflite(convFamilyModel()),
      writeTflite(annotateInt8(elementwiseModel(), () => [-2, 2])),
    ];
    const r = rng(20261126);
    const kinds: Mutation[] = ['bitflip', 'truncate', 'offset'];
    const codes = new Map<string, number>();
    let slowest = 0;
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = mutate(seeds[i % seeds.length]!, kinds[i % kinds.length]!, r);
      const t0 = performance.now();
      try {
        readTflite(bytes, { file: `fuzz-${i}.tflite` });
        accepted++;
      } catch (e) {
        if (!isCollaboptError(e) || e.code === 'TFLITE_INTERNAL') {
          throw new Error(`mutation ${i} (${kinds[i % kinds.length]}) escaped as ${String(e)}`);
        }
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    console.log(
      `fuzz: ${accepted} accepted, errors ${JSON.stringify(Object.fromEntries(codes))}, slowest ${slowest.toFixed(1)} ms`,
    );
    expect(slowest).toBeLessThan(2000);
    expect(codes.get('TFLITE_TRUNCATED') ?? 0).toBeGreaterThan(0);
    expect(codes.get('TFLITE_INVALID') ?? 0).toBeGreaterThan(0);
    // Flips inside weight data keep the file valid, so some mutants legitimately load.
    expect(accepted).toBeLessThan(5000);
  });
});
