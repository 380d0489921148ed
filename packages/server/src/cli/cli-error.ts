/** A problem with how the CLI was called: printed with a hint and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Ends the CLI with this exit code, having printed what it had to (`ragline eval`: 0 pass, 1 gate failed, 2 config/infra). */
export class ExitCode extends Error {
  override name = 'ExitCode';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
