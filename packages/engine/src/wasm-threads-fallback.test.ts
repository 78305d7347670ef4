import { silentLogger } from '@collabopt/core';
import { createEngine, tf, wasmThreadsStatus } from './index';

// A test file of its own: the first wasm initialisation in a process (here: this jest
// environment) fixes the thread count.
test('without SharedArrayBuffer the wasm backend falls back to one thread and says why', async () => {
  const g = globalThis as { SharedArrayBuffer?: unknown };
  const saved = g.SharedArrayBuffer;
  delete g.SharedArrayBuffer;
  try {
    const engine = await createEngine({ backend: 'wasm', wasmThreads: 2, logger: silentLogger });
    expect(wasmThreadsStatus()).toEqual({
      threads: 1,
      build: 'single-threaded',
      detail: 'the wasmThreads option; threaded build failed: SharedArrayBuffer is not available',
    });
    expect(engine.backendReason).toMatch(/1 thread \(tfjs's single-threaded build; .*failed/);
  } finally {
    g.SharedArrayBuffer = saved;
  }
  const y = tf.matMul(tf.ones([8, 4]), tf.ones([4, 3]));
  expect(Array.from(await y.data())).toEqual(new Array<number>(24).fill(4));
});
