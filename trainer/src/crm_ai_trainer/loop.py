"""The training loop shared by every method: fixed-order mini-batches (seeded per epoch, so a resumed run
sees exactly the batches it would have), gradient accumulation to fit memory, AdamW with linear warm-up and
decay, a metric per optimiser step (loss, learning rate, tokens/s, peak GPU memory), the validation loss at
each epoch's end, a checkpoint every N steps, and a stop within one step when the service says so."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from transformers import get_linear_schedule_with_warmup

from . import checkpoint
from .data import Example, collate
from .methods import Hyperparameters


class Stopped(Exception):
    """The service asked this worker to stop (a cancel, or the job went to another worker)."""


@dataclass
class Plan:
    steps_per_epoch: int
    total_steps: int
    micro_batch: int
    accumulation: int


def plan(train_size: int, params: Hyperparameters, max_micro_batch: int) -> Plan:
    steps_per_epoch = max(1, math.ceil(train_size / params.batch_size))
    micro = max(1, min(params.batch_size, max_micro_batch))
    return Plan(steps_per_epoch, steps_per_epoch * params.epochs, micro, math.ceil(params.batch_size / micro))


# report(step, total_steps, metric) -> whether to go on; save(step, directory) stores a checkpoint.
Report = Callable[[int, int, dict], bool]
SaveCheckpoint = Callable[[int, str], None]


def train(
    model,
    train: list[Example],
    validation: list[Example],
    params: Hyperparameters,
    *,
    device: str,
    pad_id: int,
    report: Report,
    save_checkpoint: SaveCheckpoint | None = None,
    checkpoint_every: int = 50,
    resume_from: str | None = None,
    max_micro_batch: int = 8,
    seed: int = 1234,
    work_dir: str = ".",
) -> dict:
    layout = plan(len(train), params, max_micro_batch)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=params.learning_rate, weight_decay=0.0)
    warmup = min(10, max(0, layout.total_steps // 20))
    scheduler = get_linear_schedule_with_warmup(optimizer, warmup, layout.total_steps)
    start_step = 0
    if resume_from:
        start_step = checkpoint.restore(resume_from, model, optimizer, scheduler)

    first_loss = last_loss = eval_loss = None
    cuda = device == "cuda"
    model.train()
    for epoch in range(params.epochs):
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed + epoch)).tolist()
        for index in range(layout.steps_per_epoch):
            step = epoch * layout.steps_per_epoch + index + 1
            if step <= start_step:
                continue
            # Dropout draws from a seed per step: a resumed step computes what the lost one would have.
            torch.manual_seed(seed * 1_000_003 + step)
            batch = [train[i] for i in order[index * params.batch_size : (index + 1) * params.batch_size]]
            started = time.perf_counter()
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            loss, tokens = _optimiser_step(model, batch, layout.micro_batch, pad_id, device)
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            if cuda:
                torch.cuda.synchronize()
            seconds = time.perf_counter() - started
            first_loss = loss if first_loss is None else first_loss
            last_loss = loss
            epoch_end = index == layout.steps_per_epoch - 1
            if epoch_end and validation:
                eval_loss = evaluate(model, validation, layout.micro_batch, pad_id, device)
                model.train()
            metric = {
                "step": step,
                "epoch": round(step / layout.steps_per_epoch, 4),
                "loss": round(loss, 5),
                "evalLoss": round(eval_loss, 5) if epoch_end and validation else None,
                "learningRate": scheduler.get_last_lr()[0],
                "accuracy": None,
                "tokensPerSec": round(tokens / seconds, 1),
                "gpuMemoryGib": round(torch.cuda.max_memory_allocated() / 2**30, 3) if cuda else None,
            }
            if save_checkpoint and (step % checkpoint_every == 0) and step < layout.total_steps:
                directory = checkpoint.save(f"{work_dir}/checkpoint-{step}", step, model, optimizer, scheduler)
                save_checkpoint(step, directory)
            if not report(step, layout.total_steps, metric):
                raise Stopped()
    return {
        "firstLoss": first_loss,
        "finalLoss": last_loss,
        "evalLoss": eval_loss,
        "steps": layout.total_steps,
        "microBatch": layout.micro_batch,
        "gradientAccumulation": layout.accumulation,
    }


def _optimiser_step(model, batch: list[Example], micro: int, pad_id: int, device: str) -> tuple[float, int]:
    """Forward and backward over micro-batches, weighted by their reply tokens so the sum is the batch's
    mean loss per token; returns that loss and the tokens processed."""
    counted = sum(sum(1 for label in e.labels[1:] if label != -100) for e in batch)
    total_loss = 0.0
    tokens = 0
    for start in range(0, len(batch), micro):
        part = batch[start : start + micro]
        inputs = {key: value.to(device) for key, value in collate(part, pad_id).items()}
        share = sum(sum(1 for label in e.labels[1:] if label != -100) for e in part) / max(1, counted)
        loss = model(**inputs).loss * share
        loss.backward()
        total_loss += loss.item()
        tokens += int(inputs["attention_mask"].sum())
    return total_loss, tokens


@torch.no_grad()
def evaluate(model, examples: list[Example], micro: int, pad_id: int, device: str) -> float:
    model.eval()
    weighted, counted = 0.0, 0
    for start in range(0, len(examples), micro):
        part = examples[start : start + micro]
        inputs = {key: value.to(device) for key, value in collate(part, pad_id).items()}
        n = sum(sum(1 for label in e.labels[1:] if label != -100) for e in part)
        weighted += model(**inputs).loss.item() * n
        counted += n
    return weighted / max(1, counted)
