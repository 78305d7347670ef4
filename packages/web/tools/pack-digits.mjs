// Packs the engine's embedded MNIST digits (split and order of loadMnistDigits) for the page;
// see src/digits.ts for the layout. Fails if a pixel is not exactly k/1000.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadMnistDigits } = require('@collabopt/engine');

export function packDigits(file) {
  const { train, test } = loadMnistDigits();
  const per = 28 * 28;
  const n = train.count + test.count;
  const header = 8 + n + ((8 + n) % 2 === 0 ? 0 : 1);
  if (header !== 8 + n) throw new Error('label block must keep the pixels 2-byte aligned');
  const out = new ArrayBuffer(8 + n + n * per * 2);
  new Uint32Array(out, 0, 2).set([train.count, test.count]);
  const labels = new Uint8Array(out, 8, n);
  labels.set(train.y, 0);
  labels.set(test.y, train.count);
  const pixels = new Uint16Array(out, 8 + n, n * per);
  [train.x, test.x].forEach((x, part) => {
    const base = part === 0 ? 0 : train.count * per;
    for (let i = 0; i < x.length; i++) {
      const k = Math.round(x[i] * 1000);
      if (Math.fround(k / 1000) !== x[i]) throw new Error(`digit pixel ${x[i]} is not k/1000`);
      pixels[base + i] = k;
    }
  });
  writeFileSync(file, new Uint8Array(out));
}
