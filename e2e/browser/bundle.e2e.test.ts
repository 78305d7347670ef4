/**
 * Core and the format packages run in a browser (issue #16 item 5): their built packages bundle
 * for the browser platform (the core package's `browser` field swaps the Node I/O host for the
 * in-memory one), the bundle pulls in no Node built-in, and it runs — write a model, read it
 * back, compute statistics — in a bare JavaScript context that has no `require`, `process` or
 * `Buffer`.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { build } from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');

describe('browser bundle of core and the formats', () => {
  let code: string;
  let inputs: string[];

  beforeAll(async () => {
    execFileSync(
      'npx',
      [
        'tsc',
        '-b',
        'packages/format-keras/tsconfig.json',
        'packages/format-onnx/tsconfig.json',
        'packages/format-tflite/tsconfig.json',
      ],
      { cwd: ROOT, stdio: 'inherit' },
    );
    const result = await build({
      stdin: {
        contents: [
          "export * from '@collabopt/core';",
          "export { registerKerasFormat } from '@collabopt/format-keras';",
          "export { registerOnnxFormat } from '@collabopt/format-onnx';",
          "export { registerTfliteFormat } from '@collabopt/format-tflite';",
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'js',
      },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'collabopt',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    code = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs);
  }, 240000);

  it('contains no Node built-in and not the Node I/O host', () => {
    expect(inputs.some((i) => i.endsWith('io/default-host.browser.js'))).toBe(true);
    expect(inputs.filter((i) => /node-io|default-host\.js$/.test(i))).toEqual([]);
    expect(code).not.toMatch(/require\(["'](node:)?(fs|path|zlib|crypto|os)["']\)/);
  });

  it('writes, reads and measures models in a context without Node globals', async () => {
    const sandbox: Record<string, unknown> = {
      TextEncoder,
      TextDecoder,
      crypto: globalThis.crypto,
      console,
      AbortSignal,
      AbortController,
      structuredClone,
      setTimeout,
      queueMicrotask,
    };
    vm.createContext(sandbox);
    vm.runInContext(code, sandbox);
    vm.runInContext(
      `
      globalThis.result = (async () => {
        const c = collabopt;
        c.registerKerasFormat();
        c.registerOnnxFormat();
        c.registerTfliteFormat();
        const b = new c.GraphBuilder('web', { seed: 1 });
        const g = b.build(b.layer('Dense', 'd', b.input('x', [-1, 8]), { units: 4 }));
        const io = c.getIoHost();
        const out = [];
        for (const file of ['/models/m.json', '/models/m.onnx', '/models/m.tflite']) {
          const written = await c.writeModel(g, file);
          const back = await c.readModel(file);
          out.push({
            file,
            written,
            same: Array.from(back.node('d').weight('kernel').tensor.data).join() ===
              Array.from(g.node('d').weight('kernel').tensor.data).join(),
          });
        }
        let refused = '';
        try { await c.writeModel(await c.readModel('/models/m.tflite'), '/models/m.tflite'); }
        catch (e) { refused = e.code; }
        return {
          host: io.name,
          typeofRequire: typeof require,
          typeofProcess: typeof process,
          out,
          refused,
          deflated: c.graphStatistics(g).deflatedBytes,
          sha: await io.sha256(new TextEncoder().encode('abc')),
        };
      })();
      `,
      sandbox,
    );
    const r = (await sandbox['result']) as {
      host: string;
      typeofRequire: string;
      typeofProcess: string;
      out: { file: string; written: string[]; same: boolean }[];
      refused: string;
      deflated: number;
      sha: string;
    };
    expect(r.typeofRequire).toBe('undefined');
    expect(r.typeofProcess).toBe('undefined');
    expect(r.host).toBe('memory');
    expect(r.out.map((o) => [o.file, o.same])).toEqual([
      ['/models/m.json', true],
      ['/models/m.onnx', true],
      ['/models/m.tflite', true],
    ]);
    expect(r.out[0]!.written).toEqual(['/models/m.json', '/models/m-shard1of1.bin']);
    expect(r.refused).toBe('WRITE_WOULD_OVERWRITE_INPUT');
    expect(r.deflated).toBeGreaterThan(0);
    expect(r.sha).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
