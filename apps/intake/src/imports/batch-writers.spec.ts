import { BatchWriters } from './import-batch.writer';

/** A write that records when it starts and ends, and ends when told to. */
function controlled(log: string[], name: string) {
  let finish: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish: () => finish(),
    write: async (exclusive: () => Promise<void>, alone = false) => {
      log.push(`start ${name}`);
      await ended;
      if (alone) {
        log.push(`retry ${name}`);
        await exclusive();
        log.push(`alone ${name}`);
      }
      log.push(`end ${name}`);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchWriters (decision 0012)', () => {
  it('runs at most `size` writes at once, started in call order', async () => {
    const log: string[] = [];
    const writers = new BatchWriters(2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => controlled(log, name));
    void writers.start((x) => a.write(x));
    void writers.start((x) => b.write(x));
    void writers.start((x) => c.write(x));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    a.finish();
    c.finish();
    await writers.idle();
    expect(log).toHaveLength(6);
  });

  it('lets a retry run alone: the others in flight end first, and no new write starts meanwhile', async () => {
    const log: string[] = [];
    const writers = new BatchWriters(2);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => controlled(log, name));
    void writers.start((x) => a.write(x, true)); // a loses a race and must run again alone
    void writers.start((x) => b.write(x));
    void writers.start((x) => c.write(x));
    await tick();
    a.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'retry a']); // a waits for b
    b.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'retry a', 'end b', 'alone a', 'end a', 'start c']);
    c.finish();
    await writers.idle();
  });

  it('does not deadlock when two writes retry at once', async () => {
    const log: string[] = [];
    const writers = new BatchWriters(2);
    const [a, b] = ['a', 'b'].map((name) => controlled(log, name));
    void writers.start((x) => a.write(x, true));
    void writers.start((x) => b.write(x, true));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    a.finish();
    b.finish();
    await writers.idle();
    expect(log.filter((entry) => entry.startsWith('end'))).toHaveLength(2);
  });

  it('starts nothing after a failure and reports the first one', async () => {
    const writers = new BatchWriters(1);
    const later = jest.fn(() => Promise.resolve());
    void writers.start(() => Promise.reject(new Error('broken')));
    void writers.start(later);
    await writers.idle();
    expect(later).not.toHaveBeenCalled();
    expect(() => writers.throwIfFailed()).toThrow('broken');
  });
});
