import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { onnx } from 'onnx-proto';
import protobuf from 'protobufjs';

export interface TinyEmbeddingModelOptions {
  /** Width of each token vector (the embedder's output dimension). */
  dimensions: number;
  /** Whole words in the WordPiece vocabulary; single letters are always added so any text tokenizes. */
  vocab?: string[];
  /** Tokenizer `model_max_length`: inputs are truncated to this many tokens. */
  maxLength?: number;
  /** Seed of the embedding table, so two models written with the same options are identical. */
  seed?: number;
}

export interface TinyEmbeddingModel {
  dir: string;
  /** token -> id, as written in tokenizer.json. */
  vocab: Record<string, number>;
  dimensions: number;
  maxLength: number;
}

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

const DEFAULT_WORDS = [
  'the',
  'a',
  'an',
  'of',
  'and',
  'or',
  'to',
  'in',
  'on',
  'for',
  'with',
  'is',
  'are',
  'was',
  'it',
  'this',
  'that',
  'how',
  'what',
  'why',
  'do',
  'does',
  'i',
  'you',
  'we',
  'my',
  'your',
  'can',
  'not',
  'no',
  'yes',
  'cat',
  'cats',
  'dog',
  'dogs',
  'pet',
  'pets',
  'animal',
  'animals',
  'feed',
  'food',
  'eat',
  'eats',
  'sleep',
  'car',
  'cars',
  'engine',
  'oil',
  'change',
  'drive',
  'road',
  'wheel',
  'fuel',
  'repair',
  'tire',
  'stock',
  'market',
  'price',
  'prices',
  'bank',
  'money',
  'tax',
  'rate',
  'rates',
  'invest',
  'fund',
  'code',
  'server',
  'database',
  'query',
  'vector',
  'search',
  'index',
  'document',
  'documents',
  'model',
  'weather',
  'rain',
  'sun',
  'snow',
  'cold',
  'warm',
  'today',
  'tomorrow',
  'city',
  'river',
  'mountain',
  'represent',
  'sentence',
  'searching',
  'relevant',
  'passages',
  'passage',
  'hello',
  'world',
];

/**
 * Writes a small static-embedding model that @huggingface/transformers can load offline: a BERT
 * WordPiece tokenizer and an ONNX graph that is one Gather over a seeded random embedding table
 * (last_hidden_state[b, t] = table[input_ids[b, t]]). With mean pooling, texts that share tokens
 * get closer vectors, which is enough to test the real loading, tokenizing, pooling and batching code.
 */
export async function writeTinyEmbeddingModel(
  dir: string,
  options: TinyEmbeddingModelOptions,
): Promise<TinyEmbeddingModel> {
  const { dimensions } = options;
  const maxLength = options.maxLength ?? 64;
  const vocab = buildVocab(options.vocab ?? DEFAULT_WORDS);
  const vocabSize = Object.keys(vocab).length;

  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify(
      {
        architectures: ['BertModel'],
        model_type: 'bert',
        hidden_size: dimensions,
        vocab_size: vocabSize,
        max_position_embeddings: maxLength,
        num_attention_heads: 1,
        num_hidden_layers: 0,
        pad_token_id: 0,
        type_vocab_size: 2,
      },
      null,
      2,
    ),
  );
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        model_max_length: maxLength,
        do_lower_case: true,
        clean_up_tokenization_spaces: true,
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        cls_token: '[CLS]',
        sep_token: '[SEP]',
      },
      null,
      2,
    ),
  );
  await writeFile(join(dir, 'onnx', 'model.onnx'), onnxModel(vocabSize, dimensions, options.seed ?? 42));
  return { dir, vocab, dimensions, maxLength };
}

function buildVocab(words: string[]): Record<string, number> {
  const vocab: Record<string, number> = {};
  const add = (token: string) => {
    if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
  };
  for (const token of SPECIAL_TOKENS) add(token);
  for (const word of words) add(word.toLowerCase());
  for (const letter of 'abcdefghijklmnopqrstuvwxyz0123456789') {
    add(letter);
    add(`##${letter}`);
  }
  for (const punct of '.,;:!?\'"()-') add(punct);
  return vocab;
}

function tokenizerJson(vocab: Record<string, number>) {
  const special = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const specialTokenEntry = (content: string) => ({ id: content, ids: [vocab[content]], tokens: [content] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': specialTokenEntry('[CLS]'),
        '[SEP]': specialTokenEntry('[SEP]'),
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/**
 * The part of onnx.proto (field numbers from onnx v1.10, as in onnx-proto) that a one-node graph needs.
 * onnx-proto's own runtime is not used: its bundled protobufjs 6 picks up an ESM-only `long` under
 * vitest and fails at import, so the messages are encoded with protobufjs reflection instead.
 */
const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: 'int64' },
            producerName: { id: 2, type: 'string' },
            graph: { id: 7, type: 'GraphProto' },
            opsetImport: { id: 8, type: 'OperatorSetIdProto', rule: 'repeated' },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { id: 1, type: 'string' }, version: { id: 2, type: 'int64' } },
        },
        GraphProto: {
          fields: {
            node: { id: 1, type: 'NodeProto', rule: 'repeated' },
            name: { id: 2, type: 'string' },
            initializer: { id: 5, type: 'TensorProto', rule: 'repeated' },
            input: { id: 11, type: 'ValueInfoProto', rule: 'repeated' },
            output: { id: 12, type: 'ValueInfoProto', rule: 'repeated' },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, type: 'string', rule: 'repeated' },
            output: { id: 2, type: 'string', rule: 'repeated' },
            name: { id: 3, type: 'string' },
            opType: { id: 4, type: 'string' },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, type: 'int64', rule: 'repeated' },
            dataType: { id: 2, type: 'int32' },
            name: { id: 8, type: 'string' },
            rawData: { id: 9, type: 'bytes' },
          },
        },
        ValueInfoProto: { fields: { name: { id: 1, type: 'string' }, type: { id: 2, type: 'TypeProto' } } },
        TypeProto: {
          fields: { tensorType: { id: 1, type: 'Tensor' } },
          nested: {
            Tensor: {
              fields: { elemType: { id: 1, type: 'int32' }, shape: { id: 2, type: 'TensorShapeProto' } },
            },
          },
        },
        TensorShapeProto: {
          fields: { dim: { id: 1, type: 'Dimension', rule: 'repeated' } },
          nested: {
            Dimension: {
              fields: { dimValue: { id: 1, type: 'int64' }, dimParam: { id: 2, type: 'string' } },
            },
          },
        },
      },
    },
  },
};

// onnx.TensorProto.DataType
const FLOAT = 1;
const INT64 = 7;

function onnxModel(vocabSize: number, dimensions: number, seed: number): Uint8Array {
  const table = new Float32Array(vocabSize * dimensions);
  const random = mulberry32(seed);
  for (let i = 0; i < table.length; i++) table[i] = random() * 2 - 1;

  const tensorInfo = (name: string, elemType: number, dim: onnx.TensorShapeProto.IDimension[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim } } },
  });
  const batchBySequence = [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }];

  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'ragline-tiny-embedding-model',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'static_embedding',
      initializer: [
        {
          name: 'embeddings',
          dataType: FLOAT,
          dims: [vocabSize, dimensions],
          rawData: new Uint8Array(table.buffer),
        },
      ],
      node: [
        {
          opType: 'Gather',
          input: ['embeddings', 'input_ids'],
          output: ['last_hidden_state'],
          name: 'gather',
        },
      ],
      // BERT exports take all three inputs; the loader feeds whatever the session declares.
      input: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) =>
        tensorInfo(name, INT64, batchBySequence),
      ),
      output: [tensorInfo('last_hidden_state', FLOAT, [...batchBySequence, { dimValue: dimensions }])],
    },
  };
  const ModelProto = protobuf.Root.fromJSON(ONNX_SUBSET).lookupType('onnx.ModelProto');
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
