/**
 * In a browser bundle tfjs-core resolves to its ES-module build, which ships the gradient
 * registrations as a side-effect module: import it instead of the Node file's loader.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/** Gradients were registered by the import above. */
export function registerCoreGradients(): void {}
