/**
 * The registry's storage: immutable prompt versions and movable labels with the history of every move.
 * Part of the MetadataStore (`metadata.prompts`, `metadata.labels`); SQL stays in the adapter. Every
 * method takes the tenant id and never returns another tenant's rows.
 */

/** What a label names: a prompt version, a model version or (per tenant) a release. */
export type LabelSubject = 'prompt' | 'model' | 'release';

/** The promotion policy's answer for one label move (services/registry/promotion-policy.ts). */
export interface PolicyDecision {
  allowed: boolean;
  reason: string;
  checks: { name: string; passed: boolean; detail: string }[];
  /** Set when an admin key moved the label although the policy refused (services/registry/move-label.ts). */
  override?: { reason: string; by: string | null };
}

export type PromptKind = 'text' | 'chat';

/** The roles a chat template's messages may have (history messages may also be `tool`). */
export type PromptMessageRole = 'system' | 'developer' | 'user' | 'assistant';

/** One message of a chat template: a role and a template, or the place the request's history goes. */
export type PromptMessageTemplate =
  | { role: PromptMessageRole; content: string }
  | { role: 'placeholder'; name: 'history' };

export type PromptVariableType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

/** One variable: a JSON Schema subset. No `type` accepts any value. */
export interface PromptVariableSchema {
  type?: PromptVariableType;
  description?: string;
  enum?: (string | number | boolean)[];
  /** Arrays: the schema of each item. */
  items?: PromptVariableSchema;
  /** Objects: their properties, and which of them are required. */
  properties?: Record<string, PromptVariableSchema>;
  required?: string[];
}

/** The variables of a prompt: always an object schema. */
export interface PromptVariablesSchema {
  type: 'object';
  properties: Record<string, PromptVariableSchema>;
  required: string[];
}

/** The model a prompt was written for: a gateway route and call parameters (temperature, ...). */
export interface PromptModelConfig {
  model?: string;
  parameters?: Record<string, unknown>;
}

export interface PromptVersionRow {
  tenantId: string;
  /** Letters, digits, `.`, `_`, `-`, segments joined by `/` (`support/answer`). */
  name: string;
  /** 1 for a name's first version, then +1; never reused, never rewritten. */
  version: number;
  kind: PromptKind;
  /** `text`: the template; `chat`: the messages. */
  template: string | PromptMessageTemplate[];
  variables: PromptVariablesSchema;
  modelConfig: PromptModelConfig | null;
  /** The commit message. */
  message: string | null;
  /** Hex SHA-256 of the content (kind, template, variables, model config): equal content, equal hash. */
  contentHash: string;
  createdAt: string;
  /** Id of the API key that created it. */
  createdBy: string | null;
}

export interface PromptNameRow {
  name: string;
  latestVersion: number;
  /** When the latest version was created. */
  updatedAt: string;
}

export interface PromptRepository {
  /**
   * Appends the name's next version atomically (1, then one above the highest), unless the latest
   * version has the same contentHash: then nothing is written and the latest comes back with
   * `created: false`. Rejects when the tenant does not exist.
   */
  append(row: Omit<PromptVersionRow, 'version'>): Promise<{ row: PromptVersionRow; created: boolean }>;
  get(tenantId: string, name: string, version: number): Promise<PromptVersionRow | null>;
  /** The highest version, or null when the name has none. */
  latest(tenantId: string, name: string): Promise<PromptVersionRow | null>;
  /** Every version of one prompt, oldest first. */
  versions(tenantId: string, name: string): Promise<PromptVersionRow[]>;
  /** The tenant's prompt names with their latest version, ordered by name. */
  listNames(tenantId: string): Promise<PromptNameRow[]>;
}

export interface LabelRow {
  tenantId: string;
  subject: LabelSubject;
  /** The prompt or model name; '' for release labels. */
  name: string;
  label: string;
  /** A version number as text, or a release id. */
  target: string;
  updatedAt: string;
  updatedBy: string | null;
}

/** One recorded label move. */
export interface LabelMoveRow {
  /** Orders the moves: a later move has a higher id. */
  id: number;
  tenantId: string;
  subject: LabelSubject;
  name: string;
  label: string;
  /** null: the label did not exist before this move. */
  from: string | null;
  to: string;
  at: string;
  by: string | null;
  decision: PolicyDecision;
}

export interface LabelChange {
  tenantId: string;
  subject: LabelSubject;
  name: string;
  label: string;
  /** The target the mover read (null: the label did not exist); the move only happens while it still holds. */
  expected: string | null;
  target: string;
  at: string;
  by: string | null;
  /** Stored with the move in the history. */
  decision: PolicyDecision;
}

export interface LabelRepository {
  get(tenantId: string, subject: LabelSubject, name: string, label: string): Promise<LabelRow | null>;
  /** The labels of one name, or (name undefined) of every name of the subject; ordered by name, then label. */
  list(tenantId: string, subject: LabelSubject, name?: string): Promise<LabelRow[]>;
  /**
   * Compare-and-swap: points the label at `target` and records the move in the history, in one
   * transaction, only while the label's current target is still `expected`. Returns the label as
   * written, or null (writing nothing) when another move got there first: of two concurrent moves from
   * the same target, exactly one wins. Rejects when the tenant does not exist.
   */
  set(change: LabelChange): Promise<LabelRow | null>;
  /** The moves of one name (optionally one label), newest first; `before` pages by id. */
  history(
    tenantId: string,
    subject: LabelSubject,
    name: string,
    options: { label?: string; limit: number; before?: number },
  ): Promise<LabelMoveRow[]>;
}

/** A model version that is a gateway route, at a pinned route version (ADR 0006). */
export interface ModelRouteSpec {
  route: string;
  routeVersion: number;
  /** Where the route version lives: the config file's routes or the tenant's own (resolveRoute's `source`). */
  source: 'config' | 'tenant';
}

/** A model version served by one gateway target or pool: a base model, optionally with a LoRA adapter. */
export interface ModelTargetSpec {
  /** A target id or (exclusive) a pool id of the gateway config. */
  target?: string;
  pool?: string;
  /** The model the target (or the pool's replicas) serve. */
  baseModel: string;
  /** A LoRA adapter the target serves, sent upstream as `model` (see docs/guides/gateway.md). */
  adapter?: string;
}

export type ModelSpec = ModelRouteSpec | ModelTargetSpec;

/** Where a model version came from and what scored it. */
export interface ModelLineage {
  fineTuneJob?: string;
  dataset?: string;
  /** Eval runs known when the version was created; later ones are links (ModelRepository.linkEvalRun). */
  evalRuns?: string[];
}

export interface ModelVersionRow {
  tenantId: string;
  /** The logical model name. */
  name: string;
  /** 1 for a name's first version, then +1; never reused, never rewritten. */
  version: number;
  spec: ModelSpec;
  lineage: ModelLineage;
  message: string | null;
  createdAt: string;
  createdBy: string | null;
}

export interface ModelNameRow {
  name: string;
  latestVersion: number;
  updatedAt: string;
}

/** An eval run that scored a model version, linked after the version was created. Append-only. */
export interface ModelEvalLinkRow {
  tenantId: string;
  name: string;
  version: number;
  evalRunId: string;
  linkedAt: string;
  linkedBy: string | null;
}

export interface ModelRepository {
  /** Appends the name's next version atomically (1, then one above the highest). Rejects when the tenant does not exist. */
  append(row: Omit<ModelVersionRow, 'version'>): Promise<ModelVersionRow>;
  get(tenantId: string, name: string, version: number): Promise<ModelVersionRow | null>;
  /** The highest version, or null when the name has none. */
  latest(tenantId: string, name: string): Promise<ModelVersionRow | null>;
  /** Every version of one model, oldest first. */
  versions(tenantId: string, name: string): Promise<ModelVersionRow[]>;
  /** The tenant's model names with their latest version, ordered by name. */
  listNames(tenantId: string): Promise<ModelNameRow[]>;
  /** Links an eval run to an existing version; false when it was already linked or the version does not exist. */
  linkEvalRun(link: ModelEvalLinkRow): Promise<boolean>;
  /** The eval runs linked to one version, oldest first. */
  evalRunLinks(tenantId: string, name: string, version: number): Promise<ModelEvalLinkRow[]>;
}

/** The retrieval settings a release pins (the query API's, with defaults filled in). */
export interface ReleaseRetrieval {
  /** The pinned collection's name (the same as `collection.name`). */
  collection: string;
  mode: 'dense' | 'lexical' | 'hybrid';
  topK: number;
  /** A metadata filter (core/filter.ts syntax); absent: none. */
  filter?: unknown;
  /** Hybrid only (always filled for hybrid). */
  fusion?: { k: number; denseWeight: number; lexicalWeight: number };
}

/** A release's model: a registry model version, or a gateway route version. */
export type ReleaseModelPin =
  | { name: string; version: number }
  | { route: string; routeVersion: number; source: 'config' | 'tenant' };

/** Everything a release pins. Its canonical JSON (keys sorted) is what the release id hashes. */
export interface ReleasePins {
  prompt: { name: string; version: number };
  /** null: no model, an extractive release (kept as `null`, so it hashes apart from every model pin). */
  model: ReleaseModelPin | null;
  retrieval: ReleaseRetrieval;
  collection: {
    name: string;
    /** VectorStore.currentVersion at pinning time: a LanceDB table version. */
    version: string;
    /** The collection's internal id: a collection deleted and re-created under the name is another one. */
    id: string;
  };
}

export interface ReleaseRow {
  tenantId: string;
  /** `rel_` + the first 24 hex digits of the SHA-256 of the pins' canonical JSON. */
  id: string;
  pins: ReleasePins;
  createdAt: string;
  createdBy: string | null;
}

export interface ReleaseRepository {
  /**
   * Inserts the release; when the tenant already has one with this id (the same pins), nothing is
   * written and the stored one comes back with `created: false`. Rejects when the tenant does not exist.
   */
  insert(row: ReleaseRow): Promise<{ row: ReleaseRow; created: boolean }>;
  get(tenantId: string, id: string): Promise<ReleaseRow | null>;
  /** Newest first; `before` is the id of the last release of the previous page. */
  list(tenantId: string, options: { limit: number; before?: string }): Promise<ReleaseRow[]>;
  /** The distinct versions of one collection (by internal id) that the tenant's releases pin. */
  pinnedCollectionVersions(tenantId: string, collectionId: string): Promise<string[]>;
}
