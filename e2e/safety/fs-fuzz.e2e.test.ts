/**
 * File-system mutations, fuzzed: models with files beside them (Keras weight shards, ONNX external
 * data) are written to disk, then their files are replaced at random by symlinks (inside, outside,
 * dangling, looping, to /dev/zero), FIFOs, folders, truncated or extended copies, and the paths
 * inside the model are rewritten (`../`, absolute, `sub/../`, `..name`). Every read must give a
 * graph or a typed CollaboptError within a bounded time, and no read that reaches outside the
 * model folder may succeed. The byte-level fuzzers (format-keras, format-onnx, format-tflite)
 * cover the contents; this one covers the files.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CollaboptError,
  GraphBuilder,
  createRng,
  readModel,
  writeModel,
  type Rng,
} from '@collabopt/core';
import { registerKerasFormat } from '@collabopt/format-keras';
import { decodeModel, encodeModel, registerOnnxFormat } from '@collabopt/format-onnx';

const CASES = 160;
const PER_CASE_LIMIT_MS = 5000;

type FileMutation = (file: string, ctx: { outside: string; rng: Rng }) => Promise<boolean>;

/** Each mutation returns whether it makes the file reach outside the model folder. */
const FILE_MUTATIONS: Record<string, FileMutation> = {
  'symlink outside': async (f, { outside }) => {
    await fs.rm(f, { force: true });
    await fs.symlink(path.join(outside, 'secret.bin'), f);
    return true;
  },
  'relative symlink outside': async (f) => {
    await fs.rm(f, { force: true });
    await fs.symlink('../outside/secret.bin', f);
    return true;
  },
  'symlink to /dev/zero': async (f) => {
    await fs.rm(f, { force: true });
    await fs.symlink('/dev/zero', f);
    return true;
  },
  'dangling symlink': async (f) => {
    await fs.rm(f, { force: true });
    await fs.symlink('nowhere.bin', f);
    return false;
  },
  'symlink loop': async (f) => {
    await fs.rm(f, { force: true });
    await fs.symlink(path.basename(f), f);
    return false;
  },
  'symlink inside': async (f) => {
    await fs.rename(f, `${f}.real`);
    await fs.symlink(`${path.basename(f)}.real`, f);
    return false;
  },
  fifo: async (f) => {
    await fs.rm(f, { force: true });
    execFileSync('mkfifo', [f]);
    return false;
  },
  folder: async (f) => {
    await fs.rm(f, { force: true });
    await fs.mkdir(f);
    return false;
  },
  truncated: async (f, { rng }) => {
    const st = await fs.stat(f);
    await fs.truncate(f, Math.floor(rng.next() * st.size));
    return false;
  },
  extended: async (f, { rng }) => {
    await fs.appendFile(f, new Uint8Array(1 + Math.floor(rng.next() * 64)));
    return false;
  },
  removed: async (f) => {
    await fs.rm(f, { force: true });
    return false;
  },
};

/** Rewrites of a referenced path inside the model; returns [new path, reaches outside]. */
const PATH_MUTATIONS: ((p: string, outside: string) => [string, boolean])[] = [
  () => [`../outside/secret.bin`, true],
  (_p, outside) => [path.join(outside, 'secret.bin'), true],
  (p) => [`sub/../${p}`, false],
  (p) => [`..${p}`, false],
  (p) => [`./${p}`, false],
  (p) => [`${p}/`, false],
  () => ['..', true],
  () => ['', false],
];

function seedGraph(seed: number) {
  const b = new GraphBuilder('fs-fuzz', { seed });
  const x = b.input('x', [-1, 6, 6, 2]);
  const c = b.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], activation: 'relu' });
  const g = b.layer('GlobalAvgPool', 'gap', c);
  return b.build(b.layer('Dense', 'out', g, { units: 3 }));
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng.next() * xs.length)]!;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

describe('readers under file-system mutations', () => {
  it(`${CASES} mutated model folders give a graph or a typed error, never a read outside the folder`, async () => {
    registerKerasFormat();
    registerOnnxFormat();
    const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'collabopt-fsfuzz-')));
    const outside = path.join(root, 'outside');
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret.bin'), new Uint8Array(4096).fill(0x5a));
    const rng = createRng(2024);
    const outcomes = new Map<string, number>();
    const failures: string[] = [];
    try {
      for (let i = 0; i < CASES; i++) {
        const folder = path.join(root, `case${i}`);
        await fs.mkdir(folder);
        const keras = i % 2 === 0;
        const main = path.join(folder, keras ? 'm.json' : 'm.onnx');
        const written = await writeModel(
          seedGraph(i),
          main,
          keras ? { shardSizeBytes: 128 } : { externalData: 'always' },
        );
        const related = written.slice(1);
        let escapes = false;
        const applied: string[] = [];
        // 1–2 file mutations on the files beside the model
        for (let k = 0; k < 1 + Math.floor(rng.next() * 2); k++) {
          const name = pick(rng, Object.keys(FILE_MUTATIONS));
          const target = pick(rng, related);
          if (!(await fs.lstat(target).catch(() => undefined))?.isFile()) continue; // mutate each file once
          escapes = (await FILE_MUTATIONS[name]!(target, { outside, rng })) || escapes;
          applied.push(`${name} ${path.basename(target)}`);
        }
        // sometimes a rewritten path inside the model
        if (rng.next() < 0.4) {
          const mutation = pick(rng, PATH_MUTATIONS);
          if (keras) {
            const json = JSON.parse(await fs.readFile(main, 'utf8'));
            const paths: string[] = json.weightsManifest[0].paths;
            const at = Math.floor(rng.next() * paths.length);
            const [p, out] = mutation(paths[at]!, outside);
            paths[at] = p;
            escapes = escapes || out;
            applied.push(`path → ${p}`);
            await fs.writeFile(main, JSON.stringify(json));
          } else {
            const model = decodeModel(new Uint8Array(await fs.readFile(main)));
            const inits = model.graph!.initializer!.filter((t) => t.dataLocation === 1);
            const t = pick(rng, inits);
            const loc = t.externalData!.find((e) => e.key === 'location')!;
            const [p, out] = mutation(loc.value!, outside);
            loc.value = p;
            escapes = escapes || out;
            applied.push(`location → ${p}`);
            await fs.writeFile(main, encodeModel(model));
          }
          await fs.symlink('.', path.join(folder, 'sub')).catch(() => undefined);
        }
        const t0 = Date.now();
        const r = await withTimeout(
          readModel(main).then(
            () => 'graph',
            (e: unknown) => (e instanceof CollaboptError ? e.code : `UNTYPED ${String(e)}`),
          ),
          PER_CASE_LIMIT_MS,
        );
        const ms = Date.now() - t0;
        outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
        const what = `case ${i} (${keras ? 'keras' : 'onnx'}: ${applied.join('; ')})`;
        if (r === 'timeout') failures.push(`${what}: no answer within ${PER_CASE_LIMIT_MS} ms`);
        else if (r.startsWith('UNTYPED')) failures.push(`${what}: ${r}`);
        else if (r === 'graph' && escapes) failures.push(`${what}: read outside the folder`);
        else if (ms > PER_CASE_LIMIT_MS) failures.push(`${what}: took ${ms} ms`);
      }
      console.log(
        `file-system fuzzing, ${CASES} cases: ${[...outcomes]
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      expect(failures).toEqual([]);
      // the outside file was never touched
      expect(await fs.readFile(path.join(outside, 'secret.bin'))).toEqual(
        Buffer.from(new Uint8Array(4096).fill(0x5a)),
      );
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
