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
