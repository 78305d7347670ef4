/** Messages between the page and the pipeline worker (structured-clone data only). */
import type { OptionSchema } from '@collabopt/core';

export interface InputFile {
  /** Name as dropped (relative paths of shards matter: a Layers model.json names them). */
  readonly name: string;
  readonly bytes: ArrayBuffer;
}

export interface RunRequest {
  readonly type: 'run';
  /** All dropped files; `main` names the model file among them. */
  readonly files: readonly InputFile[];
  readonly main: string;
  /** The demo: ignore the files, train the reference CNN on the digits (one epoch) as the input. */
  readonly demo?: boolean;
  readonly pipeline: string;
  /** Output file name; its extension picks the format (.tflite, .onnx, .json). */
  readonly output: string;
  /** `images`: the folder in `images` (split 80/20, seeded, as the CLI splits a user's data). */
  readonly data: 'mnist' | 'none' | 'images';
  /** The chosen image folder's files, named by their path from the folder (`digits/3/a.png`). */
  readonly images?: readonly InputFile[];
  /** `none`: ignore the class subfolders (fine-tuning distils from the float model). */
  readonly labels?: 'auto' | 'none';
  /** The CLI's `--preprocess` text for the images (default x/255, RGB, resize stretch). */
  readonly preprocess?: string;
  readonly seed: number;
}

/** The demo's deployment tree (`collabopt tree` without a model) on the MNIST digits. */
export interface TreeRequest {
  readonly type: 'tree';
  readonly seed: number;
}

export interface CheckRequest {
  readonly type: 'check';
  readonly pipeline: string;
}

export interface BenchRequest {
  readonly type: 'bench';
  /** Training samples per repetition on the reference CNN. */
  readonly samples: number;
  readonly repetitions: number;
}

export interface CancelRequest {
  readonly type: 'cancel';
}

export type WorkerRequest = RunRequest | TreeRequest | CheckRequest | BenchRequest | CancelRequest;

export interface OutputFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A registered pass as the option forms need it: its name, what it does, its option schema. */
export interface PassCatalogueEntry {
  readonly name: string;
  readonly description: string;
  readonly options: OptionSchema;
}

export type WorkerEvent =
  | {
      readonly type: 'ready';
      readonly backend: string;
      readonly passes: readonly PassCatalogueEntry[];
    }
  | { readonly type: 'log'; readonly level: string; readonly message: string }
  | {
      readonly type: 'progress';
      readonly label: string;
      readonly done: number;
      readonly total?: number;
      readonly unit?: string;
      readonly info?: string;
    }
  | { readonly type: 'checked'; readonly pipeline: string; readonly error?: string }
  | {
      readonly type: 'done';
      readonly files: readonly OutputFile[];
      readonly summary: string;
      readonly report: unknown;
    }
  | {
      readonly type: 'bench';
      readonly samplesPerSecond: readonly number[];
      readonly backend: string;
    }
  | { readonly type: 'error'; readonly code: string; readonly message: string };
