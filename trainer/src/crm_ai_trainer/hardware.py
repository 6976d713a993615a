"""What this machine can train on: the device, its memory, bf16 support, and which methods run here (QLoRA
needs bitsandbytes' 4-bit kernels, which are tried, not assumed)."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field

import torch

ALL_METHODS = ("lora", "qlora", "full", "prefix-tuning", "p-tuning")


@dataclass
class Hardware:
    device: str
    name: str
    memory_gib: float | None
    free_memory_gib: float | None
    bf16: bool
    torch_version: str
    methods: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        """The registration body of the trainer protocol (camelCase, as the service's JSON is)."""
        return {
            "device": self.device,
            "name": self.name,
            "memoryGib": self.memory_gib,
            "freeMemoryGib": self.free_memory_gib,
            "bf16": self.bf16,
            "torchVersion": self.torch_version,
            "methods": self.methods,
            "unavailable": self.unavailable,
        }


def detect() -> Hardware:
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        hardware = Hardware(
            device="cuda",
            name=torch.cuda.get_device_name(0),
            memory_gib=round(total / 2**30, 2),
            free_memory_gib=round(free / 2**30, 2),
            bf16=torch.cuda.is_bf16_supported(),
            torch_version=torch.__version__,
        )
    else:
        hardware = Hardware(
            device="cpu",
            name=platform.processor() or platform.machine(),
            memory_gib=None,
            free_memory_gib=None,
            bf16=False,
            torch_version=torch.__version__,
        )
    reason = four_bit_unavailable(hardware.device)
    hardware.methods = [m for m in ALL_METHODS if m != "qlora" or reason is None]
    if reason is not None:
        hardware.unavailable["qlora"] = reason
    return hardware


def four_bit_unavailable(device: str) -> str | None:
    """Why a 4-bit NF4 base cannot be used here, or None when a real 4-bit layer ran forward and backward."""
    try:
        import bitsandbytes as bnb
    except ImportError:
        return "bitsandbytes is not installed (pip install 'crm-ai-trainer[qlora]')"
    try:
        layer = bnb.nn.Linear4bit(64, 64, quant_type="nf4", compute_dtype=torch.float32).to(device)
        x = torch.randn(2, 64, device=device, requires_grad=True)
        layer(x).sum().backward()
    except Exception as error:  # any failure of the kernels means QLoRA cannot run on this hardware
        return f"bitsandbytes 4-bit kernels do not run on {device}: {error}"
    return None
