#!/usr/bin/env node
import { runCli } from './run-cli';

// First Ctrl-C: cancel through the AbortSignal (training stops after the current batch, nothing
// further is written, runCli removes what the run created and returns 130). Second: exit now.
const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write(
    '\ninterrupt: stopping after the current batch and removing partial outputs (Ctrl-C again to quit at once)\n',
  );
  controller.abort(new Error('interrupted by the user'));
  process.once('SIGINT', () => process.exit(130));
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
}).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`unexpected failure: ${String(e)}\n`);
    process.exit(1);
  },
);
