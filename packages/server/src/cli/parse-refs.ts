import type { CreateReleaseRequest } from '@ragline/sdk';
import { InvalidArgumentError } from 'commander';

/** `name`, `name@3` or `name@label`: a version number, a label (alias), or neither. */
export function parseVersionRef(value: string): { name: string; version?: number; label?: string } {
  const at = value.lastIndexOf('@');
  if (at === -1) {
    if (value.length === 0) throw new InvalidArgumentError('must be a name, name@version or name@label');
    return { name: value };
  }
  const name = value.slice(0, at);
  const ref = value.slice(at + 1);
  if (name.length === 0 || ref.length === 0) {
    throw new InvalidArgumentError('must be a name, name@version or name@label');
  }
  return /^[0-9]+$/.test(ref) ? { name, version: Number(ref) } : { name, label: ref };
}

/** `--prompt answer@3`, `answer@production`, or `answer` (the latest version). */
export function parsePromptRef(value: string): CreateReleaseRequest['prompt'] {
  const { name, version, label } = parseVersionRef(value);
  return { name, ...(version !== undefined && { version }), ...(label !== undefined && { label }) };
}

/**
 * `--model sql-assistant@2` or `sql-assistant@champion`: a registry model version or alias;
 * `chat`, `route:chat` or `route:chat@3`: a gateway route (its current or a pinned version).
 */
export function parseModelRef(value: string): CreateReleaseRequest['model'] {
  const routed = value.startsWith('route:');
  const { name, version, label } = parseVersionRef(routed ? value.slice('route:'.length) : value);
  if (routed || (version === undefined && label === undefined)) {
    if (label !== undefined)
      throw new InvalidArgumentError('a route takes a version number: route:<name>@<version>');
    return { route: name, ...(version !== undefined && { routeVersion: version }) };
  }
  return { name, ...(version !== undefined && { version }), ...(label !== undefined && { alias: label }) };
}
