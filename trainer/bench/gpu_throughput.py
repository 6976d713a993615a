"""Tokens/s and peak GPU memory of the worker's own training loop, per method, on a Llama 3.2 1B-shaped model
(random weights: throughput does not depend on their values) at sequence length 2048, micro-batch 8 — the
shapes of ../shared/reference/gpu-training-throughput.md, whose plain-PyTorch figures it compares against.

    python trainer/bench/gpu_throughput.py                 # on a GPU host (about 3 minutes on an H200)
    python trainer/bench/gpu_throughput.py --shape tiny    # a CPU smoke run of the same code

The last line printed is one JSON object: {"bench":"gpu-training", ..., "results":[{method, tokensPerSec, ...}]}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from crm_ai_trainer import hardware, loop, methods
from crm_ai_trainer.data import Example

SHAPES = {
    "llama-3.2-1b": dict(
        vocab_size=128_256,
        hidden_size=2048,
        intermediate_size=8192,
        num_hidden_layers=16,
        num_attention_heads=32,
        num_key_value_heads=8,
        max_position_embeddings=8192,
        rope_theta=500_000.0,
        tie_word_embeddings=True,
    ),
    "tiny": dict(
        vocab_size=1000,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
    ),
}
# H200, bf16, plain PyTorch + PEFT (the reference table); the worker checkpoints as the reference rows do.
REFERENCE_TOKENS_PER_SEC = {"lora": 25_727, "full": 40_384, "prefix-tuning": 55_240, "p-tuning": 51_271}


def measure(method: str, shape: str, sequence: int, micro: int, steps: int, warmup: int, saved: str) -> dict:
    from transformers import LlamaConfig, LlamaForCausalLM

    info = hardware.detect()
    device = info.device
    checkpointing = device == "cuda"
    params = methods.Hyperparameters(epochs=1, batch_size=micro, learning_rate=1e-4)
    if method == "qlora":
        model = methods.build(method, saved, params, device, info.bf16, checkpointing)
    else:
        dtype = methods.compute_dtype(device, info.bf16)
        with torch.device(device):
            model = LlamaForCausalLM(LlamaConfig(**SHAPES[shape], dtype=dtype)).to(dtype)
        model.config.use_cache = False
        if checkpointing and method != "prefix-tuning":
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
            model.enable_input_require_grads()
        model = methods.adapt(method, model, params)
    trainable, total = methods.parameter_counts(model)
    generator = torch.Generator().manual_seed(0)
    vocab = SHAPES[shape]["vocab_size"]
    examples = []
    for _ in range(micro * (steps + warmup)):
        ids = torch.randint(0, vocab, (sequence,), generator=generator).tolist()
        examples.append(Example(ids, ids))
    metrics = []
    loop.train(
        model,
        examples,
        [],
        params,
        device=device,
        pad_id=0,
        report=lambda step, total_steps, metric: metrics.append(metric) or True,
        max_micro_batch=micro,
    )
    measured = metrics[warmup:]
    result = {
        "method": method,
        "tokensPerSec": round(statistics.median(m["tokensPerSec"] for m in measured)),
        "peakMemoryGib": max((m["gpuMemoryGib"] or 0) for m in measured) or None,
        "trainableParams": trainable,
        "totalParams": total,
        "gradientCheckpointing": checkpointing and method != "prefix-tuning",
    }
    if shape == "llama-3.2-1b" and device == "cuda" and method in REFERENCE_TOKENS_PER_SEC:
        result["referenceTokensPerSec"] = REFERENCE_TOKENS_PER_SEC[method]
        result["ofReference"] = round(result["tokensPerSec"] / REFERENCE_TOKENS_PER_SEC[method], 3)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=list(SHAPES), default="llama-3.2-1b")
    parser.add_argument("--sequence", type=int, default=2048)
    parser.add_argument("--micro-batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--methods", default="lora,full,prefix-tuning,p-tuning,qlora")
    args = parser.parse_args()
    if args.shape == "tiny":
        args.sequence = min(args.sequence, 128)
    info = hardware.detect()
    results, skipped = [], {}
    with tempfile.TemporaryDirectory() as saved:
        chosen = args.methods.split(",")
        if "qlora" in chosen:
            if "qlora" in info.unavailable:
                skipped["qlora"] = info.unavailable["qlora"]
                chosen.remove("qlora")
            else:
                from transformers import LlamaConfig, LlamaForCausalLM

                # QLoRA quantises while loading, so its base goes through a saved copy of the same random model.
                dtype = methods.compute_dtype(info.device, info.bf16)
                LlamaForCausalLM(LlamaConfig(**SHAPES[args.shape], dtype=dtype)).to(dtype).save_pretrained(saved)
        for method in chosen:
            result = measure(method, args.shape, args.sequence, args.micro_batch, args.steps, args.warmup, saved)
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
    print(
        json.dumps(
            {
                "bench": "gpu-training",
                "device": info.name,
                "torch": info.torch_version,
                "shape": args.shape,
                "sequenceLength": args.sequence,
                "microBatch": args.micro_batch,
                "results": results,
                "skipped": skipped,
            }
        )
    )


if __name__ == "__main__":
    main()
