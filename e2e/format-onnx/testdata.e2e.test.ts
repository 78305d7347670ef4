/**
 * Debian libonnx-testdata (the ONNX backend test cases): every single-op and small-model case is
 * offered to the reader; the cases it imports (supported ops and layouts) run in our engine and
 * must match the expected outputs. Cases using unsupported ops must fail with typed errors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CollaboptError,
  UnsupportedError,
  floatTensor,
  type Graph,
  type Tensor,
} from '@collabopt/core';
import { createEngine, type Engine } from '@collabopt/engine';
import { decodeModel, readOnnx } from '@collabopt/format-onnx';
import { decodeTensor } from './tensor-file';
import { toNchw, toNhwc, type Arr } from './helpers';

const ROOT = '/usr/share/libonnx-testdata/data';
const SUITES = ['node', 'simple', 'pytorch-operator', 'pytorch-converted'];

function close(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (!(Math.abs(a[i]! - b[i]!) <= 1e-4 + 1e-3 * Math.abs(b[i]!))) return false;
  return true;
}

interface Outcome {
  status: 'pass' | 'fail' | 'unsupported';
  detail: string;
}

async function runCase(engine: Engine, dir: string): Promise<Outcome> {
  const data = path.join(dir, 'test_data_set_0');
  if (!existsSync(path.join(dir, 'model.onnx')) || !existsSync(data))
    return { status: 'unsupported', detail: 'no model or data' };
  let inputs: ReturnType<typeof decodeTensor>[];
  let outputs: ReturnType<typeof decodeTensor>[];
  try {
    inputs = readdirSync(data)
      .filter((f) => f.startsWith('input_'))
      .sort()
      .map((f) => decodeTensor(readFileSync(path.join(data, f))));
    outputs = readdirSync(data)
      .filter((f) => f.startsWith('output_'))
      .sort()
      .map((f) => decodeTensor(readFileSync(path.join(data, f))));
  } catch (e) {
    if (e instanceof CollaboptError)
      return { status: 'unsupported', detail: `test data: ${e.code}` };
    throw e;
  }
  const bytes = new Uint8Array(readFileSync(path.join(dir, 'model.onnx')));
  let graph: Graph | undefined;
  let fed = inputs;
  // The .pb files may not carry the input names: match them to the graph inputs by position.
  const model = decodeModel(bytes);
  const initNames = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const inputNames = (model.graph?.input ?? [])
    .map((v) => v.name ?? '')
    .filter((n) => !initNames.has(n));
  if (inputNames.length !== inputs.length) return { status: 'unsupported', detail: 'input count' };
  inputs = inputs.map((t, i) => ({ name: inputNames[i]!, tensor: t.tensor }));
  const inputShapes = Object.fromEntries(inputs.map((t) => [t.name, t.tensor.shape]));
  // All inputs as graph inputs first; when the reader needs some to be constants (weights fed as
  // inputs), retry with every input after the first bound as a constant.
  for (const bindRest of [false, true]) {
    try {
      const bindInputs: Record<string, Tensor> = {};
      if (bindRest) inputs.slice(1).forEach((t) => (bindInputs[t.name] = t.tensor));
      graph = await readOnnx(bytes, { bindInputs, inputShapes });
      fed = bindRest ? inputs.slice(0, 1) : inputs;
      break;
    } catch (e) {
      if (!(e instanceof CollaboptError))
        return { status: 'fail', detail: `untyped error ${(e as Error).message}` };
      if (bindRest || inputs.length < 2) return { status: 'unsupported', detail: e.code };
    }
  }
  if (graph === undefined) return { status: 'unsupported', detail: 'not imported' };
  if (outputs.length !== graph.outputs.length)
    return { status: 'unsupported', detail: 'output count' };
  if (fed.some((t) => t.tensor.dtype !== 'float32'))
    return { status: 'unsupported', detail: 'non-float input' };
  const layouts = graph.metadata['onnx'] as {
    inputLayouts: Record<string, string>;
    outputLayouts: Record<string, string>;
  };
  const feeds = fed.map((t) => {
    const arr: Arr = { data: t.tensor.data as Float32Array, dims: [...t.tensor.shape] };
    const f = layouts.inputLayouts[t.name] === 'nchw' ? toNhwc(arr) : arr;
    return floatTensor(f.dims, f.data);
  });
  let got: Tensor[];
  try {
    got = await engine.predict(graph, feeds);
  } catch (e) {
    if (e instanceof UnsupportedError)
      return { status: 'unsupported', detail: `engine: ${e.code}` };
    return { status: 'fail', detail: `engine error: ${(e as Error).message.slice(0, 200)}` };
  }
  for (let i = 0; i < outputs.length; i++) {
    const expected = outputs[i]!.tensor;
    if (expected.dtype !== 'float32') return { status: 'unsupported', detail: 'non-float output' };
    let out: Arr = {
      data: Float32Array.from(got[i]!.data as Float32Array),
      dims: [...got[i]!.shape],
    };
    if (
      layouts.outputLayouts[graph.outputs[i]!.name] === 'nchw' ||
      (out.dims.length === 4 && expected.shape.length === 4 && out.dims[3] !== expected.shape[3])
    )
      out = toNchw(out);
    if (!close(out.data, expected.data as Float32Array))
      return { status: 'fail', detail: `output ${i} differs` };
  }
  return { status: 'pass', detail: '' };
}

const available = existsSync(ROOT);
(available ? describe : describe.skip)('libonnx-testdata through the reader and the engine', () => {
  it('imports the supported cases and matches their expected outputs', async () => {
    const engine = await createEngine();
    const results: { name: string; o: Outcome }[] = [];
    for (const suite of SUITES) {
      const dir = path.join(ROOT, suite);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort())
        results.push({ name: `${suite}/${name}`, o: await runCase(engine, path.join(dir, name)) });
    }
    const pass = results.filter((r) => r.o.status === 'pass');
    const fail = results.filter((r) => r.o.status === 'fail');
    console.log(
      `libonnx-testdata: ${results.length} cases, ${pass.length} pass, ${fail.length} fail, ${results.length - pass.length - fail.length} unsupported\npassing: ${pass.map((r) => r.name).join(' ')}\nfailing: ${fail.map((r) => `${r.name} (${r.o.detail})`).join('; ')}`,
    );
    const interesting = results.filter(
      (r) =>
        r.o.status === 'unsupported' &&
        /conv|pool|gemm|matmul|batchnorm|relu|clip|sigmoid|swish|softmax|concat|reshape|flatten|pad|resize|upsample|add|sub|mul|div|elu|softplus|transpose/i.test(
          r.name,
        ),
    );
    console.log(
      `unsupported among mapped op kinds: ${interesting.map((r) => `${r.name} (${r.o.detail})`).join('; ')}`,
    );
    expect(fail.filter((r) => r.o.detail.startsWith('untyped'))).toEqual([]);
    expect(fail).toEqual([]);
    expect(pass.length).toBeGreaterThanOrEqual(130);
  });
});
