import * as lancedb from '@lancedb/lancedb';
import { type DataType, Field, FixedSizeList, Float32, Int32, Schema, Type, Utf8 } from 'apache-arrow';
import { createKeyedMutex } from '../../core/keyed-mutex.js';
import { reciprocalRankFusion } from '../../core/rank-fusion.js';
import {
  type ChunkRecord,
  type CollectionRef,
  CollectionVersionError,
  MetadataTypeError,
  type ScoredChunk,
  type VectorQuery,
  type VectorStore,
} from '../../ports/vector-store.js';
import {
  fieldOfColumn,
  type MetadataColumn,
  type MetadataType,
  metadataColumnName,
  sqlLiteral,
  toLanceWhere,
} from './lancedb-filter.js';

export type LanceFtsOptions = Partial<lancedb.FtsOptions>;

export interface LanceDbVectorStoreConfig {
  /** A local directory (or any URI LanceDB accepts). */
  uri: string;
  /** Full-text index settings, merged over DEFAULT_LANCE_FTS_OPTIONS. Changing them needs a reindex. */
  fts?: LanceFtsOptions;
  vectorIndex?: {
    /**
     * At `optimize`, build the IVF_FLAT cosine index and scalar indexes (id, document_id, metadata
     * columns) once a table has this many rows; below it, dense search is exact brute force.
     */
    minRows?: number;
    /** IVF partitions; default the square root of the rows at training time. */
    numPartitions?: number;
    /** Partitions probed per query at least (more when a filter leaves too few hits). */
    nprobes?: number;
  };
  /**
   * Runs `optimize` in the background so full-text and vector indexes cover new rows (LanceDB answers
   * unindexed rows by scanning them, which makes lexical queries slow within a few thousand rows):
   * `debounceMs` after the last write, or right after the write that crosses either threshold
   * (counted since the last optimize). Writes never wait for it inside their own call. `false`
   * disables it.
   */
  autoOptimize?: { everyWrites?: number; everyRows?: number; debounceMs?: number } | false;
  /** Where failures of background index maintenance go (they never fail a request). */
  onBackgroundError?: (error: unknown) => void;
  /** `optimize` prunes table versions older than this, except those given to `retainVersions`. */
  retainVersionsForMs?: number;
  now?: () => number;
}

/** The VectorStore port plus LanceDB index maintenance. */
export interface LanceDbVectorStore extends VectorStore {
  /**
   * Builds the vector index when the table is large enough (or rebuilds it when asked: partitions are
   * trained on the rows present at build time), folds unindexed rows into the indexes, compacts
   * fragments and prunes old versions (older than `retainVersionsForMs`, and not retained).
   */
  optimize(ref: CollectionRef, options?: { rebuildVectorIndex?: boolean }): Promise<void>;
}

/** English BM25 (k1 1.2, b 0.75 in LanceDB): Unicode word split, lowercase, ASCII folding, stop words, Snowball stemming. */
export const DEFAULT_LANCE_FTS_OPTIONS: LanceFtsOptions = {
  baseTokenizer: 'simple',
  language: 'English',
  lowercase: true,
  asciiFolding: true,
  removeStopWords: true,
  stem: true,
  maxTokenLength: 40,
  withPosition: false,
};

const DEFAULTS = {
  vectorIndexMinRows: 20_000,
  nprobes: 40,
  optimizeEveryWrites: 100,
  optimizeEveryRows: 10_000,
  optimizeDebounceMs: 1_000,
  /** Retrain the IVF partitions once the table has grown this many times past the rows they were trained on. */
  retrainGrowth: 4,
  retainVersionsForMs: 7 * 24 * 3600 * 1000,
};
const DEFAULT_FUSION = { k: 60, denseWeight: 1, lexicalWeight: 1 };
const BASE_COLUMNS = [
  'id',
  'document_id',
  'chunk_index',
  'text',
  'heading_path',
  'start_offset',
  'end_offset',
];

/** What a query reads: the live table, or a read-only checkout of one of its versions. */
interface ReadView {
  table: lancedb.Table;
  dimensions: number | null;
  /** Metadata columns by field name. */
  columns: Map<string, MetadataColumn>;
  hasVectorIndex: boolean;
}

interface TableState extends ReadView {
  schema: Schema;
  /** Rows the IVF partitions were trained on (0 without a vector index). */
  trainedRows: number;
  optimizeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Columns with any index (scalar, FTS or vector). */
  indexedColumns: Set<string>;
  writesSinceOptimize: number;
  rowsSinceOptimize: number;
}

type Row = Record<string, unknown>;

export function createLanceDbVectorStore(config: LanceDbVectorStoreConfig): LanceDbVectorStore {
  const ftsOptions = { ...DEFAULT_LANCE_FTS_OPTIONS, ...config.fts };
  const minRows = config.vectorIndex?.minRows ?? DEFAULTS.vectorIndexMinRows;
  const nprobes = config.vectorIndex?.nprobes ?? DEFAULTS.nprobes;
  const auto =
    config.autoOptimize === false
      ? undefined
      : {
          everyWrites: config.autoOptimize?.everyWrites ?? DEFAULTS.optimizeEveryWrites,
          everyRows: config.autoOptimize?.everyRows ?? DEFAULTS.optimizeEveryRows,
          debounceMs: config.autoOptimize?.debounceMs ?? DEFAULTS.optimizeDebounceMs,
        };
  const onBackgroundError = config.onBackgroundError ?? (() => undefined);
  const background = new Set<Promise<unknown>>();
  const retainMs = config.retainVersionsForMs ?? DEFAULTS.retainVersionsForMs;
  const now = config.now ?? Date.now;

  let connection: Promise<lancedb.Connection> | undefined;
  const db = () => {
    connection ??= lancedb.connect(config.uri);
    return connection;
  };
  const states = new Map<string, Promise<TableState>>();
  /** Read-only checkouts of old versions, per table and version (releases query the few they pin). */
  const versionViews = new Map<string, Map<string, Promise<ReadView>>>();

  /** Serialises writes per table: LanceDB commits are optimistic, and our schema cache must not race. */
  const tableQueue = createKeyedMutex();
  const enqueue = <T>(name: string, task: () => Promise<T>): Promise<T> => tableQueue.run(name, task);

  async function state(ref: CollectionRef, create = false): Promise<TableState> {
    const s = await cachedState(ref, create);
    if (s.dimensions !== ref.dimensions) {
      throw new Error(`collection ${ref.key} has dimensions ${s.dimensions}, not ${ref.dimensions}`);
    }
    return s;
  }

  function cachedState(ref: CollectionRef, create: boolean): Promise<TableState> {
    const name = tableName(ref);
    let pending = states.get(name);
    if (!pending) {
      pending = loadState(ref, name, create);
      states.set(name, pending);
      pending.catch(() => {
        if (states.get(name) === pending) states.delete(name);
      });
    }
    return pending;
  }

  async function loadState(ref: CollectionRef, name: string, create: boolean): Promise<TableState> {
    const conn = await db();
    let table: lancedb.Table;
    try {
      table = await conn.openTable(name);
    } catch (error) {
      if (!create) {
        throw new Error(`collection ${ref.tenantId}/${ref.key} does not exist (LanceDB table ${name})`, {
          cause: error,
        });
      }
      table = await conn.createEmptyTable(name, baseSchema(ref.dimensions), { existOk: true });
    }
    const schema = await table.schema();
    const indices = await table.listIndices();
    if (!indices.some((i) => i.indexType === 'FTS' && i.columns.includes('text'))) {
      await table.createIndex('text', { config: lancedb.Index.fts(ftsOptions), replace: true });
    }
    const vectorIndex = indices.find((i) => i.columns.includes('vector'));
    const s: TableState = {
      table,
      schema,
      dimensions: vectorDimensions(schema),
      columns: metadataColumns(schema),
      hasVectorIndex: vectorIndex !== undefined,
      trainedRows: vectorIndex ? ((await table.indexStats(vectorIndex.name))?.numIndexedRows ?? 0) : 0,
      optimizeTimer: undefined,
      indexedColumns: new Set(indices.flatMap((i) => i.columns)),
      writesSinceOptimize: 0,
      rowsSinceOptimize: 0,
    };
    // Rows a previous process wrote after its last optimize: index them soon.
    const ftsIndex = indices.find((i) => i.indexType === 'FTS');
    if (ftsIndex && ((await table.indexStats(ftsIndex.name))?.numUnindexedRows ?? 0) > 0) {
      scheduleOptimize(name, s, auto?.debounceMs ?? 0);
    }
    return s;
  }

  /** The table as it was at `version`, checked out read-only once and cached. */
  async function versionView(ref: CollectionRef, version: string): Promise<ReadView> {
    await state(ref);
    const name = tableName(ref);
    let perTable = versionViews.get(name);
    if (!perTable) {
      perTable = new Map();
      versionViews.set(name, perTable);
    }
    const views = perTable;
    let pending = views.get(version);
    if (!pending) {
      pending = openVersion(ref, name, version);
      views.set(version, pending);
      pending.catch(() => {
        if (views.get(version) === pending) views.delete(version);
      });
    }
    return pending;
  }

  async function openVersion(ref: CollectionRef, name: string, version: string): Promise<ReadView> {
    const number = versionNumber(version);
    const missing = (cause?: unknown) =>
      new CollectionVersionError(
        version,
        'not-found',
        `collection ${ref.tenantId}/${ref.key} has no version ${version} (never written, or cleaned up because no release pinned it)`,
        { cause },
      );
    if (number === undefined) throw missing();
    const table = await (await db()).openTable(name);
    try {
      await table.checkout(number);
      const schema = await table.schema();
      const indices = await table.listIndices();
      return {
        table,
        dimensions: vectorDimensions(schema),
        columns: metadataColumns(schema),
        hasVectorIndex: indices.some((i) => i.columns.includes('vector')),
      };
    } catch (error) {
      table.close();
      throw missing(error);
    }
  }

  /** Forgets cached checkouts after a cleanup: unpinned ones may point at deleted files. */
  function forgetVersionViews(name: string, keep: ReadonlySet<string>): void {
    const views = versionViews.get(name);
    if (!views) return;
    for (const version of [...views.keys()]) {
      if (keep.has(version)) continue;
      // Not closed: a query may still be reading it; the handle is freed when unreferenced.
      views.delete(version);
    }
  }

  async function closeVersionViews(name: string): Promise<void> {
    const views = versionViews.get(name);
    versionViews.delete(name);
    for (const pending of views?.values() ?? []) {
      await pending.then(
        (view) => view.table.close(),
        () => undefined,
      );
    }
  }

  /** Versions kept through cleanup, as branches `ragline-pin-<version>` forked from main at that version. */
  async function pinnedVersions(table: lancedb.Table): Promise<Set<string>> {
    const names = Object.keys(await (await table.branches()).list());
    return new Set(
      names.filter((n) => n.startsWith(PIN_BRANCH_PREFIX)).map((n) => n.slice(PIN_BRANCH_PREFIX.length)),
    );
  }

  function scheduleOptimize(name: string, s: TableState, delayMs: number): void {
    if (!auto) return;
    if (s.optimizeTimer) clearTimeout(s.optimizeTimer);
    s.optimizeTimer = setTimeout(() => {
      s.optimizeTimer = undefined;
      const run = enqueue(name, () => optimizeState(s, false)).catch(onBackgroundError);
      background.add(run);
      void run.finally(() => background.delete(run));
    }, delayMs);
    s.optimizeTimer.unref?.();
  }

  async function optimizeState(s: TableState, rebuildVectorIndex: boolean): Promise<void> {
    const rows = await s.table.countRows();
    const outgrown = s.hasVectorIndex && s.trainedRows > 0 && rows >= s.trainedRows * DEFAULTS.retrainGrowth;
    if (s.dimensions !== null && rows >= minRows && (rebuildVectorIndex || !s.hasVectorIndex || outgrown)) {
      // Partitions are trained on the rows present now; sqrt(rows) keeps each probe's scan small.
      const numPartitions = config.vectorIndex?.numPartitions ?? Math.max(1, Math.round(Math.sqrt(rows)));
      await s.table.createIndex('vector', {
        config: lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions }),
        replace: true,
      });
      s.hasVectorIndex = true;
      s.trainedRows = rows;
    }
    if (rows >= minRows) {
      // Scalar indexes make filters and the replace/delete lookups by document_id skip full scans.
      const scalar: [string, lancedb.Index][] = [
        ['id', lancedb.Index.btree()],
        ['document_id', lancedb.Index.btree()],
      ];
      for (const c of s.columns.values()) {
        scalar.push([c.column, c.type === 'boolean' ? lancedb.Index.bitmap() : lancedb.Index.btree()]);
      }
      for (const [column, index] of scalar) {
        if (s.indexedColumns.has(column)) continue;
        await s.table.createIndex(column, { config: index, replace: true });
        s.indexedColumns.add(column);
      }
    }
    // Cleanup keeps every version a pin branch forks from (a tag would make cleanup fail instead).
    await s.table.optimize({ cleanupOlderThan: new Date(now() - retainMs) });
    s.writesSinceOptimize = 0;
    s.rowsSinceOptimize = 0;
    forgetVersionViews(s.table.name, await pinnedVersions(s.table));
  }

  function afterWrite(name: string, s: TableState, rows: number): void {
    if (!auto) return;
    s.writesSinceOptimize++;
    s.rowsSinceOptimize += rows;
    const due = s.writesSinceOptimize >= auto.everyWrites || s.rowsSinceOptimize >= auto.everyRows;
    scheduleOptimize(name, s, due ? 0 : auto.debounceMs);
  }

  async function addMissingColumns(s: TableState, chunks: ChunkRecord[]): Promise<void> {
    const added = new Map<string, MetadataColumn>();
    for (const chunk of chunks) {
      for (const [field, value] of Object.entries(chunk.metadata)) {
        const type = metadataType(field, value);
        const known = s.columns.get(field) ?? added.get(field);
        if (!known) added.set(field, { field, column: metadataColumnName(field), type });
        else if (known.type !== type) {
          throw new MetadataTypeError(
            field,
            `metadata field "${field}" is stored as ${known.type}, got ${type}`,
          );
        }
      }
    }
    if (added.size === 0) return;
    // SQL-typed null columns: passing apache-arrow Field objects breaks when our ESM copy of apache-arrow
    // is not the CJS copy LanceDB requires (addColumns does not sanitise foreign Arrow instances).
    await s.table.addColumns(
      [...added.values()].map((c) => ({ name: c.column, valueSql: `CAST(NULL AS ${SQL_TYPES[c.type]})` })),
    );
    for (const c of added.values()) s.columns.set(c.field, c);
    s.schema = await s.table.schema();
  }

  function toRow(s: TableState, chunk: ChunkRecord): Row {
    const row: Row = {
      id: chunk.id,
      document_id: chunk.documentId,
      chunk_index: chunk.chunkIndex,
      text: chunk.text,
      heading_path: JSON.stringify(chunk.headingPath),
      start_offset: chunk.start,
      end_offset: chunk.end,
    };
    if (s.dimensions !== null) row.vector = chunk.vector;
    for (const c of s.columns.values()) row[c.column] = chunk.metadata[c.field] ?? null;
    return row;
  }

  function fromRow(s: ReadView, row: Row, includeVector: boolean): ChunkRecord {
    const metadata: ChunkRecord['metadata'] = {};
    for (const c of s.columns.values()) {
      const value = row[c.column];
      if (value !== null && value !== undefined) metadata[c.field] = value as string | number | boolean;
    }
    const record: ChunkRecord = {
      id: row.id as string,
      documentId: row.document_id as string,
      chunkIndex: row.chunk_index as number,
      text: row.text as string,
      metadata,
      headingPath: JSON.parse(row.heading_path as string) as string[],
      start: row.start_offset as number,
      end: row.end_offset as number,
    };
    if (includeVector && row.vector) record.vector = Array.from(row.vector as Iterable<number>);
    return record;
  }

  function selectColumns(s: ReadView, includeVector: boolean): string[] {
    const cols = [...BASE_COLUMNS, ...[...s.columns.values()].map((c) => c.column)];
    if (includeVector && s.dimensions !== null) cols.push('vector');
    return cols;
  }

  async function dense(s: ReadView, q: VectorQuery, limit: number, where?: string): Promise<ScoredChunk[]> {
    if (s.dimensions === null) throw new Error('dense query on a lexical-only collection');
    const vector = q.vector;
    if (!vector || vector.length !== s.dimensions) {
      throw new Error(`query vector must have ${s.dimensions} dimensions, got ${vector?.length ?? 'none'}`);
    }
    let search = s.table
      .vectorSearch(vector)
      .column('vector')
      .distanceType('cosine')
      .select([...selectColumns(s, q.includeVectors === true), '_distance'])
      .limit(limit);
    // No upper bound: a selective filter may need more partitions to fill topK.
    if (s.hasVectorIndex) search = search.maximumNprobes(0).minimumNprobes(nprobes);
    if (where) search = search.where(where);
    const rows = (await search.toArray()) as Row[];
    return rows.map((r) => ({
      ...fromRow(s, r, q.includeVectors === true),
      score: 1 - (r._distance as number),
    }));
  }

  async function lexical(s: ReadView, q: VectorQuery, limit: number, where?: string): Promise<ScoredChunk[]> {
    if (q.text === undefined) throw new Error(`${q.mode} query needs text`);
    if (q.text.trim() === '') return [];
    let search = s.table
      .query()
      .nearestToText(new lancedb.MatchQuery(q.text, 'text'))
      .select([...selectColumns(s, q.includeVectors === true), '_score'])
      .limit(limit);
    if (where) search = search.where(where);
    const rows = (await search.toArray()) as Row[];
    return rows.map((r) => ({ ...fromRow(s, r, q.includeVectors === true), score: r._score as number }));
  }

  return {
    kind: 'lancedb',

    async ensureCollection(ref) {
      await enqueue(tableName(ref), () => state(ref, true));
    },

    async dropCollection(ref) {
      const name = tableName(ref);
      await enqueue(name, async () => {
        const cached = states.get(name);
        states.delete(name);
        await cached?.then(
          (s) => {
            clearTimeout(s.optimizeTimer);
            s.table.close();
          },
          () => undefined,
        );
        await closeVersionViews(name);
        const conn = await db();
        if ((await conn.tableNames()).includes(name)) await conn.dropTable(name);
      });
    },

    async replaceDocuments(ref, documentIds, chunks) {
      if (documentIds.length === 0) {
        if (chunks.length > 0) throw new Error('chunks given without their documentIds');
        return;
      }
      const docs = new Set(documentIds);
      const seen = new Set<string>();
      for (const chunk of chunks) {
        if (!docs.has(chunk.documentId)) {
          throw new Error(`chunk ${chunk.id} belongs to ${chunk.documentId}, which is not being replaced`);
        }
        if (seen.has(chunk.id)) throw new Error(`duplicate chunk id ${chunk.id}`);
        seen.add(chunk.id);
      }
      await enqueue(tableName(ref), async () => {
        const s = await state(ref);
        for (const chunk of chunks) checkChunkVector(chunk, s.dimensions);
        await addMissingColumns(s, chunks);
        const inDocs = `document_id IN (${[...docs].map(sqlLiteral).join(', ')})`;
        if (chunks.length === 0) {
          await s.table.delete(inDocs);
        } else {
          const data = lancedb.makeArrowTable(
            chunks.map((c) => toRow(s, c)),
            { schema: s.schema },
          );
          if ((await s.table.countRows(inDocs)) === 0) {
            await s.table.add(data);
          } else {
            // One commit either way. Deleting by source is a full join over the table (about 130 ms at
            // 100k rows), so only pay for it when some of the documents' current chunk ids are going away.
            const newIds = chunks.map((c) => sqlLiteral(c.id)).join(', ');
            const stale = await s.table.countRows(`${inDocs} AND id NOT IN (${newIds})`);
            let merge = s.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll();
            if (stale > 0) merge = merge.whenNotMatchedBySourceDelete({ where: inDocs });
            await merge.execute(data);
          }
        }
        afterWrite(tableName(ref), s, chunks.length);
      });
    },

    async deleteDocuments(ref, documentIds) {
      if (documentIds.length === 0) return;
      await enqueue(tableName(ref), async () => {
        const s = await state(ref);
        await s.table.delete(`document_id IN (${documentIds.map(sqlLiteral).join(', ')})`);
        afterWrite(tableName(ref), s, 0);
      });
    },

    async query(ref, query) {
      const s = query.version === undefined ? await state(ref) : await versionView(ref, query.version);
      const where = query.filter ? toLanceWhere(query.filter, s.columns) : undefined;
      if (query.mode === 'dense') return dense(s, query, query.topK, where);
      if (query.mode === 'lexical') return lexical(s, query, query.topK, where);
      const depth = Math.max(query.topK * 2, 50);
      const fusion = query.fusion ?? DEFAULT_FUSION;
      const [denseHits, lexicalHits] = await Promise.all([
        dense(s, query, depth, where),
        lexical(s, query, depth, where),
      ]);
      return reciprocalRankFusion(
        [
          { items: denseHits, weight: fusion.denseWeight },
          { items: lexicalHits, weight: fusion.lexicalWeight },
        ],
        { k: fusion.k, key: (h) => h.id, limit: query.topK },
      ).map(({ item, score }) => ({ ...item, score }));
    },

    async countChunks(ref) {
      return (await state(ref)).table.countRows();
    },

    async currentVersion(ref) {
      return String(await (await state(ref)).table.version());
    },

    async retainVersions(ref, versions) {
      const name = tableName(ref);
      await enqueue(name, async () => {
        const s = await state(ref);
        const branches = await s.table.branches();
        const pinned = await pinnedVersions(s.table);
        const wanted = new Set(versions);
        for (const version of wanted) {
          if (pinned.has(version)) continue;
          const number = versionNumber(version);
          try {
            if (number === undefined) throw new Error('not a table version');
            (await branches.create(`${PIN_BRANCH_PREFIX}${version}`, 'main', number)).close();
          } catch (error) {
            throw new CollectionVersionError(
              version,
              'not-found',
              `cannot retain version ${version} of collection ${ref.tenantId}/${ref.key}: it no longer exists`,
              { cause: error },
            );
          }
        }
        for (const version of pinned) {
          if (!wanted.has(version)) await branches.delete(`${PIN_BRANCH_PREFIX}${version}`);
        }
      });
    },

    async optimize(ref, options) {
      await enqueue(tableName(ref), async () =>
        optimizeState(await state(ref), options?.rebuildVectorIndex === true),
      );
    },

    async close() {
      const pending = [...states.values()];
      for (const p of pending) {
        await p.then(
          (s) => clearTimeout(s.optimizeTimer),
          () => undefined,
        );
      }
      await Promise.all(background);
      states.clear();
      for (const name of [...versionViews.keys()]) await closeVersionViews(name);
      for (const p of pending)
        await p.then(
          (s) => s.table.close(),
          () => undefined,
        );
      if (connection) (await connection).close();
      connection = undefined;
    },
  };
}

const PIN_BRANCH_PREFIX = 'ragline-pin-';

/** A table version number from its string form ("12"); undefined for anything else. */
function versionNumber(version: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(version)) return undefined;
  const number = Number(version);
  return Number.isSafeInteger(number) ? number : undefined;
}

/** Injective, filesystem-safe table name: [a-z0-9] kept, every other character as _<hex>_. */
export function tableName(ref: CollectionRef): string {
  return `${encodeName(ref.tenantId)}-${encodeName(ref.key)}`;
}

function encodeName(value: string): string {
  let out = '';
  for (const ch of value) {
    out += /[a-z0-9]/.test(ch) ? ch : `_${(ch.codePointAt(0) as number).toString(16)}_`;
  }
  return out;
}

function baseSchema(dimensions: number | null): Schema {
  const fields: Field[] = [
    new Field('id', new Utf8(), false),
    new Field('document_id', new Utf8(), false),
    new Field('chunk_index', new Int32(), false),
    new Field('text', new Utf8(), false),
    new Field('heading_path', new Utf8(), false),
    new Field('start_offset', new Int32(), false),
    new Field('end_offset', new Int32(), false),
  ];
  if (dimensions !== null) {
    fields.push(
      new Field('vector', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), false),
    );
  }
  return new Schema(fields);
}

function vectorDimensions(schema: Schema): number | null {
  const field = schema.fields.find((f) => f.name === 'vector');
  return field ? (field.type as FixedSizeList).listSize : null;
}

function metadataColumns(schema: Schema): Map<string, MetadataColumn> {
  const columns = new Map<string, MetadataColumn>();
  for (const f of schema.fields) {
    const field = fieldOfColumn(f.name);
    if (field !== undefined) columns.set(field, { field, column: f.name, type: typeOfArrow(f.type) });
  }
  return columns;
}

const SQL_TYPES: Record<MetadataType, string> = { string: 'string', number: 'double', boolean: 'boolean' };

function typeOfArrow(type: DataType): MetadataType {
  if (type.typeId === Type.Utf8) return 'string';
  if (type.typeId === Type.Float) return 'number';
  if (type.typeId === Type.Bool) return 'boolean';
  throw new Error(`unexpected metadata column type ${type}`);
}

function metadataType(field: string, value: unknown): MetadataType {
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as MetadataType;
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  throw new MetadataTypeError(field, `metadata field "${field}" must be a string, finite number or boolean`);
}

function checkChunkVector(chunk: ChunkRecord, dimensions: number | null): void {
  if (dimensions === null) {
    if (chunk.vector !== undefined)
      throw new Error(`chunk ${chunk.id} has a vector; the collection is lexical-only`);
  } else if (!chunk.vector || chunk.vector.length !== dimensions) {
    throw new Error(
      `chunk ${chunk.id} vector must have ${dimensions} dimensions, got ${chunk.vector?.length ?? 'none'}`,
    );
  }
}
