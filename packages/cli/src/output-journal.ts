import { promises as fs } from 'node:fs';
import * as path from 'node:path';

interface Watched {
  /** The folder outputs go into. */
  readonly folder: string;
  /** The outermost folder this run would create (undefined when `folder` already existed). */
  readonly created: string | undefined;
  /** Names in `folder` before the run. */
  readonly before: ReadonlySet<string>;
  /** Which new names belong to this run's outputs. */
  readonly ours: (name: string) => boolean;
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Remembers what an output folder held before a command ran, so that an interrupted run can
 * remove what it created (new files, and folders it made) and leave everything else untouched.
 */
export class OutputJournal {
  private readonly watched: Watched[] = [];

  /** Watch `folder`; `ours` selects the new names that this run's outputs may have. */
  async watch(folder: string, ours: (name: string) => boolean = () => true): Promise<void> {
    const abs = path.resolve(folder);
    let created: string | undefined;
    for (let p = abs; !(await exists(p)); p = path.dirname(p)) {
      created = p;
      if (path.dirname(p) === p) break;
    }
    const before = created
      ? new Set<string>()
      : new Set(await fs.readdir(abs).catch(() => [] as string[]));
    this.watched.push({ folder: abs, created, before, ours });
  }

  /**
   * Watch the folder of an output file, for the names a writer derives from it: the file itself,
   * `<file>.<ext>` (ONNX external data), `<stem>-shard…` (Keras shards), and their staged copies
   * `.<name>.tmp-…` / `.<name>.bak-…`.
   */
  async watchFile(file: string): Promise<void> {
    const base = path.basename(file);
    const stem = base.replace(/\.[^.]*$/, '');
    const derived = (name: string): boolean =>
      name === base || name.startsWith(`${base}.`) || name.startsWith(`${stem}-shard`);
    await this.watch(path.dirname(path.resolve(file)), (name) => {
      const staged = /^\.(.+)\.(tmp|bak)-[^.]+$/.exec(name);
      return derived(staged ? staged[1]! : name);
    });
  }

  /** Remove what the run created; returns the removed paths. */
  async removeCreated(): Promise<string[]> {
    const removed: string[] = [];
    for (const w of this.watched) {
      if (w.created) {
        if (await exists(w.created)) {
          await fs.rm(w.created, { recursive: true, force: true });
          removed.push(w.created);
        }
        continue;
      }
      for (const name of await fs.readdir(w.folder).catch(() => [] as string[])) {
        if (w.before.has(name) || !w.ours(name)) continue;
        const p = path.join(w.folder, name);
        await fs.rm(p, { recursive: true, force: true });
        removed.push(p);
      }
    }
    return removed;
  }
}
