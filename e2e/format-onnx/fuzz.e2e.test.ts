/**
 * Fuzzing the reader: 5,000 mutated ONNX files (byte flips, truncation, insertion, duplicated and
 * zeroed ranges, varint corruption) from our exports and the third-party OCR model. Every read
 * either returns a verified graph or throws a typed CollaboptError, each within bounded time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CollaboptError, verifyGraph } from '@collabopt/core';
import { readOnnx, writeOnnx } from '@collabopt/format-onnx';
import { REPO_ROOT } from '../helpers/oracle';
import { allOpsGraph, moreOpsGraph, referenceCnnGraph } from './graphs';

const CASES = 5000;
const PER_CASE_LIMIT_MS = 2000;

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

function splice(b: Uint8Array, at: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + insert.length);
  out.set(b.subarray(0, at), 0);
  out.set(insert, at);
  out.set(b.subarray(at), at + insert.length);
  return out;
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  let b: Uint8Array = new Uint8Array(src);
  const rounds = 1 + int(2);
  for (let r = 0; r < rounds; r++) {
    switch (int(6)) {
      case 0: // flip random bytes
        for (let k = 0, n = 1 + int(8); k < n; k++) b[int(b.length)] = int(256);
        break;
      case 1: // truncate
        b = b.slice(0, int(b.length));
        break;
      case 2: {
        // insert random bytes
        const at = int(b.length + 1);
        const ins = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
        b = splice(b, at, ins);
        break;
      }
      case 3: {
        // duplicate a range
        const from = int(b.length);
        const len = Math.min(int(64) + 1, b.length - from);
        const at = int(b.length + 1);
        b = splice(b, at, b.slice(from, from + len));
        break;
      }
      case 4: {
        // zero a range
        const from = int(b.length);
        b.fill(0, from, Math.min(b.length, from + 1 + int(32)));
        break;
      }
      default: // corrupt a varint-looking byte into a long continuation run
        if (b.length > 0) {
          const at = int(b.length);
          for (let k = 0; k < 1 + int(10) && at + k < b.length; k++) b[at + k] = 0x80 | int(128);
        }
    }
  }
  return b;
}

describe('ONNX reader under fuzzing', () => {
  it(`${CASES} mutated files give a graph or a typed error, each within ${PER_CASE_LIMIT_MS} ms`, async () => {
    const ocr = new Uint8Array(
      readFileSync(
        path.join(
          REPO_ROOT,
          'node_modules',
          '@gutenye',
          'ocr-models',
          'assets',
          'ch_ppocr_mobile_v2.0_cls_infer.onnx',
        ),
      ),
    );
    const seeds = [
      writeOnnx(allOpsGraph(1)).bytes,
      writeOnnx(moreOpsGraph(3), { opset: 17 }).bytes,
      writeOnnx(referenceCnnGraph(7), { nhwcIo: true }).bytes,
      ocr,
    ];
    const rand = rng(12345);
    const codes = new Map<string, number>();
    let parsed = 0;
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      // The 579 KB OCR model is slower to parse: use it for one case in 25.
      const seed = i % 25 === 24 ? seeds[3]! : seeds[i % 3]!;
      const bytes = mutate(seed, rand);
      const t0 = performance.now();
      try {
        const g = await readOnnx(bytes, { inputShapes: { x: [1, 3, 48, 192] } });
        verifyGraph(g);
        parsed++;
      } catch (e) {
        if (!(e instanceof CollaboptError))
          throw new Error(
            `case ${i}: untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
          );
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
      const dt = performance.now() - t0;
      slowest = Math.max(slowest, dt);
      expect(dt).toBeLessThan(PER_CASE_LIMIT_MS);
    }
    console.log(
      `fuzz: ${parsed} still valid, errors by code: ${[...codes]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c}×${n}`)
        .join(' ')}; slowest case ${slowest.toFixed(0)} ms`,
    );
    expect(parsed + [...codes.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
  });
});
