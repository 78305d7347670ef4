/**
 * The one TF.js instance every collabopt package uses (`import { tf } from '@collabopt/engine'`).
 * Plugins never import a second copy: tensors and kernels registered here are the engine's.
 * Importing it registers TF.js's gradient functions (needed by `tf.grad` and every optimizer).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerCoreGradients } from './core-gradients';

registerCoreGradients();
// TF.js's "production" flag: in tfjs-core 4.22 it only silences TF.js's console messages (the
// "Hi, looks like you are running TensorFlow.js in Node.js" banner of the cpu backend, "Platform
// node has already been set" when a second TF.js copy loads, kernel re-registration notices). The
// engine chooses the backend itself and reports that choice in one line (see backend.ts).
tf.enableProdMode();

export { tf };
