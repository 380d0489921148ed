import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_MODULE,
  readMigrationFiles,
  renderMigrationsModule,
} from '../../../scripts/gen-migrations.js';
import { migrations } from './migrations.generated.js';

describe('migrations.generated.ts', () => {
  it('embeds exactly the migrations/*.sql files (run npx tsx packages/server/scripts/gen-migrations.ts)', () => {
    const files = readMigrationFiles();
    expect(files.length).toBeGreaterThan(0);
    expect(migrations.map((m) => ({ version: m.version, name: m.name, sql: m.sql }))).toEqual(files);
    expect(readFileSync(GENERATED_MODULE, 'utf8')).toBe(renderMigrationsModule(files));
  });

  it('embeds SQL containing backticks, backslashes and ${ verbatim', async () => {
    const sql = `SELECT '\`a\`', '\\\\n', '\${x}';\n`;
    const source = renderMigrationsModule([{ version: 7, name: 'tricky', sql }]);
    const literal = source.slice(source.indexOf('sql: ') + 5, source.lastIndexOf(',\n  },'));
    expect(new Function(`return ${literal};`)()).toBe(sql);
  });
});
