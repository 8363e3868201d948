#!/usr/bin/env bash
# Judge a newly trained model against the shipped one, through the Swift engine, in one run:
# played and written evaluations (25 cases a category and split, seed 7001), each model in turn so
# that both see the same machine state, then the side-by-side tables (tools/eval/compare.py).
#
#   tools/eval/judge.sh runs/lm8/export lm8     # details in runs/eval/{shipped,lm8}-{played,written}.jsonl
#
# About 4 minutes per model played and 2 written on the 2-core machines (more beside training).
# REUSE_BASELINE=1 keeps the shipped model's details from an earlier judgement when they are
# there (the same engine and seed give the same answers), halving the time.
set -euo pipefail
cd "$(dirname "$0")/../.."
CANDIDATE=${1:?usage: tools/eval/judge.sh MODEL_DIR [TAG]}
TAG=${2:-$(basename "$CANDIDATE")}
BASELINE=${BASELINE:-models/builtin}
PY=${PY:-.venv/bin/python}
COUNT=${COUNT:-25}
mkdir -p runs/eval
[ -x .build/release/omnichat ] || swift build -c release
for context in played written; do
    for pair in "shipped=$BASELINE" "$TAG=$CANDIDATE"; do
        label=${pair%%=*} model=${pair#*=}
        if [ "$label" = shipped ] && [ "${REUSE_BASELINE:-0}" = 1 ] && [ -s "runs/eval/shipped-$context.jsonl" ]; then
            continue
        fi
        extra=(--max-conversations 90)
        [ "$context" = written ] && extra=()
        "$PY" -m tools.eval.evaluate --model "$model" --count "$COUNT" --context "$context" "${extra[@]}" \
            --details "runs/eval/$label-$context.jsonl" > "runs/eval/$label-$context.txt" 2>&1
    done
done
for context in played written; do
    echo "$context context (held-out, training phrasings; correct/scored):"
    "$PY" -m tools.eval.compare "shipped=runs/eval/shipped-$context.jsonl" "$TAG=runs/eval/$TAG-$context.jsonl"
    echo
done
