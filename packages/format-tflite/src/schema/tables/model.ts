import { Builder } from 'flatbuffers';
import { badIdentifier, invalid, truncated } from '../../errors';
import { FlatView } from '../flat-reader';
import type { TflModel } from '../model-types';
import { buildBuffer, readBuffer } from './buffer';
import { buildOperatorCode, readOperatorCode } from './operator-code';
import { buildSubGraph, readSubGraph } from './subgraph';
import { offsetVector } from './vectors';

export const TFLITE_IDENTIFIER = 'TFL3';
export const TFLITE_SCHEMA_VERSION = 3;

/** Whether bytes 4–7 hold the TFLite file identifier. */
export function hasTfliteIdentifier(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[4] === 0x54 &&
    bytes[5] === 0x46 &&
    bytes[6] === 0x4c &&
    bytes[7] === 0x33
  );
}

/** Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers. */
export function parseModel(input: Uint8Array, file?: string): TflModel {
  // A plain Uint8Array view: Node Buffers have different slice() semantics.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 8)
    throw truncated(`the 8-byte header (file has ${bytes.length} bytes)`, 0, file);
  if (!hasTfliteIdentifier(bytes)) {
    throw badIdentifier(
      String.fromCharCode(...bytes.subarray(4, 8)).replace(/[^\x20-\x7e]/g, '?'),
      file,
    );
  }
  const view = new FlatView(bytes, file);
  const root = view.root('Model');
  const version = root.u32(0, 0);
  if (version !== TFLITE_SCHEMA_VERSION)
    throw invalid(`schema version ${version}, expected ${TFLITE_SCHEMA_VERSION}`, root.pos, file);
  const model: TflModel = {
    version,
    operatorCodes: root.tables(1, 'Model.operator_codes').map(readOperatorCode),
    subgraphs: root.tables(2, 'Model.subgraphs').map(readSubGraph),
    buffers: root.tables(4, 'Model.buffers').map(readBuffer),
  };
  const description = root.string(3, 'Model.description');
  if (description !== undefined) model.description = description;
  return model;
}

/** Serialize a model with the "TFL3" identifier. */
export function serializeModel(model: TflModel): Uint8Array {
  const size = 1024 + model.buffers.reduce((s, x) => s + x.length + 32, 0);
  const b = new Builder(size);
  // Buffers first: they are the bulk of the file and get 16-byte alignment.
  const buffers = offsetVector(
    b,
    model.buffers.map((x) => buildBuffer(b, x)),
  );
  const codes = offsetVector(
    b,
    model.operatorCodes.map((c) => buildOperatorCode(b, c)),
  );
  const subgraphs = offsetVector(
    b,
    model.subgraphs.map((s) => buildSubGraph(b, s)),
  );
  const description = model.description !== undefined ? b.createString(model.description) : 0;
  b.startObject(5);
  b.addFieldInt32(0, model.version, null);
  b.addFieldOffset(1, codes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  const root = b.endObject();
  b.finish(root, TFLITE_IDENTIFIER);
  return b.asUint8Array().slice();
}
