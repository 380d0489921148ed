import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseModelRef, parsePromptRef, parseVersionRef } from './parse-refs.js';

describe('CLI references', () => {
  it('reads name, name@version and name@label, splitting at the last @', () => {
    expect(parseVersionRef('answer')).toEqual({ name: 'answer' });
    expect(parseVersionRef('answer@12')).toEqual({ name: 'answer', version: 12 });
    expect(parseVersionRef('support/answer@production')).toEqual({
      name: 'support/answer',
      label: 'production',
    });
    expect(parseVersionRef('team@corp@3')).toEqual({ name: 'team@corp', version: 3 });
    for (const bad of ['', '@3', 'answer@']) expect(() => parseVersionRef(bad)).toThrow(InvalidArgumentError);
  });

  it('a prompt takes a version or a label', () => {
    expect(parsePromptRef('answer@3')).toEqual({ name: 'answer', version: 3 });
    expect(parsePromptRef('answer@staging')).toEqual({ name: 'answer', label: 'staging' });
  });

  it('a model is a registry version or alias; a bare name or route: prefix is a gateway route', () => {
    expect(parseModelRef('sql-assistant@2')).toEqual({ name: 'sql-assistant', version: 2 });
    expect(parseModelRef('sql-assistant@champion')).toEqual({ name: 'sql-assistant', alias: 'champion' });
    expect(parseModelRef('chat')).toEqual({ route: 'chat' });
    expect(parseModelRef('route:chat')).toEqual({ route: 'chat' });
    expect(parseModelRef('route:chat@4')).toEqual({ route: 'chat', routeVersion: 4 });
    expect(() => parseModelRef('route:chat@live')).toThrow(/route takes a version number/);
  });
});
