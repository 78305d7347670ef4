/**
 * TF.js registers its gradient functions only from its ES-module build (`@tensorflow/tfjs-core`'s
 * node bundle leaves them out; the `@tensorflow/tfjs` umbrella bundles them). Without the 141 MB
 * umbrella, Node cannot load that ES-module tree directly (it uses extension-less relative imports).
 *
 * This loader evaluates tfjs-core's own shipped gradient modules (`dist/register_all_gradients.js`
 * and the files it imports) in CommonJS form: every import that the public CommonJS API provides
 * is bound to the already loaded tfjs-core instance (one engine, one kernel/gradient registry);
 * the few internal helpers are loaded the same way, recursively.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

type ModuleExports = Record<string, unknown>;

const NAMESPACES: Record<string, () => unknown> = {
  util: () => tf.util,
  broadcast_util: () => tf.backend_util,
  axis_util: () => tf.backend_util,
  conv_util: () => tf.backend_util,
};

function publicPools(): ModuleExports[] {
  return [
    {
      ENGINE: tf.engine(),
      // Internal ops only ever pass tensors here; anything else becomes a tensor of the asked dtype.
      convertToTensor: (x: unknown, _name: string, _fn: string, dtype?: tf.DataType) =>
        x instanceof tf.Tensor ? x : tf.tensor(x as number[], undefined, dtype),
    } as ModuleExports,
    tf as unknown as ModuleExports,
    tf.backend_util as unknown as ModuleExports,
    tf.util as unknown as ModuleExports,
    tf.slice_util as unknown as ModuleExports,
  ];
}

class EsmLoader {
  private readonly cache = new Map<string, ModuleExports>();
  private readonly pools = publicPools();

  constructor(private readonly root: string) {}

  load(file: string): ModuleExports {
    const hit = this.cache.get(file);
    if (hit !== undefined) return hit;
    const exports: ModuleExports = {};
    this.cache.set(file, exports);
    const source = readFileSync(file, 'utf8');
    const exported: string[] = [];
    const body = source
      .replace(/^import \{([^}]*)\} from '([^']+)';$/gm, (_m, names: string, spec: string) => {
        const pairs = names
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n.length > 0)
          .map((n) => {
            const [from, as] = n.split(/\s+as\s+/);
            return [from!, as ?? from!] as const;
          });
        return `const { ${pairs.map(([f, a]) => (f === a ? f : `${f}: ${a}`)).join(', ')} } = __import(${JSON.stringify(pairs.map((p) => p[0]))}, ${JSON.stringify(spec)});`;
      })
      .replace(
        /^import \* as (\w+) from '([^']+)';$/gm,
        (_m, ns: string, spec: string) =>
          `const ${ns} = __namespace(${JSON.stringify(ns)}, ${JSON.stringify(spec)});`,
      )
      .replace(
        /^export (const|let|var|function|class) (\w+)/gm,
        (_m, kind: string, name: string) => {
          exported.push(name);
          return `${kind} ${name}`;
        },
      );
    if (/^\s*(import|export)\b/m.test(body))
      throw new Error(`unsupported module syntax in ${file}`);
    const epilogue = exported
      .map(
        (n) =>
          `Object.defineProperty(__exports, ${JSON.stringify(n)}, { enumerable: true, get: () => ${n} });`,
      )
      .join('\n');
    const fn = new Function('__import', '__namespace', '__exports', `${epilogue}\n${body}`) as (
      imp: (names: string[], spec: string) => ModuleExports,
      ns: (name: string, spec: string) => unknown,
      exp: ModuleExports,
    ) => void;
    fn(
      (names, spec) => this.resolveImport(names, spec, file),
      (name, spec) => NAMESPACES[name]?.() ?? this.load(this.path(spec, file)),
      exports,
    );
    return exports;
  }

  private path(spec: string, from: string): string {
    if (!spec.startsWith('.')) throw new Error(`unexpected import "${spec}" in ${from}`);
    const p = resolve(dirname(from), spec);
    if (!p.startsWith(this.root)) throw new Error(`import "${spec}" leaves tfjs-core (${from})`);
    return p.endsWith('.js') ? p : `${p}.js`;
  }

  private resolveImport(names: string[], spec: string, from: string): ModuleExports {
    const out: ModuleExports = {};
    const missing = names.filter((n) => {
      const pool = this.pools.find((p) => p !== undefined && n in p);
      if (pool === undefined) return true;
      out[n] = pool[n];
      return false;
    });
    if (missing.length === 0) return out;
    const mod = this.load(this.path(spec, from));
    for (const n of missing) {
      Object.defineProperty(out, n, { enumerable: true, get: () => mod[n] });
    }
    return out;
  }
}

let registered = false;

/** Register TF.js's gradient functions with the loaded tfjs-core (idempotent). */
export function registerCoreGradients(): void {
  if (registered) return;
  registered = true;
  if (tf.getGradient('Conv2D') !== undefined && tf.getGradient('Mean') !== undefined) return; // e.g. tfjs-node loaded the umbrella
  try {
    const root = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');
    new EsmLoader(root).load(join(root, 'register_all_gradients.js'));
  } catch (e) {
    // Inference still works; training reports the missing gradient when it needs it.
    process.emitWarning(
      `collabopt engine: could not register TF.js gradients (${e instanceof Error ? e.message : String(e)}); training will fail`,
    );
  }
}
