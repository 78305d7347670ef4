export { pqat, cqat, pcqat, preservingTransforms, type Preservation } from './collaborative-qat';
export { registerPreservePasses, preservePasses } from './register';
export * from './tree';
export * from './legalize';
export { prepareOutput, pipelineOutcome, type PreparedOutput } from './prepare-output';
