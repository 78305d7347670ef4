import { OpRegistry } from './op-registry';
import { registerBuiltinOps } from './ops';

/** A new registry holding the built-in ops (custom ops added to it stay local to it). */
export function createOpRegistry(): OpRegistry {
  const r = new OpRegistry();
  registerBuiltinOps(r);
  return r;
}

/**
 * The process-wide registry used when no registry is passed. Plugins and users register custom
 * ops here so formats, the engine and passes all see them.
 */
export const defaultOpRegistry: OpRegistry = createOpRegistry();
