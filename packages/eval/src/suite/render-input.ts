import type { DatasetCase } from './dataset.js';

/** The case's input with `{{name}}` placeholders replaced by its variables (unknown names stay as they are). */
export function renderInput(item: DatasetCase): string {
  const variables = item.variables ?? {};
  return item.input.replace(
    /\{\{\s*([\w.-]+)\s*\}\}/g,
    (placeholder, name: string) => variables[name] ?? placeholder,
  );
}
