/**
 * Data-layer benchmark: (1) a large generated .npy streamed through `evaluate` (agreement with a
 * teacher) and a shuffled `fit`, reporting peak RSS against the file size, i.e. that memory stays
 * bounded by a few batches; (2) the image pipeline (JPEG decode + crop-resize with sharp) in
 * images/s against Keras `image_dataset_from_directory` on the same folder in the same run.
 *
 *   npm run bench:data                          # 2 GB array, 1,000 images, 3 repetitions
 *   npm run bench:data -- --gb=4 --images=2000 --reps=5 --keep
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { GraphBuilder, silentLogger, type Graph } from '@collabopt/core';
import { createEngine, openDataSet, readBatches } from '@collabopt/engine';
import { arg } from '../args';

const REPO = path.resolve(__dirname, '../../..');
const GB = Number(arg('gb', '2'));
const IMAGES = Number(arg('images', '1000'));
const REPS = Number(arg('reps', '3'));
const SIZE = 224;
const SAMPLE = [64, 64, 3];

const rssMb = (): number => process.resourceUsage().maxRSS / 1024;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function model(seed: number): Graph {
  const b = new GraphBuilder('probe', { seed });
  const x = b.input('x', [-1, ...SAMPLE]);
  const c = b.layer('Conv2D', 'conv', x, { filters: 4, kernelSize: [3, 3], strides: [4, 4] });
  const p = b.layer('GlobalAvgPool', 'gap', c);
  return b.build(b.layer('Dense', 'probs', p, { units: 10, activation: 'softmax' }));
}

/** Write an npy of float32 [n, 64, 64, 3] in 8 MB chunks (the writer holds one chunk). */
async function writeLargeNpy(file: string, n: number): Promise<void> {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${SAMPLE.join(', ')}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const out = createWriteStream(file);
  out.write(Buffer.concat([head, Buffer.from(header, 'latin1')]));
  const per = SAMPLE.reduce((a, b) => a * b, 1);
  const chunkSamples = Math.floor((8 << 20) / (per * 4));
  for (let s = 0; s < n; s += chunkSamples) {
    const k = Math.min(chunkSamples, n - s);
    const f = new Float32Array(k * per);
    for (let i = 0; i < f.length; i++) f[i] = ((s * per + i) % 251) / 251;
    if (!out.write(Buffer.from(f.buffer))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function streamed(dir: string): Promise<string> {
  const per = SAMPLE.reduce((a, b) => a * b, 1) * 4;
  const n = Math.floor((GB * 2 ** 30) / per);
  const file = path.join(dir, 'large.npy');
  await writeLargeNpy(file, n);
  const fileMb = statSync(file).size / 2 ** 20;
  const engine = await createEngine({ logger: silentLogger });
  const teacher = model(1);
  const student = model(2);
  const source = await openDataSet(file, { inputShape: [-1, ...SAMPLE] });
  const rssBefore = rssMb();
  const t0 = Date.now();
  const ev = await engine.evaluate(student, source, { teacher, batchSize: 256 });
  const evalSeconds = (Date.now() - t0) / 1000;
  const rssEval = rssMb();
  const steps = 100;
  const t1 = Date.now();
  await engine.fit(student, source, { epochs: 1, batchSize: 128, maxSteps: steps, teacher });
  const fitSeconds = (Date.now() - t1) / 1000;
  const rssFit = rssMb();
  console.log(
    `\nStreamed .npy: ${n} samples of [${SAMPLE.join(', ')}] float32, ${fileMb.toFixed(0)} MB (backend ${engine.backend})`,
  );
  console.log('| step | samples | seconds | MB/s | peak RSS MB |');
  console.log('|---|---|---|---|---|');
  console.log(`| before reading | – | – | – | ${rssBefore.toFixed(0)} |`);
  console.log(
    `| evaluate (agreement with teacher, batch 256, in order) | ${ev.count} | ${evalSeconds.toFixed(1)} | ${(fileMb / evalSeconds).toFixed(0)} | ${rssEval.toFixed(0)} |`,
  );
  console.log(
    `| fit by distillation (batch 128, shuffled, ${steps} steps) | ${steps * 128} | ${fitSeconds.toFixed(1)} | ${((steps * 128 * per) / 2 ** 20 / fitSeconds).toFixed(0)} | ${rssFit.toFixed(0)} |`,
  );
  return `npy ${fileMb.toFixed(0)} MB streamed with peak RSS ${rssFit.toFixed(0)} MB (${((100 * rssFit) / fileMb).toFixed(1)}% of the file)`;
}

async function images(dir: string): Promise<string> {
  const folder = path.join(dir, 'images');
  for (let i = 0; i < IMAGES; i++) {
    const cls = path.join(folder, `class${i % 2}`);
    if (i < 2) mkdirSync(cls, { recursive: true });
    await sharp({
      create: {
        width: 320,
        height: 240,
        channels: 3,
        background: { r: 40, g: 120, b: 200 },
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality: 90 })
      .toFile(path.join(cls, `${String(i).padStart(6, '0')}.jpg`));
  }
  const ours: number[] = [];
  const oursCpu: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = Date.now();
    // CPU seconds of this process, sharp's threads included: a rate that load on a shared machine
    // does not skew the way wall time is skewed.
    const c0 = process.cpuUsage();
    const source = await openDataSet(folder, {
      inputShape: [SIZE, SIZE, 3],
      preprocess: { resize: 'crop' },
    });
    let n = 0;
    for await (const b of readBatches(source, 64)) n += b.size;
    const cpu = process.cpuUsage(c0);
    ours.push(n / ((Date.now() - t0) / 1000));
    oursCpu.push(n / ((cpu.user + cpu.system) / 1e6));
  }
  const python =
    process.env['COLLABOPT_ORACLE_PYTHON'] ?? path.join(REPO, '.venv-oracle', 'bin', 'python');
  let peer: { rates: number[]; cpuRates: number[] } | undefined;
  if (existsSync(python)) {
    const r = spawnSync(
      python,
      [
        path.join(__dirname, 'peer_images.py'),
        JSON.stringify({ folder, size: SIZE, batch: 64, reps: REPS }),
      ],
      { encoding: 'utf8' },
    );
    if (r.status === 0) peer = JSON.parse(r.stdout.trim().split('\n').pop()!) as typeof peer;
    else console.log(`Keras peer failed: ${r.stderr.slice(-500)}`);
  } else console.log('Keras peer: oracle venv missing, ratio skipped');
  const wall = median(ours);
  const perCpu = median(oursCpu);
  const peerWall = peer ? median(peer.rates) : undefined;
  const peerCpu = peer ? median(peer.cpuRates) : undefined;
  const ratio = (a: number, b: number | undefined): string =>
    b !== undefined ? `${(a / b).toFixed(2)}×` : '–';
  console.log(
    `\nImage pipeline: ${IMAGES} JPEG 320×240 → ${SIZE}×${SIZE}×3 crop, batch 64, median of ${REPS}`,
  );
  console.log('| pipeline | images/s (wall) | ratio | images per CPU-second | ratio |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| collabopt (sharp) | ${wall.toFixed(0)} | ${ratio(wall, peerWall)} | ${perCpu.toFixed(0)} | ${ratio(perCpu, peerCpu)} |`,
  );
  if (peerWall !== undefined && peerCpu !== undefined)
    console.log(
      `| Keras image_dataset_from_directory | ${peerWall.toFixed(0)} | 1.00× | ${peerCpu.toFixed(0)} | 1.00× |`,
    );
  return `images ${wall.toFixed(0)}/s wall (${ratio(wall, peerWall)} Keras), ${perCpu.toFixed(0)}/CPU-s (${ratio(perCpu, peerCpu)} Keras)`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'collabopt-bench-data-'));
  try {
    const a = await streamed(dir);
    const b = await images(dir);
    console.log(`\nKEY: ${a}; ${b}`);
  } finally {
    if (arg('keep') === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

void main();
