#!/usr/bin/env python3
"""Build the language model's training data: conversations -> tokenizer -> token ids.

1. Generate conversations with the world generator (deterministic by seed, train split only).
2. Train the Chameleon-style byte-level BPE tokenizer on their text, with one image token per
   VQGAN code (tools/chameleon_tokenizer.py).
3. Render and encode every picture (cached per scene): with the designed patch codes
   (`--codes patch`, tools/vqgan/patch_codes.py, the default) or a trained VQGAN's nearest codes
   (`--codes vqgan`).
4. Serialize with the conversation format: ids.npy (uint16), mask.npy (uint8, 1 = learned
   assistant token), offsets.npy, plus tokenizer.json, conversation.json and meta.json. With
   `--guidance-fraction F`, a fraction F of the assistant's pictures is added once more as the
   engine's classifier-free guidance rows see it (after the context's pictures alone, or after
   nothing), so that guidance has trained rows to push against. With `--cut-last-picture F`, a
   fraction F of the conversations that end with an assistant picture stop after its first
   0-32 codes (Serializer.conversation): the model draws well long before it describes well, and
   those tokens go to more conversations' text instead.

    .venv/bin/python -m tools.lm.build_dataset --vqgan runs/vqgan/export --count 40000 --out runs/lm/data

`--vqgan` is always given: its `vq_config.json` is the model's `vq_config` (with `--codes patch`,
`num_embeddings` becomes the patch code count).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch

from tools.chameleon_tokenizer import build_tokenizer, image_token_name
from tools.lm.conversation_format import BUILTIN
from tools.lm.pictures import PatchCodeEncoder, SceneEncoder, load_vqgan
from tools.lm.serialize import Serializer
from tools.world.conversations import generate


def texts_of(conversations: list[dict]) -> list[str]:
    return [s["text"] for c in conversations for t in c["turns"] for s in t["segments"] if s["type"] == "text"]


def scenes_of(conversations: list[dict]) -> list[dict]:
    return [s["scene"] for c in conversations for t in c["turns"] for s in t["segments"] if s["type"] == "image"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vqgan", type=Path, required=True, help="exported VQGAN directory")
    parser.add_argument("--count", type=int, default=40000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vocab-size", type=int, default=3400, help="total ids incl. image tokens (upper bound)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--codes", choices=("patch", "vqgan"), default="patch", help="how pictures become codes")
    parser.add_argument("--pictures-only", action="store_true",
                        help="for tokenizer experiments: keep only the first exchange of conversations whose first "
                             "reply makes a picture")
    parser.add_argument("--guidance-fraction", type=float, default=0.0,
                        help="add each assistant picture with this probability once more as a guidance row "
                             "(images only or unconditioned), so classifier-free guidance sees trained rows")
    parser.add_argument("--cut-last-picture", type=float, default=0.0,
                        help="fraction of conversations ending with an assistant picture that stop after its "
                             "first 0-32 codes")
    parser.add_argument("--spell-capitals", action="store_true",
                        help="tokenizer keeps every capital letter a token of its own (words are spelled)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    conversations = list(generate(args.seed, args.count, split="train"))
    if args.pictures_only:
        conversations = [{"turns": c["turns"][:2]} for c in conversations
                         if c["turns"][1].get("check", {}).get("kind") == "make"
                         and all(s["type"] == "text" for s in c["turns"][0]["segments"])]
    print(f"{len(conversations)} conversations in {time.time() - started:.0f}s", flush=True)

    vq_config = json.loads((args.vqgan / "vq_config.json").read_text())
    if args.codes == "patch":
        encoder = PatchCodeEncoder()
        vq_config["num_embeddings"] = encoder.code_count
    else:
        encoder = SceneEncoder(load_vqgan(args.vqgan))
    codes = vq_config["num_embeddings"]
    tokenizer = build_tokenizer(texts_of(conversations), vocab_size=args.vocab_size, num_image_codes=codes,
                                spell_capitals=args.spell_capitals)
    tokenizer.save(str(args.out / "tokenizer.json"))
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    image_ids = [vocab[image_token_name(c)] for c in range(codes)]
    print(f"tokenizer: {max(vocab.values()) + 1} ids", flush=True)

    scenes = scenes_of(conversations)
    encoder.encode_all(scenes)
    print(f"{len(scenes)} pictures, {len(encoder.cache)} distinct, encoded by {time.time() - started:.0f}s", flush=True)

    serializer = Serializer(tokenizer, BUILTIN, image_ids, encoder)
    rng = random.Random(args.seed)
    cut_rng = random.Random(args.seed + 1)
    sequences = [serializer.conversation(conversation, cut_last_picture=cut_rng.randint(0, 32)
                                         if cut_rng.random() < args.cut_last_picture else None)
                 for conversation in conversations]
    guidance = [row for conversation in (conversations if args.guidance_fraction > 0 else [])
                for row in serializer.guidance_rows(conversation, rng, args.guidance_fraction)]
    guidance_rows = len(guidance)
    if guidance_rows:
        print(f"{guidance_rows} guidance rows", flush=True)
    all_ids = [np.asarray(ids, dtype=np.uint16) for ids, _ in sequences + guidance]
    all_mask = [np.asarray(mask, dtype=np.uint8) for _, mask in sequences + guidance]
    offsets = [0]
    for ids in all_ids:
        offsets.append(offsets[-1] + len(ids))
    np.save(args.out / "ids.npy", np.concatenate(all_ids))
    np.save(args.out / "mask.npy", np.concatenate(all_mask))
    np.save(args.out / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    BUILTIN.save(args.out)
    lengths = np.diff(offsets)
    meta = {
        "vocab_size": max(vocab.values()) + 1,
        "vq_config": vq_config, "codes": args.codes,
        "vocabulary_map": vocab,
        "image_token_ids": image_ids,
        "bos": vocab["<s>"], "eos": vocab["</s>"], "pad": vocab["<pad>"],
        "conversations": len(conversations), "guidance_rows": guidance_rows, "tokens": int(offsets[-1]),
        "learned_tokens": int(sum(m.sum() for m in all_mask)),
        "max_length": int(lengths.max()), "mean_length": float(lengths.mean()),
        "seed": args.seed, "vqgan": str(args.vqgan),
        "cut_last_picture": args.cut_last_picture, "spell_capitals": args.spell_capitals,
    }
    (args.out / "meta.json").write_text(json.dumps(meta))
    print(f"done in {time.time() - started:.0f}s: {meta['tokens']} tokens ({meta['learned_tokens']} learned), "
          f"mean length {meta['mean_length']:.0f}, max {meta['max_length']}", flush=True)


if __name__ == "__main__":
    main()
