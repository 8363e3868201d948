#!/usr/bin/env bash
# Train the built-in model from scratch, in one command, with fixed seeds; every stage resumes
# from its checkpoint when re-run. Stages and their outputs (all under runs/, git-ignored):
#   1. VQGAN (tools/train_vqgan.py)               -> runs/vqgan/export
#   2. dataset (tools/lm/build_dataset.py)        -> runs/lm/data      (conversations, tokenizer, ids)
#   3. language model (tools/lm/train.py)         -> runs/lm/run       (checkpoint.pt, log.txt)
#   4. export (tools/lm/export.py)                -> models/builtin    (the shipped model directory)
#
# Budget on a 2-core machine: VQGAN_MINUTES + dataset (~10 min) + LM_MINUTES <= 180.
#   VQGAN_STEPS=3500 VQGAN_MINUTES=60 LM_MINUTES=100 CONVERSATIONS=24000 tools/train_builtin.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
VQGAN_STEPS=${VQGAN_STEPS:-3500}
VQGAN_MINUTES=${VQGAN_MINUTES:-60}
LM_MINUTES=${LM_MINUTES:-100}
CONVERSATIONS=${CONVERSATIONS:-24000}
THREADS=${THREADS:-2}

"$PY" tools/train_vqgan.py --out runs/vqgan --max-steps "$VQGAN_STEPS" --max-minutes "$VQGAN_MINUTES" --threads "$THREADS"
[ -f runs/lm/data/meta.json ] || "$PY" -m tools.lm.build_dataset --vqgan runs/vqgan/export --count "$CONVERSATIONS" \
    --seed 1 --threads "$THREADS" --out runs/lm/data
"$PY" -m tools.lm.train --data runs/lm/data --out runs/lm/run --minutes "$LM_MINUTES" --threads "$THREADS" \
    --seed 1234 --hidden 256 --layers 4 --heads 8
"$PY" -m tools.lm.export --run runs/lm/run --data runs/lm/data --vqgan runs/vqgan/export --out models/builtin
