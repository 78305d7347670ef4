export {
  createCollaborativeQatPass,
  collaborativeVariant,
  preservingTransforms,
  droppedKinds,
  type Preservation,
} from './collaborative-qat';
export { registerPreservePasses, COLLABORATIVE_QAT } from './register';
export * from './tree';
export * from './legalize';
