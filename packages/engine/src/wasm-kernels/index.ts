/**
 * Gradient kernels TF.js's wasm backend lacks, registered with `registerKernel`.
 * Self-contained: depends only on @tensorflow/tfjs-core and the wasm backend.
 */
export function registerWasmGradientKernels(): void {
  // Filled in by the gradient-kernel module.
}
