"""crm-ai's self-hosted training worker: claims `self-hosted` fine-tuning jobs from a crm-ai service and trains
them here with PyTorch, transformers and PEFT (LoRA, QLoRA, full, prefix-tuning, p-tuning)."""

__version__ = "0.1.0"
