/**
 * Waits for an eventually-true condition (events travel asynchronously): polls `probe` until `accept`
 * holds, then returns the value. Fails with the last value seen, never sleeps a fixed time.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(
    `timed out waiting for ${options.what ?? 'condition'}; last value: ${JSON.stringify(last)?.slice(0, 500)}` +
      (lastError
        ? `; last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
        : ''),
  );
}
