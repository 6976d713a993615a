"""The five training methods as models to optimise, with the job's hyperparameters mapped one to one:
LoRA and QLoRA (rank, alpha, dropout, on every linear layer), full fine-tuning, prefix-tuning and p-tuning
(virtual tokens). Everything here is PEFT and transformers; nothing is simulated."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from peft import (
    LoraConfig,
    PrefixTuningConfig,
    PromptEncoderConfig,
    get_peft_model,
    prepare_model_for_kbit_training,
)
from transformers import AutoModelForCausalLM, BitsAndBytesConfig


@dataclass
class Hyperparameters:
    epochs: int = 3
    batch_size: int = 4
    learning_rate: float = 1e-4
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    virtual_tokens: int = 20

    @classmethod
    def from_job(cls, values: dict) -> Hyperparameters:
        names = {
            "epochs": "epochs",
            "batchSize": "batch_size",
            "learningRate": "learning_rate",
            "loraRank": "lora_rank",
            "loraAlpha": "lora_alpha",
            "loraDropout": "lora_dropout",
            "virtualTokens": "virtual_tokens",
        }
        return cls(**{names[key]: value for key, value in values.items() if key in names})


def compute_dtype(device: str, bf16: bool) -> torch.dtype:
    return torch.bfloat16 if device == "cuda" and bf16 else torch.float32


def build(method: str, model_path: str, params: Hyperparameters, device: str, bf16: bool, gradient_checkpointing: bool):
    """The model for `method`, on `device`, with only what the method trains left trainable."""
    dtype = compute_dtype(device, bf16)
    if method == "qlora":
        quantization = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
        )
        model = AutoModelForCausalLM.from_pretrained(
            model_path, quantization_config=quantization, dtype=dtype, device_map={"": device}
        )
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    else:
        model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype).to(device)
        # Prefix-tuning feeds learnt key/value caches to every layer, which activation checkpointing cannot
        # recompute; the other methods trade ~30% speed for memory when asked to.
        if gradient_checkpointing and method != "prefix-tuning":
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
            model.enable_input_require_grads()
    model.config.use_cache = False

    return adapt(method, model, params)


def adapt(method: str, model, params: Hyperparameters):
    """Wraps a loaded model for `method`: PEFT for the adapters and prompt learning, the model itself for full."""
    if method == "full":
        return model
    if method in ("lora", "qlora"):
        config = LoraConfig(
            r=params.lora_rank,
            lora_alpha=params.lora_alpha,
            lora_dropout=params.lora_dropout,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
    elif method == "prefix-tuning":
        config = PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=params.virtual_tokens)
    elif method == "p-tuning":
        config = PromptEncoderConfig(
            task_type="CAUSAL_LM",
            num_virtual_tokens=params.virtual_tokens,
            encoder_hidden_size=min(512, model.config.hidden_size * 4),
        )
    else:
        raise ValueError(f"unknown training method {method}")
    return get_peft_model(model, config)


def parameter_counts(model) -> tuple[int, int]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
