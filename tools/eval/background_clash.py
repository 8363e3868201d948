#!/usr/bin/env python3
"""How often a model describes a picture with an object on a background of its own colour.

The world never holds such a picture (the object would be invisible), and the training data
never shows one, yet a model that copies colour words too eagerly gives the background, when the
request leaves it unsaid, the colour the request named for an object. Reads the `--details`
files of `tools.eval.evaluate` and counts, over the make_one and make_many replies that describe
a picture ("Here is picture N: ... on a C background."), those where an object's phrase names
the background's colour C.

    .venv/bin/python -m tools.eval.background_clash runs/eval/details.jsonl
"""

from __future__ import annotations

import argparse
import json
import re

from tools.world.spec import COLORS

DESCRIBED = re.compile(r"Here is picture \d+: (?P<objects>.*) on an? (?P<background>\w+) background\.$")


def clashes(reply: str) -> bool | None:
    """Whether the described picture puts an object on its own colour; None when the reply
    describes no picture of objects."""
    match = DESCRIBED.match(reply.strip())
    if not match or match["background"] not in COLORS or match["objects"].startswith("the word "):
        return None
    objects = re.split(r", | and ", match["objects"])
    return any(re.search(rf"\b{match['background']}\b", phrase) for phrase in objects)


def count_clashes(records: list[dict]) -> tuple[int, int]:
    """(clashing, described) over the make_one and make_many replies of evaluation records."""
    verdicts = [clashes(r["reply"]) for r in records if r["category"] in ("make_one", "make_many")]
    described = [v for v in verdicts if v is not None]
    return sum(described), len(described)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("details", nargs="+", help="JSON-lines files written by tools.eval.evaluate --details")
    args = parser.parse_args()
    for path in args.details:
        with open(path) as lines:
            clashing, described = count_clashes([json.loads(line) for line in lines if line.strip()])
        print(f"{path}: {clashing} of {described} described pictures put an object on a background of its own colour")


if __name__ == "__main__":
    main()
