// Stands in for Node-only modules (file system, sharp, tfjs-node) in the browser bundle: the
// engine's file-based data readers import them, the page never calls them. Any use throws.
function unavailable() {
  throw new Error('not available in the browser (Node-only module)');
}
const stub = new Proxy(unavailable, {
  get: (_t, key) => (key === '__esModule' ? false : key === 'default' ? stub : unavailable),
  apply: unavailable,
  construct: unavailable,
});
module.exports = stub;
