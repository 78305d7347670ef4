import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { open } from 'node:fs/promises';
import { arrayDataSource, matchSampleShape, storedLabels } from './array-data-source';
import { loadFashionMnist, loadMnistDigits, FASHION_MNIST_DIR } from './builtin-datasets';
import { DataError } from './data-error';
import { dataSourceFromDataset, type DataSource } from './data-source';
import { openIdxFile } from './idx-file';
import { imageFolderSource, listImageFolder } from './image-folder';
import {
  DEFAULT_IMAGE_SCALE,
  applyPreprocessing,
  checkPreprocessing,
  type Preprocessing,
  type PreprocessingText,
} from './preprocessing';
import { inflateToTemporaryFile, openNpyAt, type StoredArray } from './stored-array';
import { readZipEntries } from './zip-entries';

/** The built-in data sets (`mnist` is embedded; `fashion-mnist` is read from its idx files). */
export const BUILTIN_DATA_SETS = ['mnist', 'fashion-mnist'] as const;
export type BuiltinDataSetName = (typeof BUILTIN_DATA_SETS)[number];

/** What `--data` accepts, for error messages and help. */
export const DATA_SPEC_HELP =
  'a built-in name (mnist, fashion-mnist), an image folder (one subfolder per class, or images only; PNG/JPEG/WebP), a .npy file (inputs), a .npz file (x, optional y) or an idx images file (MNIST format, optionally .gz, labels found next to it)';

export interface OpenDataSetOptions {
  /** The model input shape, with or without the batch dimension (`[-1, 28, 28, 1]` or `[28, 28, 1]`). */
  readonly inputShape: readonly number[];
  /** Preprocessing given by the user (the rest comes from defaults: 1/255 for 8-bit data). */
  readonly preprocess?: PreprocessingText;
  /** `none`: ignore labels the data has (training then distils from the float model). */
  readonly labels?: 'auto' | 'none';
  /** Built-ins: which part (default `train`). */
  readonly split?: 'train' | 'test';
  /** Where Fashion-MNIST's idx files are (default the Debian location). */
  readonly fashionMnistDir?: string;
}

function samplePart(inputShape: readonly number[]): readonly number[] {
  return inputShape.length >= 4 || (inputShape.length >= 2 && inputShape[0]! < 0)
    ? inputShape.slice(1)
    : inputShape;
}

function resolvePreprocessing(
  given: PreprocessingText | undefined,
  eightBit: boolean,
  image: boolean,
  channels: number,
): Preprocessing {
  const user = given !== undefined && Object.keys(given).length > 0;
  const p: Preprocessing = {
    scale: given?.scale ?? (eightBit ? DEFAULT_IMAGE_SCALE : 1),
    offset: given?.offset ?? 0,
    mean: given?.mean ?? [],
    std: given?.std ?? [],
    source: user ? 'user' : 'default',
    ...(image
      ? { channelOrder: given?.channelOrder ?? 'rgb', resize: given?.resize ?? 'stretch', channels }
      : {}),
  };
  checkPreprocessing(p, channels);
  return p;
}

async function builtin(
  name: BuiltinDataSetName,
  sample: readonly number[],
  options: OpenDataSetOptions,
): Promise<DataSource> {
  const pair =
    name === 'mnist'
      ? loadMnistDigits()
      : loadFashionMnist(options.fashionMnistDir ?? FASHION_MNIST_DIR);
  const data = options.split === 'test' ? pair.test : pair.train;
  const origin =
    name === 'mnist' ? 'mnist (embedded)' : (options.fashionMnistDir ?? FASHION_MNIST_DIR);
  try {
    matchSampleShape(data.sampleShape, sample, origin);
  } catch {
    throw new DataError(
      'DATA_SHAPE',
      `built-in data set "${name}" has 28×28×1 samples, the model input is [${sample.join(', ')}]; give your own data: ${DATA_SPEC_HELP}`,
      { file: origin },
    );
  }
  const p = resolvePreprocessing(options.preprocess, true, false, 1);
  const inner = dataSourceFromDataset(data);
  // The built-in arrays hold pixels already scaled by 1/255: rescale only for other preprocessing.
  const isDefault = p.scale === DEFAULT_IMAGE_SCALE && p.offset === 0 && p.mean.length === 0;
  return {
    ...inner,
    name: data.name ?? name,
    origin,
    preprocessing: p,
    ...(options.labels === 'none'
      ? { labels: undefined }
      : { labels: { kind: 'class', numClasses: 10 } }),
    async read(indices) {
      const b = await inner.read(indices);
      if (!isDefault) {
        for (let i = 0; i < b.x.length; i++) b.x[i] = Math.round(b.x[i]! * 255);
        applyPreprocessing(p, b.x, 1);
      }
      return options.labels === 'none' ? { x: b.x, size: b.size } : b;
    },
  };
}

async function npzArrays(file: string): Promise<{ x: StoredArray; y?: StoredArray }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new DataError(
      'DATA_NOT_FOUND',
      `cannot open: ${e instanceof Error ? e.message : String(e)}`,
      { file },
    );
  }
  let entries;
  try {
    entries = await readZipEntries(fh, file);
  } finally {
    await fh.close();
  }
  const member = async (name: string): Promise<StoredArray | undefined> => {
    const e = entries.find((m) => m.name === `${name}.npy` || m.name === name);
    if (e === undefined) return undefined;
    const origin = `${file}:${e.name}`;
    if (e.method === 0) return openNpyAt(file, e.dataOffset, origin);
    const temp = await inflateToTemporaryFile(
      file,
      e.dataOffset,
      e.compressedSize,
      'deflate',
      origin,
    );
    return openNpyAt(temp, 0, origin);
  };
  const x = await member('x');
  if (x === undefined)
    throw new DataError(
      'DATA_SHAPE',
      `the .npz holds ${entries.map((e) => e.name).join(', ') || 'nothing'}; it needs an array "x" (and optionally "y")`,
      { file },
    );
  const y = await member('y');
  return y === undefined ? { x } : { x, y };
}

/** The labels idx file next to an images idx file (`…images-idx3…` → `…labels-idx1…`). */
async function idxLabelsFor(file: string): Promise<string | undefined> {
  const name = basename(file);
  const candidate = name
    .replace('images-idx3', 'labels-idx1')
    .replace('images.idx3', 'labels.idx1');
  if (candidate === name) return undefined;
  for (const n of [
    candidate,
    candidate.replace(/\.gz$/, ''),
    `${candidate.replace(/\.gz$/, '')}.gz`,
  ]) {
    const p = join(dirname(file), n);
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

async function arrays(
  x: StoredArray,
  y: StoredArray | undefined,
  sample: readonly number[],
  options: OpenDataSetOptions,
  name: string,
): Promise<DataSource> {
  const count = x.shape[0];
  if (count === undefined || x.shape.length < 2)
    throw new DataError(
      'DATA_SHAPE',
      `inputs of shape [${x.shape.join(', ')}] have no sample axis`,
      { file: x.origin },
    );
  if (count === 0)
    throw new DataError('DATA_EMPTY', 'the array holds no samples', { file: x.origin });
  const sampleShape = matchSampleShape(x.shape.slice(1), sample, x.origin);
  const channels = sampleShape[sampleShape.length - 1] ?? 1;
  const eightBit = x.dtype.kind === 'u' && x.dtype.bytes === 1;
  const preprocessing = resolvePreprocessing(options.preprocess, eightBit, false, channels);
  const labels =
    y !== undefined && options.labels !== 'none' ? await storedLabels(y, count) : undefined;
  return arrayDataSource({
    name,
    x: { ...x, shape: [count, ...sampleShape] },
    sampleShape,
    preprocessing,
    ...(labels !== undefined ? { labels } : {}),
  });
}

/**
 * Open a data set for a model input: `spec` is a built-in name, an image folder or an array file
 * (see {@link DATA_SPEC_HELP}). Samples are read on demand in batches, so the data may be larger
 * than memory; the preprocessing is recorded on the result. Every problem is a DataError naming
 * the file.
 */
export async function openDataSet(spec: string, options: OpenDataSetOptions): Promise<DataSource> {
  const sample = samplePart(options.inputShape);
  if ((BUILTIN_DATA_SETS as readonly string[]).includes(spec))
    return builtin(spec as BuiltinDataSetName, sample, options);
  let info;
  try {
    info = await stat(spec);
  } catch {
    throw new DataError('DATA_NOT_FOUND', `no such data set; --data takes ${DATA_SPEC_HELP}`, {
      file: spec,
    });
  }
  const name = basename(spec);
  if (info.isDirectory()) {
    const listing = await listImageFolder(spec);
    const channels = sample[sample.length - 1] ?? 0;
    const p = resolvePreprocessing(options.preprocess, true, true, channels);
    const source = imageFolderSource(
      options.labels === 'none' ? { folder: listing.folder, files: listing.files } : listing,
      sample,
      p,
      name,
    );
    return source;
  }
  if (!info.isFile())
    throw new DataError('DATA_UNREADABLE', 'not a regular file or folder', { file: spec });
  const ext = extname(spec).toLowerCase();
  if (ext === '.npy')
    return arrays(await openNpyAt(spec, 0, spec), undefined, sample, options, name);
  if (ext === '.npz') {
    const { x, y } = await npzArrays(spec);
    return arrays(x, y, sample, options, name);
  }
  if (/idx\d-ubyte(\.gz)?$|\.idx\d?(\.gz)?$/i.test(spec)) {
    const x = await openIdxFile(spec);
    const labelsFile = await idxLabelsFor(spec);
    const y = labelsFile !== undefined ? await openIdxFile(labelsFile) : undefined;
    return arrays(x, y, sample, options, name);
  }
  throw new DataError(
    'DATA_UNSUPPORTED',
    `unknown data file type "${ext}"; --data takes ${DATA_SPEC_HELP}`,
    {
      file: spec,
    },
  );
}
