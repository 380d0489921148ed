import { createHash } from 'node:crypto';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { ApiError } from '../../core/api-error.js';
import { reciprocalRankFusion } from '../../core/rank-fusion.js';
import { type Bm25Options, querySparseVector } from '../../core/sparse-vector.js';
import {
  type ChunkRecord,
  type CollectionRef,
  CollectionVersionError,
  type ScoredChunk,
  type VectorQuery,
  type VectorStore,
} from '../../ports/vector-store.js';
import {
  checkFieldTypes,
  type FieldType,
  fieldTypesFromPayloadSchema,
  fieldTypesOf,
  INDEX_SCHEMA,
  indexFieldName,
  isIndexedField,
} from './qdrant-field-types.js';
import { PAYLOAD, tenantCondition, toQdrantFilter } from './qdrant-filter.js';
import {
  chunkToPoint,
  pointToChunk,
  VECTORS,
  VERSION_PAYLOAD_KEY,
  VERSION_POINT_ID,
} from './qdrant-points.js';
import { callQdrant, type QdrantRetryOptions } from './qdrant-request.js';

export interface QdrantVectorStoreConfig {
  /** e.g. `http://localhost:6333`; required unless `client` is given. */
  url?: string;
  apiKey?: string;
  /** A preconfigured client (tests, custom headers); `url`, `apiKey` and `timeoutMs` are then ignored. */
  client?: QdrantClient;
  /** Prepended to every Qdrant collection name. Default `ragline_`. */
  collectionPrefix?: string;
  /** Points per write request. Default 256. */
  batchSize?: number;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Let the client check the server version with `GET /` (it only logs a warning). Default true. */
  checkCompatibility?: boolean;
  retry?: QdrantRetryOptions;
  /** BM25 document-side parameters of the sparse vectors (changing them needs a re-index). */
  bm25?: Bm25Options;
  /** New opaque version tokens (tests inject a deterministic one). Default `crypto.randomUUID`. */
  newVersionToken?: () => string;
}

const DEFAULT_FUSION = { k: 60, denseWeight: 1, lexicalWeight: 1 };

type QueryRequest = Schemas['QueryRequest'];

/**
 * VectorStore on Qdrant: one Qdrant collection per Ragline collection, with a named Cosine vector
 * "dense" (when the collection has dimensions), the caller's raw vector "original" (see qdrant-points.ts)
 * and a sparse BM25 vector "bm25" with `modifier: "idf"`. Every request also filters on `tenant_id`.
 * A retained version is a frozen copy of the collection behind an alias (see `retainVersions`).
 */
export function createQdrantVectorStore(config: QdrantVectorStoreConfig): VectorStore {
  const client = config.client ?? newClient(config);
  const prefix = config.collectionPrefix ?? 'ragline_';
  const batchSize = config.batchSize ?? 256;
  const newVersionToken = config.newVersionToken ?? (() => crypto.randomUUID());
  const call = <T>(operation: string, fn: () => Promise<T>) => callQdrant(operation, fn, config.retry);

  /** Metadata field types per Qdrant collection, seeded from its payload indexes. */
  const fieldTypes = new Map<string, Map<string, FieldType>>();
  /** Serialises the read-check-index step of writes per collection, so two writes cannot both add a field. */
  const schemaLocks = new Map<string, Promise<unknown>>();

  const nameOf = (ref: CollectionRef) => qdrantCollectionName(prefix, ref);

  async function loadFieldTypes(name: string): Promise<Map<string, FieldType>> {
    const info = await call('get collection', () => client.getCollection(name));
    const types = fieldTypesFromPayloadSchema(info.payload_schema);
    for (const [field, type] of fieldTypes.get(name) ?? []) if (!types.has(field)) types.set(field, type);
    fieldTypes.set(name, types);
    return types;
  }

  function withSchemaLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const run = (schemaLocks.get(name) ?? Promise.resolve()).then(fn, fn);
    schemaLocks.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  }

  /**
   * Checks the write's metadata types against the collection's and records new fields (creating their
   * payload index) before any point is written, so a clash leaves the collection untouched. The types are
   * re-read from Qdrant whenever a field is new to this process, which catches most clashes with writes
   * made by other processes; two processes adding the same new field at the same instant are not caught.
   */
  function reserveFieldTypes(name: string, chunks: ChunkRecord[]): Promise<void> {
    const needed = fieldTypesOf(chunks);
    if (needed.size === 0) return Promise.resolve();
    return withSchemaLock(name, async () => {
      let known = fieldTypes.get(name);
      if (!known || [...needed.keys()].some((f) => !known?.has(f))) known = await loadFieldTypes(name);
      checkFieldTypes(needed, known);
      for (const [field, type] of needed) {
        if (known.has(field)) continue;
        if (isIndexedField(field)) {
          await call('create payload index', () =>
            client.createPayloadIndex(name, {
              field_name: indexFieldName(field),
              field_schema: INDEX_SCHEMA[type],
              wait: true,
            }),
          );
        }
        known.set(field, type);
      }
    });
  }

  async function ensureBaseIndexes(name: string, schema: Record<string, unknown> | undefined): Promise<void> {
    const wanted: [string, Schemas['PayloadFieldSchema']][] = [
      [PAYLOAD.tenantId, { type: 'keyword', is_tenant: true }],
      [PAYLOAD.documentId, 'keyword'],
    ];
    for (const [field, fieldSchema] of wanted) {
      if (schema?.[field]) continue;
      await call('create payload index', () =>
        client.createPayloadIndex(name, { field_name: field, field_schema: fieldSchema, wait: true }),
      );
    }
  }

  const versionOperation = (): Schemas['UpdateOperation'] => ({
    upsert: {
      points: [{ id: VERSION_POINT_ID, vector: {}, payload: { [VERSION_PAYLOAD_KEY]: newVersionToken() } }],
    },
  });

  function searchRequest(
    ref: CollectionRef,
    query: VectorQuery,
    using: 'dense' | 'bm25',
    vector: number[] | Schemas['SparseVector'],
    limit: number,
  ): QueryRequest {
    return {
      query: vector,
      using: using === 'dense' ? VECTORS.dense : VECTORS.bm25,
      filter: toQdrantFilter(ref.tenantId, query.filter),
      limit,
      with_payload: true,
      with_vector: query.includeVectors && ref.dimensions !== null ? [VECTORS.original] : false,
    };
  }

  async function currentVersion(ref: CollectionRef): Promise<string> {
    const [point] = await call('retrieve points', () =>
      client.retrieve(nameOf(ref), {
        ids: [VERSION_POINT_ID],
        with_payload: [VERSION_PAYLOAD_KEY],
        with_vector: false,
      }),
    );
    const token = point?.payload?.[VERSION_PAYLOAD_KEY];
    return typeof token === 'string' ? token : 'initial';
  }

  /** Searches `name` (the live collection, or a frozen copy's alias) with the ref's shape and tenant. */
  async function search(name: string, ref: CollectionRef, query: VectorQuery): Promise<ScoredChunk[]> {
    const topK = Math.floor(query.topK);
    if (query.mode !== 'lexical') checkQueryVector(ref, query);
    const text = query.mode === 'dense' ? '' : requireText(query);
    if (topK <= 0) return [];
    const sparse = querySparseVector(text);

    if (query.mode === 'dense' || query.mode === 'lexical') {
      if (query.mode === 'lexical' && sparse.indices.length === 0) return [];
      const request =
        query.mode === 'dense'
          ? searchRequest(ref, query, 'dense', query.vector as number[], topK)
          : searchRequest(ref, query, 'bm25', sparse, topK);
      const { points } = await call('query points', () => client.query(name, request));
      return points.map((p) => pointToChunk(p, p.score));
    }

    // Hybrid: both rankings come back in one batch request and are fused here rather than with Qdrant's
    // `{"rrf": ...}`, whose weights scale the rank instead of the contribution (1 / (rank / w + k - 1)) and
    // whose float32 scores would not match the weighted RRF every VectorStore reports.
    const depth = Math.max(topK * 2, 50);
    const searches = [searchRequest(ref, query, 'dense', query.vector as number[], depth)];
    if (sparse.indices.length > 0) searches.push(searchRequest(ref, query, 'bm25', sparse, depth));
    const responses = await call('query points', () => client.queryBatch(name, { searches }));
    const fusion = query.fusion ?? DEFAULT_FUSION;
    const weights = [fusion.denseWeight, fusion.lexicalWeight];
    const fused = reciprocalRankFusion(
      responses.map((r, i) => ({
        items: r.points.map((p) => pointToChunk(p, p.score)),
        weight: weights[i] ?? 1,
      })),
      { k: fusion.k, key: (c: ScoredChunk) => c.id, limit: topK },
    );
    return fused.map(({ item, score }) => ({ ...item, score }));
  }

  /** A pinned version that is no longer current answers from its frozen copy, through the alias. */
  async function searchFrozen(
    ref: CollectionRef,
    query: VectorQuery,
    version: string,
  ): Promise<ScoredChunk[]> {
    try {
      return await search(frozenAliasName(nameOf(ref), version), ref, query);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'COLLECTION_NOT_FOUND')) throw error;
      throw new CollectionVersionError(
        version,
        'unsupported',
        `the collection has changed since version ${version}, and Qdrant keeps an old version only while a release retains it`,
      );
    }
  }

  async function deleteCollectionIfExists(name: string): Promise<void> {
    try {
      await call('delete collection', () => client.deleteCollection(name));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'COLLECTION_NOT_FOUND')) throw error;
    }
  }

  /** Deletes the collection's frozen copies (and their aliases) except those of the `keep` versions. */
  async function deleteFrozenCopies(name: string, keep: readonly string[]): Promise<void> {
    const keptAliases = new Set(keep.map((v) => frozenAliasName(name, v)));
    const keptCopies = new Set(keep.map((v) => frozenCopyName(name, v)));
    const { aliases } = await call('list aliases', () => client.getAliases());
    const staleAliases = aliases
      .filter(
        (a) => a.alias_name.startsWith(`${name}${FROZEN_ALIAS_INFIX}`) && !keptAliases.has(a.alias_name),
      )
      .map((a) => a.alias_name);
    // Aliases first, so a reader gets "not retained" rather than a collection being deleted under it.
    if (staleAliases.length > 0) {
      const actions = staleAliases.map((alias_name) => ({ delete_alias: { alias_name } }));
      await call('update aliases', () => client.updateCollectionAliases({ actions }));
    }
    const { collections } = await call('list collections', () => client.getCollections());
    for (const { name: copy } of collections) {
      if (copy.startsWith(`${name}${FROZEN_COPY_INFIX}`) && !keptCopies.has(copy)) {
        await deleteCollectionIfExists(copy);
      }
    }
  }

  /**
   * Copies the live collection (points with their vectors and payload, the version marker included, and
   * its payload indexes) into a new collection, then puts the version's alias on it: the alias exists only
   * for a complete copy, and a copy without one (a crash mid-way) is deleted and made again. A write that
   * lands during the copy would mix versions, so the copy is discarded if the version changed meanwhile.
   */
  async function freeze(ref: CollectionRef, version: string): Promise<void> {
    const name = nameOf(ref);
    const copy = frozenCopyName(name, version);
    const gone = (why: string) =>
      new CollectionVersionError(
        version,
        'not-found',
        `cannot retain version ${version} of collection ${ref.tenantId}/${ref.key}: ${why}`,
      );
    if ((await currentVersion(ref)) !== version) throw gone('it is no longer current and has no frozen copy');
    await deleteCollectionIfExists(copy);
    await call('create collection', () => client.createCollection(copy, collectionConfig(ref)));
    const info = await call('get collection', () => client.getCollection(name));
    for (const [field, entry] of Object.entries(info.payload_schema ?? {})) {
      if (!entry) continue;
      const field_schema = entry.params ?? entry.data_type;
      await call('create payload index', () =>
        client.createPayloadIndex(copy, { field_name: field, field_schema, wait: true }),
      );
    }
    let offset: Schemas['ExtendedPointId'] | null | undefined;
    do {
      const page = await call('scroll points', () =>
        client.scroll(name, {
          limit: batchSize,
          with_payload: true,
          with_vector: true,
          ...(offset !== undefined ? { offset } : {}),
        }),
      );
      const points = page.points.map((p) => ({
        id: p.id,
        vector: (p.vector ?? {}) as Schemas['VectorStruct'],
        payload: p.payload ?? {},
      }));
      if (points.length > 0) await call('upsert points', () => client.upsert(copy, { points, wait: true }));
      // Scrolling without order_by pages by point id, so the next offset is one.
      offset = page.next_page_offset as Schemas['ExtendedPointId'] | null | undefined;
    } while (offset !== undefined && offset !== null);
    if ((await currentVersion(ref)) !== version) {
      await deleteCollectionIfExists(copy);
      throw gone('the collection changed while it was being copied');
    }
    const actions = [{ create_alias: { collection_name: copy, alias_name: frozenAliasName(name, version) } }];
    await call('update aliases', () => client.updateCollectionAliases({ actions }));
  }

  return {
    kind: 'qdrant',

    async ensureCollection(ref) {
      const name = nameOf(ref);
      const { exists } = await call('collection exists', () => client.collectionExists(name));
      if (!exists) {
        try {
          await call('create collection', () => client.createCollection(name, collectionConfig(ref)));
        } catch (error) {
          // Another process created it between our check and create: fine, it is checked below.
          if (!(error instanceof ApiError && (error.details as { status?: number }).status === 409))
            throw error;
        }
      }
      const info = await call('get collection', () => client.getCollection(name));
      checkCollectionShape(name, ref, info);
      await ensureBaseIndexes(name, info.payload_schema);
      const types = fieldTypesFromPayloadSchema(info.payload_schema);
      for (const [field, type] of fieldTypes.get(name) ?? []) if (!types.has(field)) types.set(field, type);
      fieldTypes.set(name, types);
    },

    async dropCollection(ref) {
      const name = nameOf(ref);
      fieldTypes.delete(name);
      await withSchemaLock(retainLockOf(name), () => deleteFrozenCopies(name, []));
      await deleteCollectionIfExists(name);
    },

    /**
     * Atomicity: Qdrant has no multi-operation transactions. Each batch request below is applied in order
     * and each point write is atomic, so rewritten chunks (same chunk id, hence same point id) switch from
     * old to new in place, but until the final request's delete runs, a reader may also see old chunks that
     * the new version no longer has (and, with several batches, new chunks beside not yet rewritten old
     * ones). Everything that can be checked up front (document ids, vector sizes, metadata types) is
     * checked before the first request, so bad input leaves the old chunks intact; a transport failure
     * mid-way can leave a mix, which repeating the call repairs. Full snapshot isolation needs
     * versioned collections behind an alias.
     */
    async replaceDocuments(ref, documentIds, chunks) {
      const name = nameOf(ref);
      validateChunks(ref, documentIds, chunks);
      if (documentIds.length === 0) return;
      await reserveFieldTypes(name, chunks);
      const byId = new Map<string, Schemas['PointStruct']>();
      for (const chunk of chunks) {
        const point = await chunkToPoint(ref.tenantId, chunk, config.bm25);
        byId.set(String(point.id), point);
      }
      const points = [...byId.values()];
      const stale: Schemas['Filter'] = {
        must: [
          tenantCondition(ref.tenantId),
          { key: PAYLOAD.documentId, match: { any: [...new Set(documentIds)] } },
        ],
        ...(points.length > 0 ? { must_not: [{ has_id: points.map((p) => p.id) }] } : {}),
      };
      const requests: Schemas['UpdateOperation'][][] = [];
      for (let i = 0; i < points.length; i += batchSize) {
        requests.push([{ upsert: { points: points.slice(i, i + batchSize) } }]);
      }
      const last = requests.at(-1) ?? [];
      if (requests.length === 0) requests.push(last);
      last.push({ delete: { filter: stale } }, versionOperation());
      for (const operations of requests) {
        await call('update points', () => client.batchUpdate(name, { operations, wait: true }));
      }
    },

    async deleteDocuments(ref, documentIds) {
      if (documentIds.length === 0) return;
      const filter: Schemas['Filter'] = {
        must: [
          tenantCondition(ref.tenantId),
          { key: PAYLOAD.documentId, match: { any: [...new Set(documentIds)] } },
        ],
      };
      const operations: Schemas['UpdateOperation'][] = [{ delete: { filter } }, versionOperation()];
      await call('delete points', () => client.batchUpdate(nameOf(ref), { operations, wait: true }));
    },

    /**
     * With a version: the live collection while that version is current (checked before and after the
     * search, since a write landing in between may show in its hits), else its frozen copy.
     */
    async query(ref, query) {
      const { version } = query;
      if (version === undefined) return search(nameOf(ref), ref, query);
      if ((await currentVersion(ref)) === version) {
        const hits = await search(nameOf(ref), ref, query);
        if ((await currentVersion(ref)) === version) return hits;
      }
      return searchFrozen(ref, query, version);
    },

    async countChunks(ref) {
      const filter: Schemas['Filter'] = { must: [tenantCondition(ref.tenantId)] };
      const { count } = await call('count points', () => client.count(nameOf(ref), { filter, exact: true }));
      return count;
    },

    /**
     * A token rewritten (in the same request as the data) by every replace/delete and stored on a marker
     * point without `tenant_id`, so no query or count sees it. It tells "changed since" apart; the
     * contents of an old version survive only as a frozen copy made by `retainVersions`.
     */
    currentVersion,

    /**
     * Each retained version is a frozen copy (`<collection>.v_<hash>`) behind an alias
     * (`<collection>@<hash>`), made when the version is first retained, which must be while it is still
     * current; copies of versions left out of the set are deleted. Serialised per collection in-process.
     */
    async retainVersions(ref, versions) {
      const name = nameOf(ref);
      await withSchemaLock(retainLockOf(name), async () => {
        const { aliases } = await call('list aliases', () => client.getAliases());
        const existing = new Set(aliases.map((a) => a.alias_name));
        for (const version of new Set(versions)) {
          if (!existing.has(frozenAliasName(name, version))) await freeze(ref, version);
        }
        await deleteFrozenCopies(name, versions);
      });
    },
  };
}

function newClient(config: QdrantVectorStoreConfig): QdrantClient {
  if (!config.url) throw new Error('createQdrantVectorStore needs `url` or `client`');
  return new QdrantClient({
    url: config.url,
    ...(config.apiKey !== undefined ? { apiKey: config.apiKey } : {}),
    timeout: config.timeoutMs ?? 30_000,
    checkCompatibility: config.checkCompatibility ?? true,
  });
}

const FROZEN_COPY_INFIX = '.v_';
const FROZEN_ALIAS_INFIX = '@';

/** Neither `.` nor `@` can occur in a live collection's name after the prefix, so these never clash. */
function versionHash(version: string): string {
  return createHash('sha256').update(version).digest('hex').slice(0, 16);
}

export function frozenCopyName(collectionName: string, version: string): string {
  return `${collectionName}${FROZEN_COPY_INFIX}${versionHash(version)}`;
}

export function frozenAliasName(collectionName: string, version: string): string {
  return `${collectionName}${FROZEN_ALIAS_INFIX}${versionHash(version)}`;
}

/** A lock key apart from the schema lock's (collection names never contain a space). */
const retainLockOf = (name: string) => `retain ${name}`;

/**
 * `<prefix><tenant>-<key>`: the key is [a-z0-9_] and the tenant is reduced to [A-Za-z0-9_], so the single
 * `-` separates them unambiguously.
 */
export function qdrantCollectionName(prefix: string, ref: CollectionRef): string {
  return `${prefix}${ref.tenantId.replace(/[^A-Za-z0-9_]/g, '_')}-${ref.key}`;
}

function collectionConfig(ref: CollectionRef): Schemas['CreateCollection'] {
  const vectors: Record<string, Schemas['VectorParams']> = {};
  if (ref.dimensions !== null) {
    vectors[VECTORS.dense] = { size: ref.dimensions, distance: 'Cosine' };
    vectors[VECTORS.original] = {
      size: ref.dimensions,
      distance: 'Dot',
      on_disk: true,
      hnsw_config: { m: 0 },
    };
  }
  return { vectors, sparse_vectors: { [VECTORS.bm25]: { modifier: 'idf' } } };
}

function checkCollectionShape(name: string, ref: CollectionRef, info: Schemas['CollectionInfo']): void {
  const vectors = info.config.params.vectors as
    | Record<string, Schemas['VectorParams'] | undefined>
    | undefined;
  const size = vectors?.[VECTORS.dense]?.size ?? null;
  if (size !== ref.dimensions) {
    throw new Error(`Qdrant collection ${name} has dense dimensions ${size}, not ${ref.dimensions}`);
  }
  if (!info.config.params.sparse_vectors?.[VECTORS.bm25]) {
    throw new Error(
      `Qdrant collection ${name} has no sparse vector "${VECTORS.bm25}"; it was not created by Ragline`,
    );
  }
}

function validateChunks(ref: CollectionRef, documentIds: string[], chunks: ChunkRecord[]): void {
  const docs = new Set(documentIds);
  for (const chunk of chunks) {
    if (!docs.has(chunk.documentId)) {
      throw new Error(`chunk ${chunk.id} belongs to ${chunk.documentId}, which is not being replaced`);
    }
    if (ref.dimensions === null) {
      if (chunk.vector !== undefined)
        throw new Error(`chunk ${chunk.id} has a vector; the collection is lexical-only`);
    } else if (chunk.vector?.length !== ref.dimensions) {
      throw new Error(
        `chunk ${chunk.id} vector must have ${ref.dimensions} dimensions, got ${chunk.vector?.length ?? 'none'}`,
      );
    }
  }
}

function checkQueryVector(ref: CollectionRef, query: VectorQuery): void {
  if (ref.dimensions === null) throw new Error(`${query.mode} query on a lexical-only collection`);
  if (!query.vector) throw new Error(`${query.mode} query needs a vector`);
  if (query.vector.length !== ref.dimensions) {
    throw new Error(`query vector must have ${ref.dimensions} dimensions, got ${query.vector.length}`);
  }
}

function requireText(query: VectorQuery): string {
  if (query.text === undefined) throw new Error(`${query.mode} query needs text`);
  return query.text;
}
