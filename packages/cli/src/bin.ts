#!/usr/bin/env node
import { runCli } from './run-cli';

const controller = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write(
    '\ninterrupt: finishing the current step, then stopping (Ctrl-C again to kill)\n',
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
