import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  InvalidArgumentError,
  defaultFormatRegistry,
  defaultOpRegistry,
  defaultPassRegistry,
  type FormatRegistry,
  type OpRegistry,
  type PassRegistry,
} from '@collabopt/core';
import { getEngine, type Engine } from '@collabopt/engine';

/**
 * What `collabopt --plugin <module>` hands to the module's `register` function: the registries the
 * command uses (built-in passes and formats are already in them), and the engine (created on first
 * use) for a custom op's TF.js kernel.
 */
export interface PluginRegistries {
  readonly passes: PassRegistry;
  readonly formats: FormatRegistry;
  readonly ops: OpRegistry;
  readonly engine: () => Promise<Engine>;
}

/** A `--plugin` module: exports `register` (named, or as its default export). */
export interface CollaboptPlugin {
  register(registries: PluginRegistries): void | Promise<void>;
}

/** The registries the command line uses. */
export function cliRegistries(): PluginRegistries {
  return {
    passes: defaultPassRegistry,
    formats: defaultFormatRegistry,
    ops: defaultOpRegistry,
    engine: () => getEngine(),
  };
}

/** A path (`./my-pass.js`, absolute) relative to `cwd`, else a package name resolved from `cwd`. */
function resolvePlugin(specifier: string, cwd: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const file = resolve(cwd, specifier);
    if (!existsSync(file))
      throw new InvalidArgumentError(`plugin file ${file} does not exist`, { field: '--plugin' });
    return file;
  }
  try {
    return require.resolve(specifier, { paths: [cwd] });
  } catch {
    throw new InvalidArgumentError(
      `plugin "${specifier}" is neither a file (start it with ./) nor an installed package`,
      { field: '--plugin' },
    );
  }
}

function registerFunction(mod: unknown): CollaboptPlugin['register'] | undefined {
  const m = mod as { register?: unknown; default?: unknown } | null;
  if (typeof m?.register === 'function') return m.register as CollaboptPlugin['register'];
  const d = m?.default as { register?: unknown } | undefined;
  if (typeof d === 'function') return d as CollaboptPlugin['register'];
  if (typeof d?.register === 'function') return d.register as CollaboptPlugin['register'];
  return undefined;
}

/**
 * Load each plugin module (CommonJS or ES module) and call its `register(registries)`, in order.
 * A missing file, a module without `register`, or a failing `register` is a typed error naming it.
 */
export async function loadUserPlugins(
  specifiers: readonly string[],
  cwd: string,
  registries: PluginRegistries = cliRegistries(),
): Promise<void> {
  for (const specifier of specifiers) {
    const file = resolvePlugin(specifier, cwd);
    let mod: unknown;
    try {
      // Windows paths are not import specifiers; POSIX absolute paths are (and jest's require takes them).
      mod = await import(process.platform === 'win32' ? pathToFileURL(file).href : file);
    } catch (e) {
      throw new InvalidArgumentError(
        `plugin ${specifier} failed to load: ${e instanceof Error ? e.message : String(e)}`,
        { field: '--plugin', file },
      );
    }
    const register = registerFunction(mod);
    if (register === undefined)
      throw new InvalidArgumentError(
        `plugin ${specifier} exports no register(registries) function`,
        { field: '--plugin', file },
      );
    await register(registries);
  }
}
