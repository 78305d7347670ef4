'use strict';
/**
 * Test-only helper: run a .tflite file in the TFLite C++ runtime compiled to WASM
 * (@tensorflow/tfjs-tflite) from plain Node. The package expects a browser/worker; this shim
 * provides `self`, `location`, `importScripts` (evaluating the single-threaded wasm script) and a
 * `fetch` that reads local files, then loads the model with one thread.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm') + path.sep;

function installShim() {
  if (globalThis.__collaboptTfliteShim) return;
  globalThis.__collaboptTfliteShim = true;
  globalThis.self = globalThis;
  globalThis.location = { href: `file://${wasmDir}`, origin: 'file://' };
  const localPath = (url) => String(url).replace(/^file:\/\//, '');
  globalThis.importScripts = (url) => {
    // Always the single-threaded build: the threaded one needs browser Workers.
    const file = localPath(url).replace('_simd_threaded.js', '_simd.js').replace('_threaded.js', '.js');
    vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
  };
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    const p = localPath(typeof url === 'string' ? url : url.url);
    if (p.startsWith('/')) {
      const bytes = fs.readFileSync(p);
      return new Response(bytes, { status: 200, headers: { 'Content-Type': p.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' } });
    }
    return realFetch(url, init);
  };
}

let loaded;
function load() {
  if (!loaded) {
    installShim();
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    const tflite = require('@tensorflow/tfjs-tflite');
    tflite.setWasmPath(wasmDir);
    loaded = { tf, tflite };
  }
  return loaded;
}

/** Load a model (ArrayBuffer copy of the bytes) into the WASM interpreter, one thread. */
async function loadModel(modelBytes) {
  const { tf, tflite } = load();
  await tf.setBackend('cpu');
  const ab = modelBytes.buffer.slice(modelBytes.byteOffset, modelBytes.byteOffset + modelBytes.byteLength);
  // The WASM module binds console.warn as its stderr when it is first created (during the first
  // load) and prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on every load: give
  // it a console.warn without that line.
  const warn = console.warn;
  console.warn = (...args) => {
    if (!/^INFO: Created TensorFlow Lite XNNPACK delegate/.test(String(args[0]))) warn.apply(console, args);
  };
  try {
    return await tflite.loadTFLiteModel(ab, { numThreads: 1 });
  } finally {
    console.warn = warn;
  }
}

/**
 * Run a loaded model. inputs: [{ data: number[] | TypedArray, shape: number[], dtype: 'float32' | 'int32' }]
 * (int8 model inputs are passed as int32 holding the raw values). Returns [{ data, shape, dtype }].
 */
async function predict(model, inputs) {
  const { tf } = load();
  const xs = inputs.map((x) => tf.tensor(Array.from(x.data), x.shape, x.dtype === 'int8' ? 'int32' : (x.dtype ?? 'float32')));
  let ys = model.predict(xs.length === 1 ? xs[0] : xs);
  if (!Array.isArray(ys)) ys = ys instanceof tf.Tensor ? [ys] : model.outputs.map((o) => ys[o.name]);
  const out = [];
  for (const y of ys) out.push({ data: Array.from(await y.data()), shape: y.shape, dtype: y.dtype });
  tf.dispose([...xs, ...ys]);
  return out;
}

async function runTflite(modelBytes, inputs) {
  return predict(await loadModel(modelBytes), inputs);
}

module.exports = { runTflite, loadModel, predict, wasmDir };

// CLI: node tools/tflite-runtime/index.js request.json → prints {"results": [{"samples": [[outputs...], ...]} | {"error"}]}.
// request: {"jobs": [{"model": path, "samples": [[{data, shape, dtype}, ...], ...]}, ...]}
async function runSamples(req) {
  const results = [];
  for (const job of req.jobs) {
    try {
      const model = await loadModel(fs.readFileSync(job.model));
      const samples = [];
      for (const inputs of job.samples) samples.push(await predict(model, inputs));
      results.push({ samples });
    } catch (e) {
      results.push({ error: String(e && e.message ? e.message : e) });
    }
  }
  return { results };
}

if (require.main === module) {
  const req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  runSamples(req)
    .then((out) => {
      // Exit only once the whole answer is flushed: stdout to a pipe is asynchronous, and exiting
      // right after write() truncates answers larger than the pipe buffer.
      process.stdout.write(JSON.stringify(out), () => process.exit(0));
    })
    .catch((e) => {
      process.stderr.write(String(e && e.stack ? e.stack : e));
      process.exit(1);
    });
}
