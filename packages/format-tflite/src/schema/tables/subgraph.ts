import type { Builder } from 'flatbuffers';
import type { FlatTable } from '../flat-reader';
import type { TflSubGraph } from '../model-types';
import { buildOperator, readOperator } from './operator';
import { buildTensor, readTensor } from './tensor';
import { int32Vector, offsetVector } from './vectors';

/** SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name. */
export function readSubGraph(t: FlatTable): TflSubGraph {
  const sg: TflSubGraph = {
    tensors: t.tables(0, 'SubGraph.tensors').map(readTensor),
    inputs: t.i32s(1, 'SubGraph.inputs'),
    outputs: t.i32s(2, 'SubGraph.outputs'),
    operators: t.tables(3, 'SubGraph.operators').map(readOperator),
  };
  const name = t.string(4, 'SubGraph.name');
  if (name !== undefined) sg.name = name;
  return sg;
}

export function buildSubGraph(b: Builder, sg: TflSubGraph): number {
  const tensors = offsetVector(
    b,
    sg.tensors.map((x) => buildTensor(b, x)),
  );
  const inputs = int32Vector(b, sg.inputs);
  const outputs = int32Vector(b, sg.outputs);
  const operators = offsetVector(
    b,
    sg.operators.map((x) => buildOperator(b, x)),
  );
  const name = sg.name !== undefined ? b.createString(sg.name) : 0;
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operators, 0);
  b.addFieldOffset(4, name, 0);
  return b.endObject();
}
