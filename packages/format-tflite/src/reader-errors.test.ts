import { isCollaboptError } from '@collabopt/core';
import { convFamilyModel } from '../test/models';
import { writeTflite } from './export/writer';
import { readTflite } from './import/reader';
import { BuiltinOperator as Op, TensorType } from './schema/enums';
import type { TflModel } from './schema/model-types';
import { parseModel, serializeModel } from './schema/tables/model';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!isCollaboptError(e)) throw e;
    return e.code;
  }
  return 'no error';
}

/** A one-op model: input [1, 4] float → op → output [1, 4]. */
function oneOpModel(code: number, outShape = [1, 4]): TflModel {
  return {
    version: 3,
    operatorCodes: [{ builtinCode: code, version: 1 }],
    subgraphs: [
      {
        tensors: [
          { shape: [1, 4], type: TensorType.FLOAT32, buffer: 0, name: 'x' },
          { shape: [1, 4], type: TensorType.FLOAT32, buffer: 0, name: 'y' },
          { shape: outShape, type: TensorType.FLOAT32, buffer: 0, name: 'z' },
        ],
        inputs: [0, 1],
        outputs: [2],
        operators: [{ opcodeIndex: 0, inputs: [0, 1], outputs: [2], builtinOptionsType: 0 }],
      },
    ],
    buffers: [new Uint8Array(0)],
  };
}

describe('readTflite errors', () => {
  const good = writeTflite(convFamilyModel());

  it('rejects a wrong file identifier', () => {
    const bad = good.slice();
    bad[4] = 0x58;
    expect(codeOf(() => readTflite(bad))).toBe('TFLITE_BAD_IDENTIFIER');
    expect(codeOf(() => readTflite(new TextEncoder().encode('{"format": "layers-model"}')))).toBe(
      'TFLITE_BAD_IDENTIFIER',
    );
  });

  it('rejects truncated files', () => {
    expect(codeOf(() => readTflite(good.subarray(0, 5)))).toBe('TFLITE_TRUNCATED');
    for (const n of [16, 200, good.length >> 1, good.length - 7]) {
      expect(['TFLITE_TRUNCATED', 'TFLITE_INVALID']).toContain(
        codeOf(() => readTflite(good.subarray(0, n))),
      );
    }
  });

  it('rejects an offset pointing outside the file', () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(0, bad.length + 100, true);
    expect(codeOf(() => readTflite(bad))).toBe('TFLITE_INVALID');
  });

  it('names an unsupported operator and its index', () => {
    const bytes = serializeModel(oneOpModel(42 /* DIV */));
    let message = '';
    try {
      readTflite(bytes, { file: 'div.tflite' });
    } catch (e) {
      expect(isCollaboptError(e) && e.code).toBe('TFLITE_UNSUPPORTED_OP');
      message = (e as Error).message;
    }
    expect(message).toContain('DIV');
    expect(message).toContain('operator index 0');
    expect(message).toContain('div.tflite');
  });

  it('reports inconsistent tensor shapes with the operator index', () => {
    const bytes = serializeModel(oneOpModel(Op.ADD, [1, 5]));
    expect(codeOf(() => readTflite(bytes))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => readTflite(serializeModel(oneOpModel(Op.ADD))))).toBe('no error');
  });

  it('rejects a constant whose buffer does not match its shape', () => {
    const m = parseModel(good);
    const sg = m.subgraphs[0]!;
    const k = sg.tensors.find((t) => t.name === 'c1/kernel')!;
    k.shape = [8, 3, 3, 4];
    expect(codeOf(() => readTflite(serializeModel(m)))).toBe('TFLITE_INVALID');
  });

  it('rejects tensor indices out of range', () => {
    const m = parseModel(good);
    m.subgraphs[0]!.operators[0]!.inputs[0] = 9999;
    expect(codeOf(() => readTflite(serializeModel(m)))).toBe('TFLITE_INVALID');
  });

  it('round-trips a model through parse and serialize', () => {
    const m = parseModel(good);
    const again = parseModel(serializeModel(m));
    expect(again.subgraphs[0]!.tensors.map((t) => t.name)).toEqual(
      m.subgraphs[0]!.tensors.map((t) => t.name),
    );
    expect(again.buffers.map((b) => b.length)).toEqual(m.buffers.map((b) => b.length));
  });
});
