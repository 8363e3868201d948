#!/usr/bin/env python3
"""Where a checkpoint's picture loss sits: teacher-forced loss of picture codes by patch class.

Takes the first exchange of training conversations that make one object, feeds the whole
exchange (request, description, picture) and splits the loss of the 256 picture codes by what
each 4x4 patch shows: background above, beside or below the object, the object's first row, its
very first code (where the model must know where it is), its second row and the rows below
(where it continues a shape it has started). Minutes of CPU:

    .venv/bin/python -m tools.lm.code_loss --run runs/lm3/run --data runs/lm3/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from tools.lm.conversation_format import BUILTIN
from tools.lm.pictures import PatchCodeEncoder, SceneEncoder, load_vqgan
from tools.lm.serialize import Serializer
from tools.lm.train import load_trained
from tools.world.conversations import generate
from tools.world.render import render_indices
from tools.world.scene import Scene
from tools.world.spec import VQ_DOWNSAMPLING, VQ_GRID

CLASSES = ("background above", "background in object rows", "background below", "object first row",
           "object very first code", "object second row", "object later rows")


def patch_classes(scene: Scene) -> list[str | None]:
    """Class of each of the 256 patches (raster order), None for a picture without objects."""
    indices = render_indices(scene)
    background = np.bincount(indices.ravel()).argmax()
    side = VQ_DOWNSAMPLING
    inked = np.array([[(indices[r * side:(r + 1) * side, c * side:(c + 1) * side] != background).any()
                       for c in range(VQ_GRID)] for r in range(VQ_GRID)])
    rows = np.nonzero(inked.any(axis=1))[0]
    if len(rows) == 0:
        return [None] * (VQ_GRID * VQ_GRID)
    top, bottom = rows[0], rows[-1]
    first_column = np.nonzero(inked[top])[0][0]
    classes: list[str | None] = []
    for r in range(VQ_GRID):
        for c in range(VQ_GRID):
            if not inked[r, c]:
                classes.append("background above" if r < top else "background below" if r > bottom
                               else "background in object rows")
            elif r == top:
                classes.append("object very first code" if c == first_column else "object first row")
            else:
                classes.append("object second row" if r == top + 1 else "object later rows")
    return classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="training run directory (checkpoint.pt)")
    parser.add_argument("--data", type=Path, required=True, help="dataset directory (tokenizer.json, meta.json)")
    parser.add_argument("--vqgan", type=Path, default=None, help="the VQGAN of a dataset coded by one (not patch codes)")
    parser.add_argument("--count", type=int, default=60, help="pictures")
    parser.add_argument("--seed", type=int, default=7001)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model, meta, state = load_trained(args.run, args.data)
    tokenizer = Tokenizer.from_file(str(args.data / "tokenizer.json"))
    if meta.get("codes") == "patch":
        encoder = PatchCodeEncoder()
    elif args.vqgan is not None:
        encoder = SceneEncoder(load_vqgan(args.vqgan))
    else:
        raise SystemExit(f"{args.data} was coded by a VQGAN: pass it with --vqgan")
    serializer = Serializer(tokenizer, BUILTIN, meta["image_token_ids"], encoder)
    begin = tokenizer.get_vocab(with_added_tokens=True)[BUILTIN.begin_image]

    losses: dict[str, list[float]] = {name: [] for name in CLASSES}
    pictures = 0
    for conversation in generate(args.seed, args.count * 50, split="train"):
        reply = conversation["turns"][1]
        if reply.get("check", {}).get("category") != "make_one":
            continue
        ids, _ = serializer.conversation({"turns": conversation["turns"][:2]})
        scene = Scene.from_json(next(s["scene"] for s in reply["segments"] if s["type"] == "image"))
        start = ids.index(begin) + 1
        with torch.no_grad():
            hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state
            log_probs = torch.log_softmax(model.lm_head(hidden)[0].float(), dim=-1)
        for i, name in enumerate(patch_classes(scene)):
            if name is not None:
                position = start + i
                losses[name].append(-float(log_probs[position - 1, ids[position]]))
        pictures += 1
        if pictures == args.count:
            break
    print(f"{args.run} step {state['step']}: teacher-forced loss of picture codes, {pictures} single-object pictures")
    for name in CLASSES:
        values = np.array(losses[name])
        if len(values):
            print(f"  {name:28s} {values.mean():6.3f} nats  ({len(values)} codes, {np.mean(values > 1):.0%} above 1 nat)")


if __name__ == "__main__":
    main()
