/**
 * The one TF.js instance every collabopt package uses (`import { tf } from '@collabopt/engine'`).
 * Plugins never import a second copy: tensors and kernels registered here are the engine's.
 * Importing it registers TF.js's gradient functions (needed by `tf.grad` and every optimizer).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerCoreGradients } from './core-gradients';

registerCoreGradients();

export { tf };
