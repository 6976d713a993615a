"""`crm-ai-trainer merge`: a LoRA or QLoRA adapter folded into its base model, saved as an ordinary model
directory any inference server loads. Prefix- and p-tuning learn prompts, not weight deltas: they cannot be
merged and are served with their adapter."""

from __future__ import annotations

import json
import os

from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer


def merge(base: str, adapter: str, out: str) -> str:
    with open(os.path.join(adapter, "adapter_config.json")) as file:
        peft_type = json.load(file).get("peft_type")
    if peft_type != "LORA":
        raise ValueError(f"a {peft_type} adapter learns a prompt, not weights, and cannot be merged")
    model = AutoModelForCausalLM.from_pretrained(base)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    merged.save_pretrained(out, safe_serialization=True)
    AutoTokenizer.from_pretrained(adapter).save_pretrained(out)
    return out
