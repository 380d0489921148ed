/** A problem with how the CLI was called: printed with a hint and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
