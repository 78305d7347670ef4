// Shared jest configuration: TypeScript through SWC (type checking is `tsc -b`),
// workspace packages resolved to their sources so tests never need a prior build.
const path = require('node:path');

module.exports = function preset(packageDir, overrides = {}) {
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    // Tests that train small models take seconds; on a shared 2-core machine jest's 5 s default
    // turns load into failures. Speed is measured by tools/bench, never by test timeouts.
    testTimeout: 60_000,
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
        },
      ],
    },
    moduleNameMapper: {
      // tools/tflite-runtime is a plain JS workspace package, resolved normally
      '^@collabopt/(?!tflite-runtime$)([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    ...overrides,
  };
};
