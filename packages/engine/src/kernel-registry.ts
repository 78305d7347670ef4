import { AttributeError, UnknownOpError, type Attributes, type Node } from '@collabopt/core';
import type { tf } from './tf';

/** What a kernel sees besides its inputs. */
export interface KernelContext {
  readonly node: Node;
  /** The node's attributes with op defaults filled in. */
  readonly attrs: Readonly<Attributes>;
  /** Effective weights by slot (after weight transforms), float32. */
  readonly weights: Readonly<Record<string, tf.Tensor>>;
  /** True inside `fit` (BatchNorm uses batch statistics, Dropout is active). */
  readonly training: boolean;
  /** A seed for this node and step (deterministic for a given fit seed). */
  readonly seed: number;
  /** Record a new value of a state weight (BatchNorm moving statistics); ignored at inference. */
  updateState(slot: string, value: tf.Tensor): void;
  /**
   * Record state ← momentum · state + (1 − momentum) · batch for a state weight (BatchNorm's
   * moving statistics); the step's updates run together after the forward pass
   * (moving-averages.ts). Ignored at inference.
   */
  updateMovingAverage(slot: string, batch: tf.Tensor, momentum: number): void;
}

/** Computes a node's outputs from its inputs with TF.js ops (runs inside the gradient tape). */
export type OpKernel = (inputs: tf.Tensor[], ctx: KernelContext) => tf.Tensor | tf.Tensor[];

/**
 * Per-op kernel map. The engine's defaults cover every built-in op; users add kernels for custom
 * ops (registered in the core OpRegistry) with `register`.
 */
export class KernelRegistry {
  private readonly kernels = new Map<string, OpKernel>();

  constructor(entries: Iterable<readonly [string, OpKernel]> = []) {
    for (const [op, k] of entries) this.kernels.set(op, k);
  }

  register(op: string, kernel: OpKernel, options: { replace?: boolean } = {}): void {
    if (this.kernels.has(op) && !options.replace) {
      throw new AttributeError(
        `a kernel for op "${op}" is already registered; pass { replace: true } to override it`,
      );
    }
    this.kernels.set(op, kernel);
  }

  has(op: string): boolean {
    return this.kernels.has(op);
  }

  get(op: string, node?: string): OpKernel {
    const k = this.kernels.get(op);
    if (k === undefined) {
      const err = new UnknownOpError(op, node !== undefined ? { node } : {});
      err.message += `; the engine has no kernel for it: register one with engine.kernels.register("${op}", kernel)`;
      throw err;
    }
    return k;
  }

  ops(): string[] {
    return [...this.kernels.keys()];
  }

  /** An independent copy (so one engine's custom kernels do not leak into another). */
  clone(): KernelRegistry {
    return new KernelRegistry(this.kernels);
  }
}
