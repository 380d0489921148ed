/**
 * Writes only the latest of a stream of values, one write at a time: while a write is in flight, newer
 * values replace each other and the newest is written next. `settled()` waits for the last write.
 */
export function latestValueWriter<T>(
  write: (value: T) => Promise<unknown>,
  onError: (error: unknown) => void,
) {
  let pending: { value: T } | null = null;
  let running: Promise<void> | null = null;
  const drain = async () => {
    while (pending) {
      const { value } = pending;
      pending = null;
      await write(value).catch(onError);
    }
    running = null;
  };
  return {
    push(value: T): void {
      pending = { value };
      running ??= drain();
    },
    async settled(): Promise<void> {
      while (running) await running;
    },
  };
}
