import { HelperStallMonitor } from './helper-stall-monitor';

describe('HelperStallMonitor', () => {
  test('helpers stay in use while waits are short against the work', () => {
    const m = new HelperStallMonitor(4, 2, 3);
    for (let i = 0; i < 20; i++) {
      expect(m.useHelpers()).toBe(true);
      m.record(2, 0.5); // waited 0.5 ms after 2 ms of own work: not a stall
      m.record(0.1, 0.15); // under the 0.2 ms floor: not a stall
    }
  });

  test('too many stalls in the window rest the helpers for a number of jobs, then retry', () => {
    const m = new HelperStallMonitor(4, 2, 3);
    m.record(2, 1.5); // stall: 1.5 > 2 / 2
    expect(m.useHelpers()).toBe(true);
    m.record(2, 0.1);
    m.record(1, 4); // second stall in the window of 4
    expect([m.useHelpers(), m.useHelpers(), m.useHelpers()]).toEqual([false, false, false]);
    expect(m.useHelpers()).toBe(true);
    m.record(2, 1.5); // the window restarted: one stall is not enough
    expect(m.useHelpers()).toBe(true);
  });

  test('stalls that fell out of the window no longer count', () => {
    const m = new HelperStallMonitor(3, 2, 5);
    m.record(1, 5); // stall
    m.record(1, 0);
    m.record(1, 0);
    m.record(1, 0); // the stall leaves the window
    m.record(1, 5); // one stall in the window
    expect(m.useHelpers()).toBe(true);
  });
});
