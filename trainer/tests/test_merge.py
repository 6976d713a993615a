import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from crm_ai_trainer import data, loop, merge, methods


def test_a_merged_lora_model_answers_as_the_adapter_does(tiny, conversations, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    data.ensure_chat_template(tokenizer)
    examples = [data.encode(tokenizer, c, 256) for c in conversations]
    params = methods.Hyperparameters(epochs=2, batch_size=4, learning_rate=1e-2)
    model = methods.build("lora", tiny, params, "cpu", False, False)
    loop.train(model, examples, [], params, device="cpu", pad_id=tokenizer.pad_token_id, report=lambda *_: True)
    model.save_pretrained(tmp_path / "adapter")
    tokenizer.save_pretrained(tmp_path / "adapter")
    merge.merge(tiny, str(tmp_path / "adapter"), str(tmp_path / "merged"))
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    batch = data.collate(examples[:2], tokenizer.pad_token_id)
    model.eval()
    with torch.no_grad():
        assert torch.allclose(model(**batch).logits, merged(**batch).logits, atol=1e-4)


def test_a_prompt_adapter_is_not_merged(tiny, tmp_path):
    params = methods.Hyperparameters(virtual_tokens=4)
    methods.build("p-tuning", tiny, params, "cpu", False, False).save_pretrained(tmp_path / "adapter")
    with pytest.raises(ValueError, match="cannot be merged"):
        merge.merge(tiny, str(tmp_path / "adapter"), str(tmp_path / "merged"))
