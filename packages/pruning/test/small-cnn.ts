import { GraphBuilder, type Graph } from '@collabopt/core';

/** conv (relu) → [depthwise →] pool → flatten → dense 16 relu → dense 4 logits on 8×8×1 inputs. */
function cnn(name: string, seed: number, depthwise: boolean): Graph {
  const b = new GraphBuilder(name, { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  let h = b.layer('Conv2D', 'conv1', x, {
    filters: 8,
    kernelSize: [3, 3],
    activation: 'relu',
    padding: 'same',
  });
  if (depthwise) h = b.layer('DepthwiseConv2D', 'dw', h, { kernelSize: [3, 3], padding: 'same' });
  const p = b.layer('MaxPool2D', 'pool', h, { poolSize: [2, 2] });
  const f = b.layer('Flatten', 'flatten', p);
  const d1 = b.layer('Dense', 'dense1', f, { units: 16, activation: 'relu' });
  return b.build(b.layer('Dense', 'logits', d1, { units: 4 }));
}

/** Small CNN for tests: conv → depthwise → pool → flatten → dense → dense (logits). */
export const smallCnn = (seed = 1): Graph => cnn('small-cnn', seed, true);

/** Like smallCnn without the depthwise layer (what the fine-tuning tests train). */
export const tinyCnn = (seed = 1): Graph => cnn('tiny-cnn', seed, false);

/** Flatten → Dense 16 relu → Dense 4 logits on 8×8×1 inputs (fast to train on any backend). */
export function tinyMlp(seed = 1): Graph {
  const b = new GraphBuilder('tiny-mlp', { seed });
  const x = b.input('input', [-1, 8, 8, 1]);
  const f = b.layer('Flatten', 'flatten', x);
  const d1 = b.layer('Dense', 'dense1', f, { units: 16, activation: 'relu' });
  const d2 = b.layer('Dense', 'logits', d1, { units: 4 });
  return b.build(d2);
}
