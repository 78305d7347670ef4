import { PassThrough } from 'node:stream';
import { CancelledError } from './errors';
import { createStreamProgress, prefixedProgress, throwIfCancelled } from './progress';

function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (c: Buffer) => (out += c.toString()));
  (s as unknown as { isTTY: boolean }).isTTY = isTTY;
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

describe('progress', () => {
  it('redraws a bar with ETA on a TTY', () => {
    const { stream, text } = capture(true);
    const task = createStreamProgress(stream, { minIntervalMs: 0 }).start('train', 4, ' epochs');
    task.update(1, { loss: 0.5 });
    task.finish({ loss: 0.25, accuracy: 0.9 });
    expect(text()).toContain('\r\x1b[2Ktrain [#####...............] 1/4 epochs  ETA');
    expect(text()).toMatch(
      /train \[#{20}\] 4\/4 epochs {2}\d+s {2}loss 0\.2500 {2}accuracy 0\.9000\n$/,
    );
  });

  it('prints only the final line when not a TTY', () => {
    const { stream, text } = capture(false);
    const task = createStreamProgress(stream).start('calibrate', 10);
    task.update(5);
    task.finish();
    expect(text().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('labels a task with the prefix once (the pass manager prefixes the pass name)', () => {
    const { stream, text } = capture(false);
    const progress = prefixedProgress(createStreamProgress(stream), 'pcqat');
    progress.start('fine-tune', 1, ' epoch').finish();
    progress.start('pcqat (one-shot)', 2, ' weights').finish();
    expect(text()).toMatch(/^pcqat fine-tune \[#{20}\] 1\/1 epoch {2}\d+s\n/);
    expect(text()).toMatch(/\npcqat \(one-shot\) \[#{20}\] 2\/2 weights/);
  });

  it('throws CancelledError once the signal fired', () => {
    const ac = new AbortController();
    expect(() => throwIfCancelled(ac.signal)).not.toThrow();
    ac.abort(new Error('user pressed ctrl-c'));
    expect(() => throwIfCancelled(ac.signal, 'training')).toThrow(CancelledError);
    expect(() => throwIfCancelled(ac.signal, 'training')).toThrow(
      'training was cancelled: user pressed ctrl-c',
    );
  });
});
