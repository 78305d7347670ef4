import { CancelledError } from './errors';

/** Figures a long task reports with each update (epoch loss, accuracy, throughput, ...). */
export type ProgressInfo = Record<string, number | string>;

export interface ProgressTask {
  /** Report that `done` of `total` units are complete. */
  update(done: number, info?: ProgressInfo): void;
  finish(info?: ProgressInfo): void;
}

/** Long work (training, calibration, search) reports through this; a TTY shows a live line. */
export interface ProgressReporter {
  start(label: string, total?: number, unit?: string): ProgressTask;
}

export const silentProgress: ProgressReporter = {
  start: () => ({ update: () => {}, finish: () => {} }),
};

function formatInfo(info?: ProgressInfo): string {
  if (!info) return '';
  return Object.entries(info)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join('  ');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4);
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

/**
 * Progress on a stream: a redrawn line with a bar and ETA when the stream is a TTY; otherwise one
 * line per finished task (so logs stay readable in CI).
 */
export function createStreamProgress(
  stream: NodeJS.WriteStream = process.stderr,
  options: { minIntervalMs?: number } = {},
): ProgressReporter {
  const tty = stream.isTTY === true;
  const minInterval = options.minIntervalMs ?? 100;
  return {
    start(label, total, unit = '') {
      const t0 = Date.now();
      let last = 0;
      const render = (done: number, info?: ProgressInfo, final = false): void => {
        const elapsed = (Date.now() - t0) / 1000;
        let bar = '';
        if (total !== undefined && total > 0) {
          const frac = Math.min(1, done / total);
          const width = 20;
          const filled = Math.round(frac * width);
          const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : Infinity;
          bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${unit}  ${final ? formatSeconds(elapsed) : `ETA ${formatSeconds(eta)}`}`;
        } else {
          bar = `${done}${unit}  ${formatSeconds(elapsed)}`;
        }
        const line = `${label} ${bar}  ${formatInfo(info)}`.trimEnd();
        if (tty) stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
        else if (final) stream.write(`${line}\n`);
      };
      let lastDone = 0;
      let lastInfo: ProgressInfo | undefined;
      return {
        update(done, info) {
          lastDone = done;
          lastInfo = info ?? lastInfo;
          const now = Date.now();
          if (tty && now - last >= minInterval) {
            last = now;
            render(done, lastInfo);
          }
        },
        finish(info) {
          render(total ?? lastDone, info ?? lastInfo, true);
        },
      };
    },
  };
}

/**
 * A reporter whose task labels start with `prefix`: the pass manager hands each pass one prefixed
 * with the pass name, so a line reads `pcqat fine-tune [####] 1/1 epoch`, not the model's name.
 */
export function prefixedProgress(reporter: ProgressReporter, prefix: string): ProgressReporter {
  return {
    start: (label, total, unit) =>
      reporter.start(
        label === prefix || label.startsWith(`${prefix} `) ? label : `${prefix} ${label}`,
        total,
        unit,
      ),
  };
}

/** Throw CancelledError when the signal has fired (call between units of work). */
export function throwIfCancelled(signal: AbortSignal | undefined, what = 'work'): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
    throw new CancelledError(`${what} was cancelled${reason}`);
  }
}
