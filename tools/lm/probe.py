#!/usr/bin/env python3
"""Quick PyTorch-side probe of a training checkpoint: does the model draw what it is asked?

Plays the first user turn of held-out conversations that make a picture (one object, several
objects, or a word), lets the checkpoint answer greedily (text, then 256 picture codes, no
guidance), decodes the codes with the VQGAN, reads the picture back with the scene checker and
scores it as `tools/eval/evaluate.py` does. It also reports whether the answer's *text* names
what was asked (the first thing a model learns to copy), and how often it describes an object on
a background of the object's own colour (`tools/eval/background_clash.py`). Minutes of CPU, not hours: for watching
a training run, not for the README table (that one runs through the Swift engine).

    .venv/bin/python -m tools.lm.probe --run runs/lm3/run --data runs/lm3/data --vqgan runs/vqgan/merged --count 40
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from tools.eval.background_clash import clashes
from tools.eval.evaluate import make_correct
from tools.lm.conversation_format import BUILTIN
from tools.lm.pictures import SceneEncoder, load_vqgan
from tools.lm.serialize import Serializer
from tools.lm.train import load_trained
from tools.vqgan.data import u8_from_pixels
from tools.vqgan.patch_codes import decode_codes as decode_patch_codes
from tools.world.render import PALETTE_UINT8
from tools.world.checker import parse_image
from tools.world.conversations import generate


def first_make_turns(seed: int, count: int, categories: set[str] | None = None) -> list[tuple[dict, dict, str, dict]]:
    """(user turn, check, the reply's description, the reply's scene) of held-out conversations
    whose first reply makes a picture (of one of `categories`, when given)."""
    found = []
    for conversation in generate(seed, count * 200, split="heldout"):
        user, reply = conversation["turns"][0], conversation["turns"][1]
        check = reply.get("check", {})
        if categories is not None and check.get("category") not in categories:
            continue
        if check.get("kind") == "make" and all(s["type"] == "text" for s in user["segments"]):
            description = next(s["text"] for s in reply["segments"] if s["type"] == "text")
            scene = next(s["scene"] for s in reply["segments"] if s["type"] == "image")
            found.append((user, check, description, scene))
            if len(found) == count:
                break
    return found


def object_agreement(expected: dict, got: dict | None) -> dict[str, int]:
    """Per object of `expected`: whether `got` has an object in its cell ("placed"), and for those,
    whether colour, shape and size agree. Tells placement from binding (right cells, attributes
    swapped between objects)."""
    tally = {"objects": 0, "placed": 0, "color": 0, "shape": 0, "size": 0}
    by_cell = {o["position"]: o for o in (got or {}).get("objects") or []}
    for want in expected.get("objects") or []:
        tally["objects"] += 1
        have = by_cell.get(want["position"])
        if have is None:
            continue
        tally["placed"] += 1
        for key in ("color", "shape", "size"):
            tally[key] += have[key] == want[key]
    return tally


def text_names_request(text: str, said: dict) -> bool:
    """Whether every attribute the user said appears among the words of the reply's text."""
    words = set(text.lower().replace(".", " ").replace(",", " ").split())
    wanted = []
    if said.get("background"):
        wanted.append(said["background"])
    for obj in said.get("objects", []):
        wanted += [obj["shape"]] + [obj[k] for k in ("color", "size") if k in obj]
    if said.get("word"):
        wanted.append(said["word"]["text"].lower())
    return all(w in words for w in wanted)


@torch.no_grad()
def answer(model, prompt: list[int], stop_ids: set[int], begin_image: int, end_image: int,
           image_ids: torch.Tensor, max_text: int = 80) -> tuple[list[int], list[int] | None]:
    """Greedy text until the picture starts or the turn ends, then 256 greedy picture codes."""
    ids = torch.tensor([prompt])
    out = model.model(input_ids=ids, use_cache=True)
    cache, hidden = out.past_key_values, out.last_hidden_state[:, -1]
    text: list[int] = []
    codes: list[int] | None = None
    for _ in range(max_text):
        token = int(model.lm_head(hidden).argmax(-1))
        if token in stop_ids:
            break
        text.append(token)
        out = model.model(input_ids=torch.tensor([[token]]), past_key_values=cache, use_cache=True)
        cache, hidden = out.past_key_values, out.last_hidden_state[:, -1]
        if token == begin_image:
            codes = []
            for _ in range(256):
                logits = model.lm_head(hidden)[0, image_ids]
                code = int(logits.argmax())
                codes.append(code)
                out = model.model(input_ids=torch.tensor([[int(image_ids[code])]]), past_key_values=cache, use_cache=True)
                cache, hidden = out.past_key_values, out.last_hidden_state[:, -1]
            break
    return text, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="training run directory (checkpoint.pt)")
    parser.add_argument("--data", type=Path, required=True, help="dataset directory (tokenizer.json, meta.json)")
    parser.add_argument("--vqgan", type=Path, default=None, help="exported VQGAN directory (not needed for patch codes)")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7001)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--categories", default=None,
                        help="only these first requests, e.g. word_short,word_long (default: every make category)")
    parser.add_argument("--gold-description", action="store_true",
                        help="start each reply with the right description, so the picture alone is tested")
    parser.add_argument("--show", action="store_true", help="print each request and the reply's text")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model, meta, state = load_trained(args.run, args.data)
    tokenizer = Tokenizer.from_file(str(args.data / "tokenizer.json"))
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    image_ids = torch.tensor(meta["image_token_ids"])
    serializer = Serializer(tokenizer, BUILTIN, meta["image_token_ids"], lambda scene: [])
    stop_ids = {vocab[s] for s in BUILTIN.stop}
    patch_codes = meta.get("codes") == "patch"
    vqgan = None if patch_codes else load_vqgan(args.vqgan)

    started = time.time()
    tally: dict[str, list[int]] = {}
    # Replies describing an object on its own background colour, and replies describing objects:
    # where the request left the background unsaid, and where it named it.
    clash = {"unsaid": [0, 0], "said": [0, 0]}
    objects: dict[str, dict[str, int]] = {}
    categories = set(args.categories.split(",")) if args.categories else None
    for user, check, description, expected_scene in first_make_turns(args.seed, args.count, categories):
        prompt, _ = serializer.conversation({"turns": [user]})
        if args.gold_description:
            # Draw from the right description: measures drawing alone, not copying the request.
            prompt += serializer.piece(BUILTIN.assistant.prefix) + serializer.text(description)
        text_ids, codes = answer(model, prompt, stop_ids, vocab[BUILTIN.begin_image], vocab[BUILTIN.end_image], image_ids)
        text = tokenizer.decode(text_ids, skip_special_tokens=True)
        if args.gold_description:
            text = description + text
        scene = None
        if codes is not None:
            if vqgan is None:
                picture = PALETTE_UINT8[decode_patch_codes(codes)]
            else:
                pixels = vqgan.decode_codes(torch.tensor(codes).reshape(1, 16, 16))
                picture = u8_from_pixels(pixels)[0].numpy()
            scene = parse_image(picture).scene.to_json()
        said = check["said"]
        category = check["category"]
        row = tally.setdefault(category, [0, 0, 0])
        row[0] += 1
        row[1] += text_names_request(text, said)
        row[2] += make_correct(said, scene, words="word" in said)
        verdict = clashes(text)
        if args.show:
            user_text = " ".join(s["text"] for s in user["segments"] if s["type"] == "text")
            print(f"{category}: {user_text!r} -> {text!r}" + (" [own-colour background]" if verdict else ""))
        if verdict is not None:
            where = clash["said" if check["said"].get("background") else "unsaid"]
            where[0] += verdict
            where[1] += 1
        if "word" not in said:
            totals = objects.setdefault(category, {})
            for key, value in object_agreement(expected_scene, scene).items():
                totals[key] = totals.get(key, 0) + value
    step = state["step"]
    for category, (n, named, drawn) in sorted(tally.items()):
        print(f"step {step} {category}: text names the request {named}/{n}, picture right {drawn}/{n}")
        if category in objects:
            t = objects[category]
            print(f"    objects in their cell {t['placed']}/{t['objects']}; of those, colour {t['color']}, "
                  f"shape {t['shape']}, size {t['size']} right")
    (unsaid, unsaid_n), (said_bg, said_n) = clash["unsaid"], clash["said"]
    print(f"step {step}: {unsaid + said_bg}/{unsaid_n + said_n} described pictures put an object on a background of its "
          f"own colour ({unsaid}/{unsaid_n} where the request left the background unsaid, {said_bg}/{said_n} where it named it)")
    print(f"({time.time() - started:.0f}s)")


if __name__ == "__main__":
    main()
