/**
 * Decides whether helper threads are worth using, from how long the calling thread waited for
 * them after finishing its own share of each job. On an idle machine that wait is at most one
 * call (a fraction of the job); when other processes hold the cores a helper that claimed a call
 * can lose its core for a whole scheduler time slice, and the calling thread waits for it: then
 * a kernel on one thread is faster. After too many such stalls among recent jobs the helpers rest
 * for a number of jobs, then are tried again.
 */
export class HelperStallMonitor {
  private recent: boolean[] = [];
  private restingFor = 0;

  constructor(
    /** Jobs looked back on. */
    private readonly window = 32,
    /** Stalled jobs in the window that send the helpers to rest. */
    private readonly maxStalls = 8,
    /** Jobs the helpers then sit out. */
    private readonly restJobs = 256,
  ) {}

  /** Whether the next job should use the helpers (counts a rested job when not). */
  useHelpers(): boolean {
    if (this.restingFor === 0) return true;
    this.restingFor--;
    return false;
  }

  /**
   * Record a job that used the helpers: the calling thread worked `workMs` on its own calls and
   * then waited `waitMs` for the helpers'. A wait longer than half the work (and than 0.2 ms) is
   * a stall.
   */
  record(workMs: number, waitMs: number): void {
    this.recent.push(waitMs > Math.max(0.2, workMs / 2));
    if (this.recent.length > this.window) this.recent.shift();
    if (this.recent.filter(Boolean).length >= this.maxStalls) {
      this.restingFor = this.restJobs;
      this.recent = [];
    }
  }
}
