// Cross-package and real-runtime tests (TFLite interpreter, ONNX Runtime, tfjs-layers, Arm NN).
module.exports = require('../jest.preset.js')(__dirname, {
  testMatch: ['<rootDir>/**/*.e2e.test.ts'],
  testTimeout: 300000,
});
