import { APIConnectionError, APIError, APIResponseValidationError, AuthenticationError } from '@ragline/sdk';
import { CommanderError } from 'commander';
import { UsageError } from './cli-error.js';
import type { OutputStream } from './io.js';

/** Prints an error the way a user can act on it and returns the exit code: 2 for usage, else 1. */
export function reportError(error: unknown, stderr: OutputStream, serverUrl: string): number {
  if (error instanceof CommanderError) {
    // Commander printed the message (or the help / version) already.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError) {
    stderr.write(`error: ${error.message}\n(add --help for usage)\n`);
    return 2;
  }
  if (error instanceof APIError) {
    stderr.write(`error: ${error.message}\n`);
    if (error.details !== undefined) stderr.write(`details: ${JSON.stringify(error.details)}\n`);
    if (error.requestId) stderr.write(`request id: ${error.requestId}\n`);
    if (error instanceof AuthenticationError) stderr.write('hint: pass --api-key or set RAGLINE_API_KEY\n');
    return 1;
  }
  if (error instanceof APIConnectionError) {
    stderr.write(`error: cannot reach the Ragline server at ${serverUrl}: ${error.message}\n`);
    stderr.write('hint: start one with "ragline serve", or point --url / RAGLINE_URL at yours\n');
    return 1;
  }
  if (error instanceof APIResponseValidationError) {
    stderr.write(
      `error: unexpected response from ${serverUrl} (is it a Ragline server of the same version?): ${error.message}\n`,
    );
    return 1;
  }
  stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
