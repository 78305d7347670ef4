import {
  defaultOpRegistry,
  verifyGraph,
  type Graph,
  type OpRegistry,
  type ProgressReporter,
} from '@collabopt/core';
import type { KerasGeneration } from './activations';
import { METADATA_KEY, restoreAnnotations } from './annotation-metadata';
import { KERAS_ERROR_CODES, kerasError, kerasUnsupported } from './errors';
import { JsonReader, parseJson } from './json';
import { TopologyReader } from './topology-reader';
import { readWeights, type ShardReader } from './weights-manifest';

export interface ReadKerasOptions {
  /** Op registry the graph is built against (custom layers register their ops here). Default: defaultOpRegistry. */
  registry?: OpRegistry;
  /** Seed for the initial weights of a topology-only file (`model.to_json()` output). */
  seed?: number;
  /**
   * Bytes the initial weights of a topology-only file may take in total (default
   * DEFAULT_INITIAL_WEIGHT_BUDGET_BYTES); a larger model is a BudgetExceededError naming the layer.
   */
  initialWeightBudgetBytes?: number;
  /** Cancels reading between shards (a CancelledError). */
  signal?: AbortSignal;
  /** Reports shard reading. */
  progress?: ProgressReporter;
}

/** Graph metadata key with facts about the source file (Keras version, producer, reader warnings). */
export const KERAS_METADATA_KEY = 'keras';

export interface KerasSourceInfo {
  kerasVersion?: string;
  backend?: string;
  generatedBy?: string;
  convertedBy?: string;
  generation: KerasGeneration;
  topologyOnly: boolean;
  warnings: string[];
}

function optString(r: JsonReader, key: string): string | undefined {
  const v = r.get(key);
  return typeof v.value === 'string' ? v.value : undefined;
}

/**
 * Read a TF.js Layers `model.json` (object, text or bytes) into the IR. `readShard` returns the
 * bytes of a shard path listed in the weights manifest. A Keras `model.to_json()` topology without
 * weights is accepted too: its weights are initialised like Keras' `model_from_json` does.
 * Every failure is a typed error (see KERAS_ERROR_CODES); no partial graph is returned.
 */
export async function readKerasModel(
  json: unknown,
  readShard?: ShardReader,
  options: ReadKerasOptions = {},
): Promise<Graph> {
  const parsed = json instanceof Uint8Array || typeof json === 'string' ? parseJson(json) : json;
  const root = new JsonReader(parsed, 'model.json');
  root.object();
  const format = optString(root, 'format');
  if (format !== undefined && format !== 'layers-model') {
    throw kerasUnsupported(
      `model.json has format "${format}"; only TF.js Layers models ("layers-model", Keras topology) can be read — graph models carry no Keras layers`,
      { field: 'format' },
    );
  }
  let topology: JsonReader;
  let manifest: JsonReader | undefined;
  if (root.has('modelTopology')) {
    topology = root.get('modelTopology');
    const m = root.get('weightsManifest');
    manifest = m.isNull() ? undefined : m;
  } else if (root.has('class_name') || root.has('model_config')) {
    topology = root;
  } else {
    throw kerasError(
      KERAS_ERROR_CODES.badJson,
      'model.json has neither "modelTopology" (TF.js Layers model) nor "class_name" (Keras JSON)',
      {
        field: 'modelTopology',
      },
    );
  }
  topology.object();
  const model = topology.has('model_config') ? topology.get('model_config') : topology;
  const className = model.get('class_name').string();
  if (className !== 'Sequential' && className !== 'Model' && className !== 'Functional') {
    throw kerasError(
      KERAS_ERROR_CODES.badTopology,
      `top-level class "${className}" is not a Keras model (Sequential, Model or Functional)`,
      {
        field: 'class_name',
      },
    );
  }
  const config = model.get('config');
  const kerasVersion = optString(topology, 'keras_version') ?? optString(model, 'keras_version');
  const generation: KerasGeneration = kerasVersion?.startsWith('3') || model.has('module') ? 3 : 2;

  let weights;
  if (manifest !== undefined) {
    if (readShard === undefined) {
      throw kerasError(
        KERAS_ERROR_CODES.missingShard,
        'model.json lists weight shards but no way to read them was given',
      );
    }
    weights = await readWeights(manifest, readShard, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
  }
  const modelName =
    config.isObject() && typeof config.get('name').value === 'string'
      ? config.get('name').string()
      : 'model';
  const registry = options.registry ?? defaultOpRegistry;
  const reader = new TopologyReader(modelName, {
    registry,
    weights,
    generation,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.initialWeightBudgetBytes !== undefined
      ? { initialWeightBudgetBytes: options.initialWeightBudgetBytes }
      : {}),
  });
  const graph = reader.read(className, config);

  const warnings: string[] = [];
  const udm = root.get('userDefinedMetadata');
  if (udm.isObject() && udm.has(METADATA_KEY))
    warnings.push(...restoreAnnotations(graph, udm.get(METADATA_KEY).value));
  const info: KerasSourceInfo = {
    generation,
    topologyOnly: manifest === undefined,
    warnings,
    ...(kerasVersion !== undefined ? { kerasVersion } : {}),
    ...(optString(topology, 'backend') !== undefined
      ? { backend: optString(topology, 'backend')! }
      : {}),
    ...(optString(root, 'generatedBy') !== undefined
      ? { generatedBy: optString(root, 'generatedBy')! }
      : {}),
    ...(optString(root, 'convertedBy') !== undefined
      ? { convertedBy: optString(root, 'convertedBy')! }
      : {}),
  };
  graph.metadata[KERAS_METADATA_KEY] = info;
  verifyGraph(graph, { registry });
  return graph;
}
