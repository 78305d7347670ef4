/**
 * The graph-level quantization modes (`graph.metadata.quantization.mode`,
 * docs/quantization-contract.md), listed once: the quantization passes produce them, writers
 * declare which of them (plus plain float32) they can write.
 */
export const QUANTIZATION_MODES = ['int8', 'int8-io', 'dynamic', 'float16', 'int16x8'] as const;

export type QuantizationMode = (typeof QUANTIZATION_MODES)[number];

/** A model's numeric mode: float32 (not quantized) or one of the quantization modes. */
export type ModelMode = 'float32' | QuantizationMode;

export const MODEL_MODES: readonly ModelMode[] = ['float32', ...QUANTIZATION_MODES];

export function isQuantizationMode(x: unknown): x is QuantizationMode {
  return typeof x === 'string' && (QUANTIZATION_MODES as readonly string[]).includes(x);
}

/** Modes whose activations are integers (int8 or int16), not only the weights. */
export function isFullInteger(mode: ModelMode): boolean {
  return mode === 'int8' || mode === 'int8-io' || mode === 'int16x8';
}

/** The quantization mode recorded on a graph's metadata, if any (not checked against the list). */
export function graphQuantizationMode(
  metadata: Readonly<Record<string, unknown>>,
): string | undefined {
  const q = metadata['quantization'];
  if (q && typeof q === 'object' && 'mode' in q) return String((q as { mode: unknown }).mode);
  return undefined;
}

/**
 * The layers a quantization pass kept float inside an integer model
 * (`graph.metadata.quantization.floatLayers`, docs/quantization-contract.md "Float layers"):
 * writers compute them in float with QUANTIZE/DEQUANTIZE at their boundaries.
 */
export function graphFloatLayers(metadata: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const q = metadata['quantization'];
  if (q && typeof q === 'object' && 'floatLayers' in q) {
    const list = (q as { floatLayers: unknown }).floatLayers;
    if (Array.isArray(list)) return new Set(list.map((x) => String(x)));
  }
  return new Set();
}
