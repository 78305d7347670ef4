// TF.js comes from the engine (one copy per process). Until the engine's `tf` export lands on
// main, this module points at the same tfjs-core the engine depends on.
import * as tfc from '@tensorflow/tfjs-core';

export const tf = tfc;
