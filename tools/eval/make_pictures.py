#!/usr/bin/env python3
"""Evaluate picture making through the Swift engine (`omnichat run`), not through PyTorch.

Takes the first request of held-out (or training-phrasing) conversations whose first assistant
turn makes a picture, plays it through `omnichat run --json --out`, parses the written PNG with
the scene checker, and scores it against what the user said:

* make_one / make_many: the right number of objects, each stated shape, colour, size and
  position present (matched one-to-one), the stated background, and a valid world picture;
* word_short / word_long: the word exactly, in the stated colour.

Prints accuracy per category with a 95% Wilson interval, as a Markdown table.

    .venv/bin/python -m tools.eval.make_pictures --model models/builtin --count 50 --split heldout
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
from collections import defaultdict
from itertools import permutations
from pathlib import Path

from tools.world.checker import parse_png
from tools.world.conversations import generate


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    if total == 0:
        return 0.0, 0.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def objects_match(said: list[dict], made: list[dict]) -> bool:
    if len(said) != len(made):
        return False
    for order in permutations(made):
        if all(all(o.get(k) == v for k, v in s.items()) for s, o in zip(said, order)):
            return True
    return False


def score(check: dict, scene: dict | None) -> bool:
    if scene is None:
        return False
    said = check["said"]
    if said.get("background") and scene.get("background") != said["background"]:
        return False
    if check["category"].startswith("word"):
        word = scene.get("word")
        return word is not None and word.get("text") == said["word"]["text"] and \
            (said["word"].get("color") is None or word.get("color") == said["word"]["color"])
    return objects_match(said["objects"], scene.get("objects", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--binary", default=".build/release/omnichat")
    parser.add_argument("--count", type=int, default=50, help="conversations to draw from per seed batch")
    parser.add_argument("--split", default="heldout", choices=["train", "heldout"])
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--run-args", default="--greedy", help="extra flags for omnichat run")
    args = parser.parse_args()

    results: dict[str, list[bool]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as out:
        for conversation in generate(args.seed, args.count, split=args.split):
            user, assistant = conversation["turns"][0], conversation["turns"][1]
            check = assistant.get("check") or {}
            if check.get("kind") != "make" or any(s["type"] != "text" for s in user["segments"]):
                continue
            prompt = "".join(s["text"] for s in user["segments"])
            folder = Path(out) / conversation["id"]
            command = [args.binary, "run", "--model", args.model, "--json", "--out", str(folder),
                       "--max-tokens", "400", *args.run_args.split(), prompt]
            reply = subprocess.run(command, capture_output=True, text=True, timeout=600)
            scene = None
            if reply.returncode == 0 and reply.stdout.strip():
                turn = json.loads(reply.stdout.splitlines()[0])
                if turn["images"]:
                    parsed = parse_png(turn["images"][0])
                    scene = parsed.scene.to_json() if parsed.scene is not None else None
            results[check["category"]].append(score(check, scene))

    print("| category | correct | total | accuracy | 95% interval |")
    print("|---|---|---|---|---|")
    for category in sorted(results):
        ok, total = sum(results[category]), len(results[category])
        low, high = wilson(ok, total)
        print(f"| {category} | {ok} | {total} | {ok / total:.1%} | {low:.1%} - {high:.1%} |")


if __name__ == "__main__":
    main()
