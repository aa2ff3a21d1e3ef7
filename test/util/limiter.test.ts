import { Limiter, SocketLimiter } from '../../lambda/util/limiter';

/** A task that records how many run at once, per key and in all, and finishes when released. */
function tracker() {
  let running = 0;
  let peak = 0;
  const perKey = new Map<string, number>();
  const peakPerKey = new Map<string, number>();
  const gates: (() => void)[] = [];
  const task = (key: string) => async () => {
    running++;
    peak = Math.max(peak, running);
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    peakPerKey.set(key, Math.max(peakPerKey.get(key) ?? 0, perKey.get(key)!));
    await new Promise<void>((r) => gates.push(r));
    running--;
    perKey.set(key, perKey.get(key)! - 1);
  };
  return { task, gates, peak: () => peak, peakPerKey, running: () => running };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Limiter', () => {
  it('runs at most `limit` at once, the rest in order of arrival', async () => {
    const l = new Limiter(2);
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const all = [0, 1, 2, 3, 4].map((i) => l.run(async () => { order.push(i); await new Promise<void>((r) => gates.push(r)); }));
    await tick();
    expect(order).toEqual([0, 1]);
    gates.shift()!();
    await tick();
    expect(order).toEqual([0, 1, 2]);
    while (gates.length) { gates.shift()!(); await tick(); }
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(l.load).toBe(0);
  });

  it('frees the permit of a task that throws', async () => {
    const l = new Limiter(1);
    await expect(l.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(l.run(async () => 7)).resolves.toBe(7);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new Limiter(0)).toThrow('positive integer');
  });
});

describe('SocketLimiter', () => {
  it('bounds tasks per address and in all, and a busy address does not hold global permits while it waits', async () => {
    const s = new SocketLimiter(3, 2);
    const t = tracker();
    // Six tasks for one busy address, then one each for two others.
    const done = [...Array(6).fill('10.0.0.1'), '10.0.0.2', '10.0.0.3'].map((a: string) => s.run(a, t.task(a)));
    await tick();
    // The busy address has its 2; the third global permit went to the next address, not to a waiting busy task.
    expect(t.running()).toBe(3);
    expect(t.peakPerKey.get('10.0.0.1')).toBe(2);
    expect(t.peakPerKey.get('10.0.0.2')).toBe(1);
    while (t.gates.length) { t.gates.shift()!(); await tick(); await tick(); }
    await Promise.all(done);
    expect(t.peak()).toBe(3);
    expect(t.peakPerKey.get('10.0.0.1')).toBe(2);
    expect(t.peakPerKey.get('10.0.0.3')).toBe(1);
  });
});
