import { TFLITE_SCHEMA_VERSION } from '../schema/tables/model';
import type {
  BuiltinOptions,
  TflModel,
  TflOperatorCode,
  TflQuantization,
  TflSparsity,
  TflTensor,
} from '../schema/model-types';

export interface TensorSpec {
  name: string;
  type: number;
  /** IR shape; −1 entries become 1 in `shape` and are kept in `shape_signature`. */
  shape: readonly number[];
  quantization?: TflQuantization;
  sparsity?: TflSparsity;
  data?: Uint8Array;
}

/** Collects tensors, buffers, operator codes and operators of one subgraph, then assembles a TflModel. */
export class TfliteModelBuilder {
  private readonly buffers: Uint8Array[] = [new Uint8Array(0)];
  private readonly tensors: TflTensor[] = [];
  private readonly operators: TflModel['subgraphs'][number]['operators'] = [];
  private readonly codes: TflOperatorCode[] = [];
  private readonly codeIndex = new Map<string, number>();
  private readonly names = new Set<string>();

  /** Add a tensor; returns its index. Names are made unique. */
  addTensor(spec: TensorSpec): number {
    const hasUnknown = spec.shape.some((d) => d < 0);
    const tensor: TflTensor = {
      shape: spec.shape.map((d) => (d < 0 ? 1 : d)),
      type: spec.type,
      buffer: 0,
      name: this.uniqueName(spec.name),
    };
    if (hasUnknown) tensor.shapeSignature = [...spec.shape];
    if (spec.quantization) tensor.quantization = spec.quantization;
    if (spec.sparsity) tensor.sparsity = spec.sparsity;
    if (spec.data) {
      tensor.buffer = this.buffers.length;
      this.buffers.push(spec.data);
    }
    this.tensors.push(tensor);
    return this.tensors.length - 1;
  }

  tensor(index: number): TflTensor {
    return this.tensors[index]!;
  }

  addOperator(
    code: number,
    version: number,
    inputs: number[],
    outputs: number[],
    optionsType = 0,
    options?: BuiltinOptions,
  ): void {
    const key = `${code}:${version}`;
    let opcodeIndex = this.codeIndex.get(key);
    if (opcodeIndex === undefined) {
      opcodeIndex = this.codes.length;
      this.codes.push({ builtinCode: code, version });
      this.codeIndex.set(key, opcodeIndex);
    }
    this.operators.push({
      opcodeIndex,
      inputs,
      outputs,
      builtinOptionsType: optionsType,
      ...(options ? { builtinOptions: options } : {}),
    });
  }

  build(inputs: number[], outputs: number[], name: string, description: string): TflModel {
    return {
      version: TFLITE_SCHEMA_VERSION,
      operatorCodes: this.codes,
      subgraphs: [{ tensors: this.tensors, inputs, outputs, operators: this.operators, name }],
      description,
      buffers: this.buffers,
    };
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }
}
