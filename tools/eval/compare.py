#!/usr/bin/env python3
"""Side-by-side table of several evaluations, to judge a new model against the shipped one.

Reads the `--details` files that `tools.eval.evaluate` writes, one per model (name each with
LABEL=PATH), and prints one markdown row per category with "correct/scored" for held-out and
training phrasings in each column, then the row of described pictures that put an object on a
background of its own colour (`tools.eval.background_clash`):

    .venv/bin/python -m tools.eval.compare shipped=runs/eval/shipped-played.jsonl new=runs/eval/lm8-played.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from tools.eval.background_clash import count_clashes
from tools.eval.evaluate import ALL_CATEGORIES

SPLITS = ("heldout", "train")


def tally(records: list[dict]) -> dict:
    """Correct and scored cases by category and split, and the own-colour count of described pictures."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        if record.get("source_right", True):
            cell = counts[(record["category"], record["split"])]
            cell[0] += int(record["correct"])
            cell[1] += 1
    return {"counts": dict(counts), "clash": count_clashes(records)}


def table(columns: list[tuple[str, dict]]) -> str:
    """The markdown table: one column per labelled tally, held-out then training in each cell."""
    lines = ["| category | " + " | ".join(label for label, _ in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for category in ALL_CATEGORIES:
        cells = []
        for _, tallied in columns:
            parts = [tallied["counts"].get((category, split)) for split in SPLITS]
            cells.append(", ".join(f"{p[0]}/{p[1]}" for p in parts if p) or "-")
        if any(cell != "-" for cell in cells):
            lines.append(f"| {category} | " + " | ".join(cells) + " |")
    lines.append("| object on a background of its own colour | "
                 + " | ".join(f"{t['clash'][0]} of {t['clash'][1]} described pictures" for _, t in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("details", nargs="+", metavar="LABEL=PATH",
                        help="a label for the column and the JSON-lines file tools.eval.evaluate --details wrote")
    args = parser.parse_args()
    columns = []
    for argument in args.details:
        label, separator, path = argument.partition("=")
        if not separator:
            parser.error(f"{argument}: expected LABEL=PATH")
        with open(path) as lines:
            columns.append((label, tally([json.loads(line) for line in lines if line.strip()])))
    print(table(columns))


if __name__ == "__main__":
    main()
