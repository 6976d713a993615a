"""A run resumed from a checkpoint ends where the uninterrupted run ends: same steps, same weights."""

import contextlib

import torch
from transformers import AutoTokenizer

from crm_ai_trainer import data, loop, methods


def run(tiny, examples, pad_id, work_dir, resume_from=None, stop_after=None, saved=None):
    torch.manual_seed(0)
    params = methods.Hyperparameters(epochs=2, batch_size=4, learning_rate=1e-2)
    model = methods.build("lora", tiny, params, "cpu", False, False)
    steps = []

    def report(step, total, metric):
        steps.append((step, metric["loss"]))
        return stop_after is None or step < stop_after

    with contextlib.suppress(loop.Stopped):
        loop.train(
            model,
            examples,
            [],
            params,
            device="cpu",
            pad_id=pad_id,
            report=report,
            save_checkpoint=(lambda step, folder: saved.append((step, folder))) if saved is not None else None,
            checkpoint_every=3,
            resume_from=resume_from,
            work_dir=str(work_dir),
        )
    return model, steps


def test_resume_reproduces_the_uninterrupted_run(tiny, conversations, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    data.ensure_chat_template(tokenizer)
    examples = [data.encode(tokenizer, c, 256) for c in conversations]
    whole, whole_steps = run(tiny, examples, tokenizer.pad_token_id, tmp_path / "a")

    saved = []
    _, first_steps = run(tiny, examples, tokenizer.pad_token_id, tmp_path / "b", stop_after=5, saved=saved)
    assert [step for step, _ in saved] == [3]
    resumed, resumed_steps = run(tiny, examples, tokenizer.pad_token_id, tmp_path / "c", resume_from=saved[0][1])

    assert [s for s, _ in first_steps] == [1, 2, 3, 4, 5]
    assert [s for s, _ in resumed_steps] == [4, 5, 6, 7, 8]
    assert resumed_steps == whole_steps[3:]
    for (name, a), (_, b) in zip(whole.named_parameters(), resumed.named_parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name
