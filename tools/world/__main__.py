"""Command line of the picture world.

    python -m tools.world conversations --seed 1 --count 1000 --split train --out data/train.jsonl
    python -m tools.world render '{"background": "blue", "objects": [...]}' --out picture.png
    python -m tools.world check picture.png            # prints the scene as JSON
    python -m tools.world roundtrip --count 5000       # render -> check exact-recovery rate
    python -m tools.world templates [--held-out]       # list phrasing templates
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from .checker import CheckerError, parse_image, parse_png
from .conversations import generate
from .render import render, save_png
from .scene import Scene, SceneError, random_scene
from .templates import TEMPLATES


def _conversations(args: argparse.Namespace) -> int:
    out = open(args.out, "w") if args.out else sys.stdout
    try:
        for conversation in generate(args.seed, args.count, args.split, args.max_pictures):
            out.write(json.dumps(conversation, separators=(",", ":")) + "\n")
    finally:
        if args.out:
            out.close()
    return 0


def _render(args: argparse.Namespace) -> int:
    try:
        scene = Scene.loads(args.scene)
    except (SceneError, json.JSONDecodeError) as error:
        print(f"error: invalid scene: {error}", file=sys.stderr)
        return 2
    save_png(scene, args.out)
    return 0


def _check(args: argparse.Namespace) -> int:
    try:
        result = parse_png(args.png)
    except CheckerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"scene": result.scene.to_json(), "mismatched_pixels": result.mismatched_pixels}))
    return 0


def _roundtrip(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    start = time.time()
    exact = 0
    for _ in range(args.count):
        scene = random_scene(rng, 0.25)
        exact += parse_image(render(scene)).scene.same_as(scene)
    seconds = time.time() - start
    print(f"exact recovery {exact}/{args.count} = {exact / args.count:.4%} "
          f"({args.count / seconds:.0f} pictures/s)")
    return 0 if exact == args.count else 1


def _templates(args: argparse.Namespace) -> int:
    for category, rows in TEMPLATES.items():
        for template in rows:
            if args.held_out and not template.held_out:
                continue
            flag = "held-out" if template.held_out else "train"
            print(f"{template.id}\t{flag}\t{template.pattern}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.world", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("conversations", help="write conversations as JSON lines")
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--count", type=int, default=1000)
    c.add_argument("--split", choices=("train", "heldout"), default="train")
    c.add_argument("--max-pictures", type=int, default=4)
    c.add_argument("--out", help="file to write (default: stdout)")
    c.set_defaults(run=_conversations)
    r = commands.add_parser("render", help="draw a scene (JSON) as a PNG")
    r.add_argument("scene")
    r.add_argument("--out", required=True)
    r.set_defaults(run=_render)
    k = commands.add_parser("check", help="read a PNG back into a scene")
    k.add_argument("png")
    k.set_defaults(run=_check)
    t = commands.add_parser("roundtrip", help="render random scenes and read them back")
    t.add_argument("--count", type=int, default=5000)
    t.add_argument("--seed", type=int, default=1)
    t.set_defaults(run=_roundtrip)
    m = commands.add_parser("templates", help="list phrasing templates")
    m.add_argument("--held-out", action="store_true")
    m.set_defaults(run=_templates)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
