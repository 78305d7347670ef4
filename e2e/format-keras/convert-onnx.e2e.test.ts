// Files on disk through the format registry: the nsfwjs MobileNetV2 model.json + shard → ONNX →
// model.json again; tfjs-layers must load the final file and predict what it predicted for the original.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FormatRegistry, readModel, writeModel } from '@collabopt/core';
import { registerKerasFormat } from '@collabopt/format-keras';
import { registerOnnxFormat } from '@collabopt/format-onnx';
import {
  fashionImage,
  loadInTfjs,
  loadNsfwjsModel,
  maxAbsDiff,
  predictTfjs,
  tfReady,
} from './tfjs-helpers';

function loadFromDisk(dir: string): Promise<import('./tfjs-helpers').tfl.LayersModel> {
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const shards: Record<string, Uint8Array> = {};
  for (const g of json['weightsManifest'] as { paths: string[] }[]) {
    for (const p of g.paths) shards[p] = new Uint8Array(readFileSync(path.join(dir, p)));
  }
  return loadInTfjs(json, shards);
}

describe('model.json → ONNX → model.json through readModel/writeModel', () => {
  it('gives a file tfjs-layers predicts the same with', async () => {
    const formats = new FormatRegistry();
    registerKerasFormat(formats);
    registerOnnxFormat(formats);
    const root = mkdtempSync(path.join(os.tmpdir(), 'format-keras-convert-'));
    try {
      const { modelJson, shards } = loadNsfwjsModel();
      const inDir = path.join(root, 'in');
      mkdirSync(inDir);
      const json = JSON.parse(JSON.stringify(modelJson)) as {
        weightsManifest: { paths: string[] }[];
      };
      json.weightsManifest[0]!.paths = ['group1-shard1of1.bin'];
      writeFileSync(path.join(inDir, 'model.json'), JSON.stringify(json));
      writeFileSync(path.join(inDir, 'group1-shard1of1.bin'), shards['group1-shard1of1']!);

      const graph = await readModel(path.join(inDir, 'model.json'), { formats });
      expect(graph.metadata['sourceFormat']).toBe('keras');
      await writeModel(graph, path.join(root, 'mid', 'model.onnx'), { formats });
      const fromOnnx = await readModel(path.join(root, 'mid', 'model.onnx'), { formats });
      const written = await writeModel(fromOnnx, path.join(root, 'out', 'model.json'), { formats });
      expect(written.map((p) => path.basename(p))[0]).toBe('model.json');

      const image = fashionImage(1, 224);
      const original = await loadFromDisk(inDir);
      const converted = await loadFromDisk(path.join(root, 'out'));
      await tfReady();
      expect(
        maxAbsDiff(predictTfjs(converted, [image])[0]!, predictTfjs(original, [image])[0]!),
      ).toBeLessThanOrEqual(1e-5);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
