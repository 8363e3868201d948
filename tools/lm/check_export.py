#!/usr/bin/env python3
"""Check a shipped model directory against the reference: transformers loads it, and the Swift
engine's raw logits on a conversation prompt match transformers' at every position.

    .venv/bin/python -m tools.lm.check_export --model models/builtin

Prints the relative difference (max |swift - transformers| / max |transformers|) and exits 1
when it is above 1e-4.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import ChameleonForConditionalGeneration

PROMPT = "<s>draw a small red circle at the top left on a blue background<reserved08706>"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/builtin"))
    parser.add_argument("--binary", default=".build/release/omnichat")
    args = parser.parse_args()

    ids = Tokenizer.from_file(str(args.model / "tokenizer.json")).encode(PROMPT, add_special_tokens=False).ids
    model = ChameleonForConditionalGeneration.from_pretrained(args.model, dtype=torch.float32).eval()
    with torch.no_grad():
        hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state
        # The raw head: transformers' forward masks image-token logits, which the engine dumps unmasked.
        reference = model.lm_head(hidden)[0].numpy()
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "logits.npy"
        # Float32 weights in memory, as the reference computes: the default bf16 path rounds
        # prefill activations to bf16, which moves logits by about 2e-3.
        subprocess.run([args.binary, "complete", "--model", str(args.model), "--ids", " ".join(map(str, ids)),
                        "--max-tokens", "1", "--greedy", "--weights", "f32", "--dump-logits", str(dump)], check=True, capture_output=True)
        swift = np.load(dump)
    difference = float(np.abs(swift - reference).max() / np.abs(reference).max())
    print(f"{args.model}: {len(ids)} prompt tokens, vocabulary {reference.shape[1]}; "
          f"max |swift - transformers| / max |transformers| = {difference:.2e}")
    return 0 if difference <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
