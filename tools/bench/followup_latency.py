#!/usr/bin/env python3
"""Show that a short follow-up costs only its own tokens, however long the conversation is.

Plays one conversation through `omnichat run --json --script` (the chat's engine, no terminal):
picture requests alternating with a short follow-up ("thanks"). The engine keeps the whole
conversation, pictures included, in its KV cache, so each follow-up runs only its few new tokens
through the model. For every follow-up the table gives the context before it, the tokens the
model ran, and the time to the first reply token; the last column is what re-reading the whole
context would cost at the measured prompt speed (what a client without a persistent cache pays).

    .venv/bin/python tools/bench/followup_latency.py --model models/builtin --pictures 6

Standard library only; needs a release build (`swift build -c release`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

REQUESTS = [
    "draw a red circle on a blue background",
    "draw a small yellow star at the top left on a black background",
    "draw the word HELLO in white on a green background",
    "draw a large purple heart on a white background",
    "draw a small cyan ring at the bottom right and a small orange cross at the top on a gray background",
    "draw a medium brown triangle on a pink background",
    "draw the word SUN in yellow on a blue background",
    "draw a small green diamond at the left on a white background",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/builtin")
    parser.add_argument("--binary", default=".build/release/omnichat")
    parser.add_argument("--pictures", type=int, default=6, help="picture requests before the last follow-up")
    parser.add_argument("--follow-up", default="thanks")
    args = parser.parse_args()

    turns = []
    for request in (REQUESTS * 4)[: args.pictures]:
        turns += [{"text": request}, {"text": args.follow_up}]
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "turns.jsonl"
        script.write_text("\n".join(json.dumps(t) for t in turns) + "\n")
        reply = subprocess.run([args.binary, "run", "--model", args.model, "--json", "--script", str(script),
                                "--seed", "1"], capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in reply.stdout.splitlines() if line.strip()]

    # Prompt speed of the picture requests (their prompts are longer), for the last column.
    requests = [a["stats"] for a in answers[0::2] if a.get("stats")]
    rate = sum(s["prompt_tokens"] for s in requests) / max(1e-9, sum(s["prompt_seconds"] for s in requests))
    print(f"| follow-up | context before (tokens) | tokens run | time to first token (ms) | re-reading the context (ms) |")
    print("|---|---|---|---|---|")
    for number in range(1, len(answers) // 2 + 1):
        stats = answers[2 * number - 1]["stats"]
        before = answers[2 * number - 2]["stats"]["context_tokens"]
        print(f"| {number} | {before} | {stats['prompt_tokens']} | {stats['prompt_seconds'] * 1000:.1f} | "
              f"{(before + stats['prompt_tokens']) / rate * 1000:.0f} |")
    print(f"\nprompt speed of the picture requests: {rate:.0f} tokens/s; model {args.model}")


if __name__ == "__main__":
    main()
