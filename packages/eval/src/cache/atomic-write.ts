import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `text` to `path` so that a reader sees the old file or the whole new one, never a part: the text
 * goes to a temporary file in the same folder (same file system) that is then renamed over `path`. Two
 * writers of the same path race harmlessly: each rename is atomic and the last one wins. `makeDir: false`
 * skips creating the folder when the caller knows it exists.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { makeDir?: boolean } = {},
): Promise<void> {
  if (options.makeDir !== false) await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
