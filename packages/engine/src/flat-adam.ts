import { tf } from './tf';
import { ADAM_UPDATE, adamCoefficients } from './wasm-kernels';

interface Slot {
  readonly name: string;
  readonly shape: number[];
  readonly size: number;
}

/**
 * Adam with TF.js's `tf.train.adam` semantics (same moment updates, bias correction and epsilon
 * placement: w −= lr · m̂ / (√v̂ + ε)) that updates all variables as one flat buffer: the gradients
 * are concatenated, the moments live in two flat tensors, the parameters too (a flat copy, added
 * to in one op), and the new values are split back. About 15 kernel dispatches per step plus two
 * reshapes per variable of rank ≠ 1 (none for biases and BatchNorm scales), where
 * `tf.train.adam` issues ~15 per variable — on tfjs-node each dispatch costs tens of microseconds.
 *
 * The flat parameter copy is rebuilt from the variables whenever one of them was assigned by
 * anyone else since the last step (a pruning mask, a restored checkpoint): each variable's data
 * id is compared with the one this optimizer gave it.
 *
 * Like TF.js's Adam, a variable without a gradient in a step keeps its value and moments.
 */
export class FlatAdamOptimizer extends tf.Optimizer {
  static readonly className = 'CollaboptFlatAdam';
  private readonly slots: Slot[] = [];
  private m: tf.Tensor | undefined;
  private v: tf.Tensor | undefined;
  /** The variables' values as one flat tensor, valid while every data id matches `paramIds`. */
  private params: tf.Tensor | undefined;
  private paramIds: unknown[] = [];
  private step = 0;
  private readonly constants: {
    beta1: tf.Scalar;
    oneMinusBeta1: tf.Scalar;
    beta2: tf.Scalar;
    oneMinusBeta2: tf.Scalar;
    epsilon: tf.Scalar;
  };

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    super();
    this.constants = tf.tidy(() => ({
      beta1: tf.keep(tf.scalar(beta1)),
      oneMinusBeta1: tf.keep(tf.scalar(1 - beta1)),
      beta2: tf.keep(tf.scalar(beta2)),
      oneMinusBeta2: tf.keep(tf.scalar(1 - beta2)),
      epsilon: tf.keep(tf.scalar(epsilon)),
    }));
  }

  /** Add slots (zero moments) for variables seen for the first time. */
  private grow(names: readonly string[]): void {
    const known = new Set(this.slots.map((s) => s.name));
    const added: Slot[] = [];
    for (const name of names) {
      if (known.has(name)) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new Error(`FlatAdamOptimizer: unknown variable "${name}"`);
      added.push({ name, shape: [...variable.shape], size: variable.size });
      known.add(name);
    }
    if (added.length === 0) return;
    const extra = added.reduce((a, s) => a + s.size, 0);
    const grown = (t: tf.Tensor | undefined): tf.Tensor =>
      tf.tidy(() => (t === undefined ? tf.zeros([extra]) : tf.concat([t, tf.zeros([extra])])));
    const m = grown(this.m);
    const v = grown(this.v);
    tf.dispose([this.m, this.v].filter((t): t is tf.Tensor => t !== undefined));
    this.m = m;
    this.v = v;
    this.slots.push(...added);
  }

  applyGradients(variableGradients: Parameters<tf.Optimizer['applyGradients']>[0]): void {
    const grads = new Map<string, tf.Tensor>();
    if (Array.isArray(variableGradients)) {
      for (const { name, tensor } of variableGradients)
        if (tensor !== null && tensor !== undefined) grads.set(name, tensor);
    } else {
      for (const [name, tensor] of Object.entries(variableGradients))
        if (tensor !== null && tensor !== undefined) grads.set(name, tensor);
    }
    if (grads.size === 0) return;
    this.grow([...grads.keys()]);
    this.step++;
    const t = this.step;
    const c = this.constants;
    const variables = this.slots.map((sl) => tf.engine().registeredVariables[sl.name]!);
    const complete = grads.size === this.slots.length;
    // The flat parameter copy is only valid while no one else assigned a variable.
    const paramsValid =
      this.params !== undefined &&
      this.paramIds.length === variables.length &&
      variables.every((variable, i) => variable.dataId === this.paramIds[i]);
    const [m, v, params] = tf.tidy(() => {
      const flat = tf.concat(
        this.slots.map((s) => {
          const g = grads.get(s.name);
          return g === undefined ? tf.zeros([s.size]) : g.rank === 1 ? g : tf.reshape(g, [s.size]);
        }),
      );
      // Where every variable moves and the backend has the fused kernel, it computes m, v and
      // the parameters in one pass; otherwise the same arithmetic as elementwise kernels.
      const fused = complete && tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined;
      let m = fused ? this.m! : tf.add(tf.mul(this.m!, c.beta1), tf.mul(flat, c.oneMinusBeta1));
      let v = fused
        ? this.v!
        : tf.add(tf.mul(this.v!, c.beta2), tf.mul(tf.square(flat), c.oneMinusBeta2));
      // m̂ / (√v̂ + ε) with m̂ = m / (1 − β1ᵗ), √v̂ = √v / √(1 − β2ᵗ); the signed step folded in.
      const update = (): tf.Tensor => {
        const [stepScale, rootScale] = this.stepScalars(t).map((s) => tf.scalar(s));
        return tf.div(tf.mul(m, stepScale!), tf.add(tf.mul(tf.sqrt(v), rootScale!), c.epsilon));
      };
      const sizes = this.slots.map((s) => s.size);
      if (!complete) {
        // Variables without a gradient keep their values and moments (per-variable updates).
        const parts = tf.split(update(), sizes);
        this.slots.forEach((s, i) => {
          if (!grads.has(s.name)) return;
          const variable = variables[i]!;
          variable.assign(tf.add(variable, tf.reshape(parts[i]!, s.shape)));
        });
        const keep = (fresh: tf.Tensor, old: tf.Tensor): tf.Tensor => {
          const freshParts = tf.split(fresh, sizes);
          const oldParts = tf.split(old, sizes);
          return tf.concat(
            this.slots.map((s, i) => (grads.has(s.name) ? freshParts : oldParts)[i]!),
          );
        };
        m = keep(m, this.m!);
        v = keep(v, this.v!);
        return [m, v];
      }
      // Every variable moves: one add on the flat copy, one split, a reshape per rank ≠ 1
      // variable. Element by element the same float32 sums as adding each part to its variable.
      const current = paramsValid
        ? this.params!
        : tf.concat(variables.map((w) => (w.rank === 1 ? w : tf.reshape(w, [w.size]))));
      let next: tf.Tensor;
      if (fused) {
        // The same arithmetic as one kernel (wasm-kernels/adam-update.ts): one dispatch and one
        // pass over the buffers instead of ~14.
        [m, v, next] = tf
          .engine()
          .runKernel(
            ADAM_UPDATE,
            { grad: flat, m: this.m!, v: this.v!, params: current },
            { ...adamCoefficients(this.learningRate, this.beta1, this.beta2, this.epsilon, t) },
          ) as tf.Tensor[] as [tf.Tensor, tf.Tensor, tf.Tensor];
      } else {
        next = tf.add(current, update());
      }
      const parts = tf.split(next, sizes);
      this.slots.forEach((s, i) => {
        const part = parts[i]!;
        variables[i]!.assign(s.shape.length === 1 ? part : tf.reshape(part, s.shape));
      });
      return [m, v, next];
    });
    if (this.params !== undefined && this.params !== params) this.params.dispose();
    this.params = params;
    this.paramIds = params !== undefined ? variables.map((w) => w.dataId) : [];
    tf.dispose([this.m!, this.v!]);
    this.m = m;
    this.v = v;
    this.incrementIterations();
  }

  /**
   * The two scalars of step `t` (1-based) that change from step to step: the signed step size
   * −lr / (1 − β1ᵗ) and 1 / √(1 − β2ᵗ).
   */
  stepScalars(t: number): [number, number] {
    return [-this.learningRate / (1 - this.beta1 ** t), 1 / Math.sqrt(1 - this.beta2 ** t)];
  }

  /** Steps taken so far. */
  get stepsTaken(): number {
    return this.step;
  }

  /** The variables this optimizer updates, in the order of its flat buffers. */
  slotVariables(): tf.Variable[] {
    return this.slots.map((s) => tf.engine().registeredVariables[s.name]!);
  }

  /**
   * The flat state (moments and the parameter copy) while the parameter copy is current, i.e. the
   * next step would add to it rather than rebuild it from the variables; else undefined.
   */
  flatState(): { m: tf.Tensor; v: tf.Tensor; params: tf.Tensor } | undefined {
    const variables = this.slotVariables();
    const valid =
      this.m !== undefined &&
      this.v !== undefined &&
      this.params !== undefined &&
      this.paramIds.length === variables.length &&
      variables.every((variable, i) => variable.dataId === this.paramIds[i]);
    return valid ? { m: this.m!, v: this.v!, params: this.params! } : undefined;
  }

  /**
   * Take the state after one step computed elsewhere (tfjs-node-graph-step.ts): new moments and
   * parameter copy (owned from now on), after the caller assigned the new values to the variables.
   */
  adoptStep(m: tf.Tensor, v: tf.Tensor, params: tf.Tensor): void {
    tf.dispose([this.m, this.v, this.params].filter((t): t is tf.Tensor => t !== undefined));
    this.m = m;
    this.v = v;
    this.params = params;
    this.paramIds = this.slotVariables().map((w) => w.dataId);
    this.step++;
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    tf.dispose([this.m, this.v, this.params].filter((t): t is tf.Tensor => t !== undefined));
    this.m = this.v = this.params = undefined;
    this.paramIds = [];
    tf.dispose(Object.values(this.constants));
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }
}
