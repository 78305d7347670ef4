import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

describe('package boundaries (DESIGN.md table)', () => {
  it('no package imports what DESIGN.md forbids, and nx agrees', () => {
    const out = execFileSync(
      'node',
      [path.join(__dirname, '..', 'tools', 'check-boundaries.mjs')],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/package boundaries ok \(\d+ packages, nx graph agrees\)/);
  });
});
