"""Training examples as token ids: each example arrives as chat messages (the service renders every dataset
type, instruction to summarization, as a conversation), is laid out with the model's own chat template, and
is trained on the assistant's reply only (the prompt's labels are masked)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import torch

IGNORE = -100

# For tokenizers that ship without a chat template (base models): plain role headers, so the prompt and the
# reply are still told apart. Saved with the artifact so inference lays prompts out the same way.
FALLBACK_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '### ' + message['role'] + '\\n' + message['content'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '### assistant\\n' }}{% endif %}"
)


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]


def read_export(text: str) -> tuple[list[list[dict]], list[list[dict]]]:
    """The service's dataset export (JSONL of {split, messages}) as train and validation conversations."""
    train, validation = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        (validation if row["split"] == "validation" else train).append(row["messages"])
    return train, validation


def ensure_chat_template(tokenizer) -> None:
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = FALLBACK_TEMPLATE
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token


def encode(tokenizer, messages: list[dict], max_length: int) -> Example:
    """Token ids of a conversation, with labels on the last assistant reply only."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    prompt = tokenizer.apply_chat_template(messages[:last], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages[: last + 1], tokenize=False)
    if not full.startswith(prompt):
        # A template that rewrites earlier turns when a reply follows: train on the whole text instead.
        ids = tokenizer(full, add_special_tokens=False)["input_ids"]
        return Example(ids[:max_length], ids[:max_length])
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    reply_ids = tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
    if tokenizer.eos_token_id is not None and (not reply_ids or reply_ids[-1] != tokenizer.eos_token_id):
        reply_ids.append(tokenizer.eos_token_id)
    ids = (prompt_ids + reply_ids)[:max_length]
    labels = ([IGNORE] * len(prompt_ids) + reply_ids)[:max_length]
    return Example(ids, labels)


def collate(examples: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded tensors for one micro-batch."""
    width = max(len(e.input_ids) for e in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    attention = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        n = len(example.input_ids)
        input_ids[row, :n] = torch.tensor(example.input_ids)
        labels[row, :n] = torch.tensor(example.labels)
        attention[row, :n] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}
