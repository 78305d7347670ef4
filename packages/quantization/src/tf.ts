// The engine's TF.js instance (plugins never load a second copy).
export { tf } from '@collabopt/engine';
