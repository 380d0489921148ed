import { describe, expect, it } from 'vitest';
import { raceAbort } from './race-abort.js';

describe('raceAbort', () => {
  it('passes the value or error through when the signal stays quiet', async () => {
    const signal = new AbortController().signal;
    await expect(raceAbort(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(raceAbort(Promise.reject(new Error('no')), signal)).rejects.toThrow('no');
  });

  it('rejects with the reason on abort, even if the promise never settles', async () => {
    const controller = new AbortController();
    const pending = raceAbort(new Promise(() => {}), controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    await expect(raceAbort(Promise.resolve(1), controller.signal)).rejects.toThrow('gone');
  });
});

describe('raceAbort with many races on one signal', () => {
  it('aborts every pending race, and forgets the settled ones', async () => {
    const controller = new AbortController();
    const settled = await Promise.all(
      Array.from({ length: 3 }, (_, i) => raceAbort(Promise.resolve(i), controller.signal)),
    );
    expect(settled).toEqual([0, 1, 2]);
    const quiet = raceAbort(new Promise(() => {}), controller.signal);
    const alsoQuiet = raceAbort(new Promise(() => {}), controller.signal);
    controller.abort(new Error('stop'));
    await expect(quiet).rejects.toThrow('stop');
    await expect(alsoQuiet).rejects.toThrow('stop');
  });

  it('adds one abort listener per signal, not one per race', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    for (let i = 0; i < 5; i++) await raceAbort(Promise.resolve(i), controller.signal);
    expect(listeners).toBe(1);
  });
});
