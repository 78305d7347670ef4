import { chooseBackend, describeBackend } from '@collabopt/engine';
import type { CliIo } from './io';

/**
 * `--verbose`: why the engine runs on the backend it does (which backends were tried, the wasm
 * thread pool). The engine itself prints only the short line (`backend wasm, 2 threads`).
 */
export async function printBackendDetails(io: CliIo): Promise<void> {
  const choice = await chooseBackend();
  io.stderr.write(`${describeBackend(choice)}: ${choice.reason}\n`);
}
