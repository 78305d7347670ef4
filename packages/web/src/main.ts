/** The page: collects the model files and the pipeline, drives the worker, offers the outputs. */
import { droppedFolder, type NamedFile } from './folder-entries';
import { mountPassForms } from './pass-forms';
import type { InputFile, OutputFile, WorkerEvent, WorkerRequest } from './protocol';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const worker = new Worker('worker.js');
const send = (r: WorkerRequest, transfer: Transferable[] = []): void =>
  worker.postMessage(r, transfer);

let files: File[] = [];
/** The chosen image folder's files, by their path from the folder's parent. */
let images: NamedFile[] = [];
let busy = false;
let ready = false;
let pipelineOk = true;

const MODEL_FILE = /\.(json|tflite|onnx)$/i;

/** The model file among the dropped ones: a .tflite/.onnx, else the .json (a Layers model). */
function mainFile(list: readonly File[]): File | undefined {
  return (
    list.find((f) => /\.(tflite|onnx)$/i.test(f.name)) ?? list.find((f) => MODEL_FILE.test(f.name))
  );
}

function refresh(): void {
  const main = mainFile(files);
  $('chosen').textContent = main
    ? `model: ${main.name}${files.length > 1 ? ` (+${files.length - 1} file${files.length > 2 ? 's' : ''})` : ''}`
    : files.length > 0
      ? 'none of these files is a model (.json, .tflite, .onnx)'
      : 'no model yet';
  $<HTMLButtonElement>('run').disabled = busy || !ready || !main || !pipelineOk;
  $<HTMLButtonElement>('demo').disabled = busy || !ready || !pipelineOk;
  $<HTMLButtonElement>('tree').disabled = busy || !ready;
  $<HTMLButtonElement>('cancel').disabled = !busy;
}

function chooseImages(list: NamedFile[]): void {
  images = list;
  const top = new Set(
    list
      .map((f) => f.path.split('/'))
      .filter((parts) => parts.length >= 3)
      .map((parts) => parts[1]),
  );
  $('images-chosen').textContent =
    list.length === 0
      ? 'no image folder'
      : `images: ${list[0]!.path.split('/')[0]} (${list.length} files${top.size > 0 ? `, ${top.size} class folders` : ''})`;
  if (list.length > 0) $<HTMLSelectElement>('data').value = 'images';
  refresh();
}

function choose(list: FileList | null): void {
  files = list ? Array.from(list) : [];
  refresh();
}

function log(line: string): void {
  const pre = $('log');
  pre.textContent += `${line}\n`;
  pre.scrollTop = pre.scrollHeight;
}

function outputName(): string {
  const format = $<HTMLSelectElement>('format').value;
  return format === 'json' ? 'model.json' : `model.${format}`;
}

async function start(demo: boolean): Promise<void> {
  const main = demo ? undefined : mainFile(files);
  const inputs: InputFile[] = demo
    ? []
    : await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
  const data = $<HTMLSelectElement>('data').value as 'mnist' | 'none' | 'images';
  const imageFiles: InputFile[] =
    data === 'images'
      ? await Promise.all(
          images.map(async (f) => ({ name: f.path, bytes: await f.file.arrayBuffer() })),
        )
      : [];
  const preprocess = $<HTMLInputElement>('preprocess').value.trim();
  busy = true;
  $('log').textContent = '';
  $('downloads').textContent = '';
  $('status').textContent = 'running…';
  refresh();
  send(
    {
      type: 'run',
      files: inputs,
      main: main?.name ?? '',
      demo,
      pipeline: $<HTMLInputElement>('pipeline').value,
      output: outputName(),
      data,
      ...(data === 'images'
        ? {
            images: imageFiles,
            labels: $<HTMLSelectElement>('labels').value === 'none' ? 'none' : 'auto',
            ...(preprocess ? { preprocess } : {}),
          }
        : {}),
      seed: Number($<HTMLInputElement>('seed').value) || 0,
    },
    [...inputs, ...imageFiles].map((f) => f.bytes),
  );
}

function offer(outputs: readonly OutputFile[]): void {
  const box = $('downloads');
  for (const f of outputs) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([f.bytes as BlobPart]));
    a.download = f.name;
    a.textContent = `download ${f.name} (${f.bytes.length.toLocaleString()} bytes)`;
    box.appendChild(a);
  }
}

worker.onmessage = ({ data: e }: MessageEvent<WorkerEvent>) => {
  switch (e.type) {
    case 'ready':
      ready = true;
      $('backend').textContent = `engine: TF.js ${e.backend}`;
      mountPassForms($('pass-forms'), e.passes, (text) => {
        const field = $<HTMLInputElement>('pipeline');
        field.value = text;
        field.dispatchEvent(new Event('input'));
      });
      break;
    case 'log':
      log(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
      break;
    case 'progress': {
      const bar = $<HTMLProgressElement>('bar');
      bar.max = e.total ?? 1;
      bar.value = e.done;
      $('status').textContent =
        `${e.label}: ${e.done}${e.total !== undefined ? ` / ${e.total}` : ''}${e.unit ? ` ${e.unit}` : ''}${e.info ? `  ${e.info}` : ''}`;
      break;
    }
    case 'checked':
      if (e.pipeline !== $<HTMLInputElement>('pipeline').value) return;
      pipelineOk = e.error === undefined;
      $('pipeline-error').textContent = e.error ?? '';
      break;
    case 'done':
      busy = false;
      $('status').textContent = 'done';
      log(e.summary);
      offer(e.files);
      document.body.dataset['state'] = 'done';
      break;
    case 'bench':
      log(`training samples/s: ${e.samplesPerSecond.map((r) => r.toFixed(1)).join(', ')}`);
      break;
    case 'error':
      busy = false;
      $('status').textContent = `error ${e.code}`;
      log(`error [${e.code}]: ${e.message}`);
      document.body.dataset['state'] = 'error';
      break;
  }
  refresh();
};

$<HTMLInputElement>('files').addEventListener('change', (ev) =>
  choose((ev.target as HTMLInputElement).files),
);
/** Make element `id` a drop zone: highlighted while dragged over, `dropped` called on a drop. */
function dropZone(id: string, dropped: (data: DataTransfer | null) => void): void {
  const zone = $(id);
  zone.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    dropped(ev.dataTransfer);
  });
}
dropZone('drop', (data) => choose(data?.files ?? null));
$<HTMLInputElement>('images').addEventListener('change', (ev) =>
  chooseImages(
    Array.from((ev.target as HTMLInputElement).files ?? []).map((file) => ({
      path: file.webkitRelativePath || file.name,
      file,
    })),
  ),
);
dropZone('image-drop', (data) => {
  const folder = data ? droppedFolder(data.items) : undefined;
  if (!folder) {
    $('images-chosen').textContent = 'drop a folder (of class subfolders or images)';
    return;
  }
  folder.then(chooseImages).catch((e: unknown) => {
    $('images-chosen').textContent = `cannot read the folder: ${String(e)}`;
  });
});
$<HTMLInputElement>('pipeline').addEventListener('input', (ev) =>
  send({ type: 'check', pipeline: (ev.target as HTMLInputElement).value }),
);
$('run').addEventListener('click', () => void start(false));
$('demo').addEventListener('click', () => void start(true));
$('tree').addEventListener('click', () => {
  busy = true;
  $('log').textContent = '';
  $('downloads').textContent = '';
  $('status').textContent = 'running the deployment tree…';
  refresh();
  send({ type: 'tree', seed: Number($<HTMLInputElement>('seed').value) || 0 });
});
$('cancel').addEventListener('click', () => send({ type: 'cancel' }));
refresh();
