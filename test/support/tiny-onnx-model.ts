// Builds a tiny sentence-embedding model the test suite owns, in the layout transformers.js loads
// (config.json, tokenizer.json, onnx/model.onnx), so the ONNX embedder is tested on any clone without
// downloads or ../shared. The graph is a one-layer encoder written with onnx-proto:
//   last_hidden_state = tanh((E[input_ids] + T[token_type_ids]) · W + b)
// The weights are seeded, and `expectedEmbedding` recomputes a sentence's vector in plain TypeScript
// (whole-word WordPiece ids, mean pooling over the tokens, L2 normalisation), independently of onnxruntime.
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = (
  'the a and of to for with on in is data migration legacy crm single sign audit logs security review ' +
  'loyalty campaign retail stores deal renewal pricing contract customer support onboarding team acme ' +
  'globex initech cloud api integration'
).split(' ');
export const HIDDEN = 16;
const TYPES = 2;

export interface TinyModel {
  directory: string;
  expectedEmbedding(sentence: string): number[];
}

/** Seeded uniform numbers in [-1, 1) (mulberry32), so the model is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function buildTinyEmbeddingModel(directory: string): TinyModel {
  const vocabulary = [...SPECIAL, ...WORDS];
  const next = random(42);
  const matrix = (rows: number, columns: number) =>
    Array.from({ length: rows }, () => Array.from({ length: columns }, () => Math.fround(next())));
  const embeddings = matrix(vocabulary.length, HIDDEN);
  const typeEmbeddings = matrix(TYPES, HIDDEN);
  const weights = matrix(HIDDEN, HIDDEN);
  const bias = matrix(1, HIDDEN)[0]!;

  fs.mkdirSync(path.join(directory, 'onnx'), { recursive: true });
  fs.writeFileSync(
    path.join(directory, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: HIDDEN,
      vocab_size: vocabulary.length,
      max_position_embeddings: 128,
      type_vocab_size: TYPES,
      pad_token_id: 0,
    }),
  );
  fs.writeFileSync(path.join(directory, 'tokenizer.json'), JSON.stringify(tokenizer(vocabulary)));
  fs.writeFileSync(
    path.join(directory, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 128,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  fs.writeFileSync(
    path.join(directory, 'onnx', 'model.onnx'),
    onnx.ModelProto.encode(graph(embeddings, typeEmbeddings, weights, bias)).finish(),
  );

  return {
    directory,
    expectedEmbedding(sentence) {
      const words = sentence.toLowerCase().match(/[a-z0-9]+|[^\sa-z0-9]/g) ?? [];
      const ids = [2, ...words.map((word) => vocabulary.indexOf(word)).map((id) => (id < 0 ? 1 : id)), 3];
      const pooled = new Array<number>(HIDDEN).fill(0);
      for (const id of ids) {
        const input = embeddings[id]!.map((value, i) => value + typeEmbeddings[0]![i]!);
        for (let column = 0; column < HIDDEN; column++) {
          let sum = bias[column]!;
          for (let row = 0; row < HIDDEN; row++) sum += input[row]! * weights[row]![column]!;
          pooled[column]! += Math.tanh(sum) / ids.length;
        }
      }
      const norm = Math.hypot(...pooled);
      return pooled.map((value) => value / norm);
    },
  };
}

function graph(embeddings: number[][], typeEmbeddings: number[][], weights: number[][], bias: number[]) {
  const { TensorProto } = onnx;
  const tensor = (name: string, rows: number[][]) => ({
    name,
    dims: [rows.length, rows[0]!.length],
    dataType: TensorProto.DataType.FLOAT,
    floatData: rows.flat(),
  });
  const tokens = (name: string, elemType: number, last?: number) => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }, ...(last ? [{ dimValue: last }] : [])],
        },
      },
    },
  });
  const node = (opType: string, input: string[], output: string[]) => ({
    opType,
    input,
    output,
    name: output[0],
  });
  return {
    irVersion: 8,
    producerName: 'crm-ai tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-embedder',
      initializer: [
        tensor('word_embeddings', embeddings),
        tensor('type_embeddings', typeEmbeddings),
        tensor('dense_weight', weights),
        tensor('dense_bias', [bias]),
      ],
      input: [
        tokens('input_ids', TensorProto.DataType.INT64),
        tokens('attention_mask', TensorProto.DataType.INT64),
        tokens('token_type_ids', TensorProto.DataType.INT64),
      ],
      output: [tokens('last_hidden_state', TensorProto.DataType.FLOAT, HIDDEN)],
      node: [
        node('Gather', ['word_embeddings', 'input_ids'], ['words']),
        node('Gather', ['type_embeddings', 'token_type_ids'], ['types']),
        node('Add', ['words', 'types'], ['summed']),
        node('MatMul', ['summed', 'dense_weight'], ['projected']),
        node('Add', ['projected', 'dense_bias'], ['biased']),
        node('Tanh', ['biased'], ['last_hidden_state']),
      ],
    },
  };
}

function tokenizer(vocabulary: string[]) {
  const special = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const template = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
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
      single: [template('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, template('[SEP]')],
      pair: [
        template('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        template('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}
