import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import tiny_model

STAGES = ["negotiation", "proposal", "qualification", "closed won"]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    if not tiny_model.TOKENIZER_DIR.exists():
        pytest.skip(f"no tokenizer at {tiny_model.TOKENIZER_DIR} (run npm ci at the repository root)")
    return tiny_model.build(str(tmp_path_factory.mktemp("tiny-llama")))


@pytest.fixture(scope="session")
def conversations():
    """A small dataset a model can memorise: which stage each deal is in."""
    return [
        [
            {"role": "system", "content": "You are the CRM assistant."},
            {"role": "user", "content": f"What stage is deal {n} in?"},
            {"role": "assistant", "content": f"Deal {n} is in {STAGES[n % 4]}."},
        ]
        for n in range(16)
    ]
