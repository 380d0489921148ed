/** A discrete-event queue: a binary min-heap on (time, insertion order), so equal times run in order. */
export interface EventQueue {
  now(): number;
  at(time: number, run: () => void): void;
  after(delayMs: number, run: () => void): void;
  /** Runs events in time order until none is left or the next is later than `until` (the clock stops at the last event when `until` is infinite). */
  runUntil(until: number): void;
}

interface Event {
  time: number;
  seq: number;
  run: () => void;
}

export function createEventQueue(): EventQueue {
  const heap: Event[] = [];
  let seq = 0;
  let clock = 0;
  const less = (a: Event, b: Event) => a.time < b.time || (a.time === b.time && a.seq < b.seq);

  function push(event: Event) {
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i] as Event, heap[parent] as Event)) break;
      [heap[i], heap[parent]] = [heap[parent] as Event, heap[i] as Event];
      i = parent;
    }
  }

  function pop(): Event | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l] as Event, heap[m] as Event)) m = l;
        if (r < heap.length && less(heap[r] as Event, heap[m] as Event)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Event, heap[i] as Event];
        i = m;
      }
    }
    return top;
  }

  return {
    now: () => clock,
    at(time, run) {
      push({ time: Math.max(time, clock), seq: seq++, run });
    },
    after(delayMs, run) {
      push({ time: clock + Math.max(0, delayMs), seq: seq++, run });
    },
    runUntil(until) {
      while (heap.length > 0 && (heap[0] as Event).time <= until) {
        const event = pop() as Event;
        clock = event.time;
        event.run();
      }
      if (Number.isFinite(until)) clock = Math.max(clock, until);
    },
  };
}
