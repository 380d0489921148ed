import type {
  PromptVariableSchema,
  PromptVariablesSchema,
  PromptVariableType,
} from '../../ports/registry-repositories.js';

/** One problem, in the shape parseBody uses: `{field: 'variables.question', message: 'required'}`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Variable and property names: usable as template tags. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MAX_SCHEMA_DEPTH = 6;
/** Properties per object schema. */
export const MAX_PROPERTIES = 100;

/**
 * Problems with a variables schema the zod contract cannot see: names that cannot be tags, `required`
 * naming an undeclared property, `items`/`properties` on the wrong type, enum values of another type.
 */
export function schemaProblems(schema: PromptVariablesSchema, field = 'variables'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  checkObject(schema.properties, schema.required, field, 1, issues);
  return issues;
}

function checkObject(
  properties: Record<string, PromptVariableSchema>,
  required: string[],
  field: string,
  depth: number,
  issues: FieldIssue[],
): void {
  if (Object.keys(properties).length > MAX_PROPERTIES) {
    issues.push({ field: `${field}.properties`, message: `at most ${MAX_PROPERTIES} properties` });
    return;
  }
  for (const [name, property] of Object.entries(properties)) {
    const at = `${field}.properties.${name}`;
    if (!VARIABLE_NAME.test(name)) {
      issues.push({
        field: at,
        message: 'names are letters, digits, "_" and "-", starting with a letter or "_"',
      });
    }
    checkProperty(property, at, depth + 1, issues);
  }
  required.forEach((name, index) => {
    if (!Object.hasOwn(properties, name)) {
      issues.push({ field: `${field}.required[${index}]`, message: `"${name}" is not in properties` });
    }
  });
}

function checkProperty(
  schema: PromptVariableSchema,
  field: string,
  depth: number,
  issues: FieldIssue[],
): void {
  if (depth > MAX_SCHEMA_DEPTH) {
    issues.push({ field, message: `schemas nest at most ${MAX_SCHEMA_DEPTH} deep` });
    return;
  }
  if (schema.items !== undefined) {
    if (schema.type !== 'array') issues.push({ field: `${field}.items`, message: 'needs type "array"' });
    checkProperty(schema.items, `${field}.items`, depth + 1, issues);
  }
  if (schema.properties !== undefined || schema.required !== undefined) {
    if (schema.type !== 'object') {
      issues.push({ field: `${field}.properties`, message: 'properties and required need type "object"' });
    }
    checkObject(schema.properties ?? {}, schema.required ?? [], field, depth, issues);
  }
  schema.enum?.forEach((value, index) => {
    if (schema.type !== undefined && !hasType(value, schema.type)) {
      issues.push({ field: `${field}.enum[${index}]`, message: `must be ${article(schema.type)}` });
    }
  });
}

/** A schema for a template stored without one: each value tag required, each section optional, any type. */
export function inferVariables(names: {
  variables: Set<string>;
  sections: Set<string>;
}): PromptVariablesSchema {
  const properties: Record<string, PromptVariableSchema> = {};
  for (const name of [...names.variables, ...names.sections].sort()) properties[name] = {};
  return { type: 'object', properties, required: [...names.variables].sort() };
}

/**
 * Checks render-time values against the schema: every missing required variable and every wrongly
 * typed one (nested items and properties included), named by its path. Values the schema does not
 * declare are allowed (callers such as the answer endpoint pass `context` and `question` to every prompt).
 */
export function variableProblems(
  schema: PromptVariablesSchema,
  values: Record<string, unknown>,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  checkObjectValue(schema.properties, schema.required, values, 'variables', issues);
  return issues;
}

function checkObjectValue(
  properties: Record<string, PromptVariableSchema>,
  required: string[],
  value: Record<string, unknown>,
  field: string,
  issues: FieldIssue[],
): void {
  for (const name of required) {
    if (!Object.hasOwn(value, name) || value[name] === null || value[name] === undefined) {
      issues.push({ field: `${field}.${name}`, message: 'required' });
    }
  }
  for (const [name, property] of Object.entries(properties)) {
    if (!Object.hasOwn(value, name)) continue;
    const item = value[name];
    if (item === null || item === undefined) continue;
    checkValue(property, item, `${field}.${name}`, issues);
  }
}

function checkValue(schema: PromptVariableSchema, value: unknown, field: string, issues: FieldIssue[]): void {
  if (schema.type !== undefined && !hasType(value, schema.type)) {
    issues.push({ field, message: `must be ${article(schema.type)} (got ${describeType(value)})` });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.some((allowed) => allowed === value)) {
    issues.push({ field, message: `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}` });
    return;
  }
  if (schema.items !== undefined && Array.isArray(value)) {
    value.forEach((item, index) => {
      checkValue(schema.items as PromptVariableSchema, item, `${field}[${index}]`, issues);
    });
  }
  if ((schema.properties !== undefined || schema.required !== undefined) && isPlainObject(value)) {
    checkObjectValue(schema.properties ?? {}, schema.required ?? [], value, field, issues);
  }
}

function hasType(value: unknown, type: PromptVariableType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a number';
  if (typeof value === 'number') return 'an integer';
  return article(typeof value);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
