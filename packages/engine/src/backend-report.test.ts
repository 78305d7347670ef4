import { MemoryLogger } from '@collabopt/core';
import { describeBackend, reportBackendOnce, type BackendChoice } from './backend';

describe('backend report', () => {
  test('one short line: backend and wasm threads', () => {
    expect(describeBackend({ backend: 'wasm', reason: 'r', wasmThreads: 2 })).toBe(
      'backend wasm, 2 threads',
    );
    expect(describeBackend({ backend: 'wasm', reason: 'r', wasmThreads: 1 })).toBe(
      'backend wasm, 1 thread',
    );
    expect(describeBackend({ backend: 'tensorflow', reason: 'r' })).toBe('backend tensorflow');
  });

  test('logs the line at info and the reason at debug, once per choice', () => {
    const logger = new MemoryLogger();
    const choice: BackendChoice = {
      backend: 'cpu',
      reason: 'fastest available (tensorflow: not installed; wasm: unit-test reason)',
    };
    reportBackendOnce(choice, logger);
    reportBackendOnce(choice, logger);
    expect(logger.records).toEqual([
      { level: 'info', message: 'backend cpu' },
      { level: 'debug', message: `backend cpu: ${choice.reason}` },
    ]);
  });
});
