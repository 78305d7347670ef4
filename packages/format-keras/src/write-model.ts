import {
  defaultOpRegistry,
  verifyGraph,
  type Graph,
  type ModelFile,
  type OpRegistry,
  type Value,
} from '@collabopt/core';
import { encodeAnnotations, METADATA_KEY } from './annotation-metadata';
import { KERAS_ERROR_CODES, kerasError, kerasUnsupported } from './errors';
import { kerasLayerWriter } from './layer-writers';
import {
  encodeWeights,
  splitShards,
  type NamedTensor,
  type WeightQuantization,
  type WeightSpec,
} from './weights-manifest';

/** TF.js' own default shard size. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export interface WriteKerasOptions {
  /** Maximum bytes per weight shard (default 4 MiB, as TF.js). */
  shardSizeBytes?: number;
  /** Store float32 weights quantized in the manifest (TF.js dequantizes on load). Default: float32. */
  weightQuantization?: WeightQuantization;
  /** Shard file name prefix (default `group1` → `group1-shard1of2.bin`). */
  shardPrefix?: string;
  /** Keep optimization annotations in `userDefinedMetadata` (default true). */
  includeAnnotations?: boolean;
  registry?: OpRegistry;
}

/** The JSON object of a TF.js Layers `model.json`. */
export interface KerasModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

export interface KerasArtifacts {
  modelJson: KerasModelJson;
  /** Shard files in manifest order (path relative to model.json). */
  shards: ModelFile[];
  /** Weight specs and the concatenated shard bytes (what `tf.io.fromMemory` takes). */
  weightSpecs: WeightSpec[];
  weightData: Uint8Array;
}

const VALID_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

/** TF.js accepts layer names matching VALID_NAME only; others are sanitised (and kept unique). */
function layerNamer(): (wanted: string) => string {
  const used = new Set<string>();
  return (wanted) => {
    let base = VALID_NAME.test(wanted)
      ? wanted
      : wanted.replace(/[^-A-Za-z0-9._/]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
    if (base === '') base = 'layer';
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/**
 * Write an IR graph as a TF.js Layers model (Keras 2 style functional topology, TF.js weight
 * manifest and shards) that `tf.loadLayersModel` loads. Annotations (masks, codebooks, quant
 * parameters, ranges) go to `userDefinedMetadata.collabopt`, so a re-import keeps them.
 */
export function writeKerasModel(graph: Graph, options: WriteKerasOptions = {}): KerasArtifacts {
  const registry = options.registry ?? defaultOpRegistry;
  verifyGraph(graph, { registry });
  const name = layerNamer();
  const producer = new Map<Value, string>();
  const layers: Record<string, unknown>[] = [];
  const tensors: NamedTensor[] = [];
  const renamed = new Map<string, string>();
  const inputLayers: [string, number, number][] = [];

  for (const node of graph.topologicalOrder()) {
    if (node.op === 'Input') {
      const layerName = name(node.name);
      renamed.set(node.name, layerName);
      const shape = node.output.shape ?? (node.attrs['shape'] as number[]);
      layers.push({
        class_name: 'InputLayer',
        name: layerName,
        config: {
          batch_input_shape: shape.map((d) => (d < 0 ? null : d)),
          dtype: node.output.dtype,
          sparse: false,
          name: layerName,
        },
        inbound_nodes: [],
      });
      producer.set(node.output, layerName);
      continue;
    }
    const writer = kerasLayerWriter(node.op);
    if (writer === undefined) {
      throw kerasUnsupported(
        `node "${node.name}" has op ${node.op}, which has no TF.js Layers equivalent; register one with registerKerasLayerWriter("${node.op}", ...)`,
        { node: node.name, field: 'op' },
      );
    }
    if (node.outputs.length !== 1)
      throw kerasUnsupported(
        `node "${node.name}" has ${node.outputs.length} outputs; Keras layers here have one`,
        { node: node.name },
      );
    const emitted = writer(node, registry.resolveAttrs(node));
    const ref = (layer: string): [string, number, number, Record<string, never>] => [
      layer,
      0,
      0,
      {},
    ];
    const helpers = new Map<string, string>();
    let previous: string | undefined;
    for (const layer of emitted) {
      const layerName = name(
        layer.suffix === undefined ? node.name : `${node.name}_${layer.suffix}`,
      );
      if (layer.suffix === undefined) renamed.set(node.name, layerName);
      else helpers.set(layer.suffix, layerName);
      const inbound =
        layer.inputs !== undefined
          ? layer.inputs.map((i) =>
              ref(typeof i === 'number' ? producer.get(node.inputs[i]!)! : helpers.get(i)!),
            )
          : previous !== undefined
            ? [ref(previous)]
            : node.inputs.map((v) => ref(producer.get(v)!));
      layers.push({
        class_name: layer.className,
        name: layerName,
        config: { name: layerName, trainable: true, dtype: 'float32', ...layer.config },
        inbound_nodes: [inbound],
      });
      for (const [kerasName, slot] of layer.weights) {
        const t = typeof slot === 'string' ? node.weights[slot]?.tensor : slot;
        if (t === undefined) {
          throw kerasError(
            KERAS_ERROR_CODES.manifestMismatch,
            `node "${node.name}" lacks weight "${String(slot)}"`,
            { node: node.name, field: String(slot) },
          );
        }
        tensors.push({ name: `${layerName}/${kerasName}`, tensor: t });
      }
      previous = layerName;
    }
    producer.set(node.output, previous!);
  }
  for (const v of graph.inputs) inputLayers.push([producer.get(v)!, 0, 0]);
  const outputLayers = graph.outputs.map((v): [string, number, number] => [producer.get(v)!, 0, 0]);

  const { specs, data } = encodeWeights(tensors, options.weightQuantization);
  const parts = splitShards(data, options.shardSizeBytes ?? DEFAULT_SHARD_BYTES);
  const prefix = options.shardPrefix ?? 'group1';
  const shards = parts.map((bytes, i) => ({
    path: `${prefix}-shard${i + 1}of${parts.length}.bin`,
    bytes,
  }));

  const modelJson: KerasModelJson = {
    format: 'layers-model',
    generatedBy: '@collabopt/format-keras',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: graph.name, layers, input_layers: inputLayers, output_layers: outputLayers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs }],
  };
  if (options.includeAnnotations !== false) {
    const annotations = encodeAnnotations(graph, {
      node: (n) => renamed.get(n) ?? n,
      value: (v) => producer.get(v) ?? v.name,
    });
    if (annotations !== undefined) modelJson.userDefinedMetadata = { [METADATA_KEY]: annotations };
  }
  return { modelJson, shards, weightSpecs: specs, weightData: data };
}

/** `model.json` bytes followed by the shard files (what a FormatDefinition writer returns). */
export function kerasModelFiles(artifacts: KerasArtifacts, fileName = 'model.json'): ModelFile[] {
  const json = new TextEncoder().encode(JSON.stringify(artifacts.modelJson));
  return [{ path: fileName, bytes: json }, ...artifacts.shards];
}
