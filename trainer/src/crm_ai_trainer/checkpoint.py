"""Checkpoints a run can resume from on another machine: the trainable weights (safetensors), the optimiser
and scheduler state, and the step, in one directory that travels as a tar archive."""

from __future__ import annotations

import json
import os
import tarfile

import torch
from safetensors.torch import load_file, save_file


def _trainable(model) -> dict[str, torch.Tensor]:
    return {name: p.detach().contiguous().cpu() for name, p in model.named_parameters() if p.requires_grad}


def save(directory: str, step: int, model, optimizer, scheduler) -> str:
    os.makedirs(directory, exist_ok=True)
    save_file(_trainable(model), os.path.join(directory, "trainable.safetensors"))
    torch.save(
        {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
        os.path.join(directory, "optimizer.pt"),
    )
    with open(os.path.join(directory, "state.json"), "w") as file:
        json.dump({"step": step}, file)
    return directory


def restore(directory: str, model, optimizer, scheduler) -> int:
    """Loads a checkpoint into the model and optimiser; returns the step it was taken after."""
    weights = load_file(os.path.join(directory, "trainable.safetensors"))
    parameters = dict(model.named_parameters())
    missing = [name for name in weights if name not in parameters]
    if missing:
        raise ValueError(f"the checkpoint does not fit this model (e.g. {missing[0]})")
    with torch.no_grad():
        for name, value in weights.items():
            parameters[name].copy_(value.to(parameters[name].device, parameters[name].dtype))
    state = torch.load(os.path.join(directory, "optimizer.pt"), weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    with open(os.path.join(directory, "state.json")) as file:
        return int(json.load(file)["step"])


def pack(directory: str, archive: str) -> str:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(directory, arcname=".")
    return archive


def unpack(archive: str, directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    with tarfile.open(archive, "r:*") as tar:
        tar.extractall(directory, filter="data")
    return directory
