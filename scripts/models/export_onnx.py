"""Exports a sentence-embedding model from PyTorch weights to ONNX in the layout the product loads
(transformers.js: config.json, tokenizer.json, onnx/model.onnx and onnx/model_quantized.onnx), with the
pooling the model was trained with, and reference embeddings computed by PyTorch for the tests.

usage: export_onnx.py <model directory with config.json and *.safetensors> <output directory> <model id>
"""

import json
import pathlib
import shutil
import sys

import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModel, AutoTokenizer

REFERENCE_SENTENCES = [
    "Who is unhappy with onboarding?",
    "Acme Corp wants single sign-on before renewing the contract.",
    "Quarterly business review with Globex: expansion to three more regions.",
    "zzqqxxnothing",
]


def pooling_of(source: pathlib.Path) -> str:
    """sentence-transformers keeps the pooling mode in 1_Pooling/config.json; mean unless it says CLS."""
    config = source / "1_Pooling" / "config.json"
    if config.exists():
        modes = json.loads(config.read_text())
        if modes.get("pooling_mode_cls_token"):
            return "cls"
    return "mean"


class LastHiddenState(torch.nn.Module):
    """The encoder with named inputs and one output, as transformers.js's feature-extraction expects."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


def main(source: pathlib.Path, out: pathlib.Path, model_id: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source)
    model.eval()
    (out / "onnx").mkdir(parents=True, exist_ok=True)

    sample = tokenizer(["a short one", "a somewhat longer second sentence"], padding=True, return_tensors="pt")
    inputs = ("input_ids", "attention_mask", "token_type_ids")
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(model).eval(),
            tuple(sample[name] for name in inputs),
            str(out / "onnx" / "model.onnx"),
            input_names=list(inputs),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    quantize_dynamic(
        str(out / "onnx" / "model.onnx"),
        str(out / "onnx" / "model_quantized.onnx"),
        weight_type=QuantType.QInt8,
    )

    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (source / name).exists():
            shutil.copy(source / name, out / name)
    pooling = pooling_of(source)
    config = json.loads((out / "config.json").read_text())
    max_length = getattr(tokenizer, "model_max_length", 512)
    st_config = source / "sentence_bert_config.json"
    if st_config.exists():
        max_length = json.loads(st_config.read_text()).get("max_seq_length", max_length)
    config["crm_ai"] = {"id": model_id, "pooling": pooling, "normalize": True, "max_length": max_length}
    (out / "config.json").write_text(json.dumps(config, indent=2))

    # What PyTorch computes for a few sentences, pooled and normalised as the model card says: the ONNX
    # embedder must reproduce it. (Export restores the wrapper's train/eval mode: make sure it is eval.)
    model.eval()
    encoded = tokenizer(REFERENCE_SENTENCES, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    if pooling == "cls":
        pooled = hidden[:, 0]
    else:
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
    (out / "reference_embeddings.json").write_text(
        json.dumps({"sentences": REFERENCE_SENTENCES, "embeddings": pooled.tolist()})
    )
    print(f"exported {model_id} to {out} ({pooling} pooling, {config.get('hidden_size')} dimensions)")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3])
