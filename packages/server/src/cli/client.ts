import { Ragline } from '@ragline/sdk';
import type { CliIo } from './io.js';

export const DEFAULT_URL = 'http://127.0.0.1:8787';

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
}

export function serverUrl(globals: GlobalOptions, io: CliIo): string {
  return globals.url ?? io.env.RAGLINE_URL ?? DEFAULT_URL;
}

export function createClient(globals: GlobalOptions, io: CliIo): Ragline {
  return new Ragline({
    baseURL: serverUrl(globals, io),
    apiKey: globals.apiKey ?? io.env.RAGLINE_API_KEY,
    ...io.clientOptions,
  });
}
