#!/usr/bin/env python3
"""Does a checkpoint copy from the request? Teacher-forced top-1 accuracy on the attribute words
of replies (colours, shapes, sizes), split by whether the latest user message contains the word,
and on the plainest case of all: the colour and shape words of a first reply that draws one
object, each named exactly once in the request.

A model that copies what the user said predicts the "copyable" words almost always; one that
guesses from its priors does no better on them than on the rest (words the reply takes from an
earlier description, or chooses itself because the user left them unsaid). Among the words the
request does not contain, those an earlier reply does are counted again on their own: an edit's
reply copies the previous description, across the picture between (`--keep-positions` probes a
text-only stage trained with that option at the positions it was trained at). Seconds of CPU.

    PYTHONPATH=. .venv/bin/python -m tools.lm.copy_probe --run runs/lm6/stage2 --data runs/lm6/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from tokenizers import Tokenizer

from tools.lm.train import Dataset, decoder_hidden, load_trained
from tools.world.spec import COLORS, SHAPES, SIZES

ATTRIBUTE_WORDS = {f" {word}" for word in (*COLORS, *SHAPES, *SIZES)}
COLOUR_AND_SHAPE_WORDS = {f" {word}" for word in (*COLORS, *SHAPES)}
ONE_OBJECT_FIRST_REPLY = "Here is picture 1: a "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="training run directory (checkpoint.pt)")
    parser.add_argument("--data", type=Path, required=True, help="its dataset directory")
    parser.add_argument("--first", type=int, default=-100, help="first conversation (negative: from the end)")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--without-picture-codes", action="store_true",
                        help="read the conversations as a text-only stage trained on them (train.py's flag)")
    parser.add_argument("--keep-positions", action="store_true",
                        help="with --without-picture-codes: give each token its position in the whole "
                             "conversation, as train.py's --keep-positions trained it")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, _, _ = load_trained(args.run, args.data)
    tokenizer = Tokenizer.from_file(str(args.data / "tokenizer.json"))
    if args.keep_positions and not args.without_picture_codes:
        raise SystemExit("--keep-positions reads text-only conversations: add --without-picture-codes")
    data = Dataset(args.data, max_length=1 << 30,  # every conversation, however long
                   without_picture_codes=args.without_picture_codes, keep_positions=args.keep_positions)
    offsets = data.offsets
    start = args.first if args.first >= 0 else len(offsets) - 1 + args.first

    def text(ids: list[int]) -> str:
        """The text of `ids`, special and image tokens left out."""
        return tokenizer.decode(ids, skip_special_tokens=True)
    tally = {"in the request": [0, 0], "not in it": [0, 0],
             "not in it but in an earlier reply (an edit's copy)": [0, 0],
             "one-object first replies, colour and shape named once in the request": [0, 0]}
    for conversation in range(start, start + args.count):
        a, b = int(offsets[conversation]), int(offsets[conversation + 1])
        sequence = [int(v) for v in data.ids[a:b]]
        learned = data.mask[a:b]
        positions = None if data.positions is None else torch.from_numpy(data.positions[a:b].astype("int64"))[None]
        with torch.no_grad():
            predicted = model.lm_head(decoder_hidden(model, torch.tensor(sequence)[None], positions))[0].argmax(-1)
        request = ""
        earlier_replies = ""
        replies = 0
        j = 0
        while j < len(sequence):
            if not learned[j]:  # a user turn (and format tokens): its text is the request so far
                k = j
                while k < len(sequence) and not learned[k]:
                    k += 1
                said = text(sequence[j:k]).lower()
                request = said if said.strip() else request
                j = k
                continue
            end = j
            while end < len(sequence) and learned[end]:
                end += 1
            reply = text(sequence[j:end])
            plain = replies == 0 and reply.startswith(ONE_OBJECT_FIRST_REPLY) and " and " not in reply
            replies += 1
            for position in range(max(j, 1), end):
                word = text([sequence[position]])
                right = int(predicted[position - 1]) == sequence[position]
                if word in ATTRIBUTE_WORDS:
                    in_request = word.strip() in request
                    entry = tally["in the request" if in_request else "not in it"]
                    entry[0] += 1
                    entry[1] += right
                    if not in_request and word.strip() in earlier_replies:
                        entry = tally["not in it but in an earlier reply (an edit's copy)"]
                        entry[0] += 1
                        entry[1] += right
                if plain and word in COLOUR_AND_SHAPE_WORDS and request.count(word.strip()) == 1:
                    entry = tally["one-object first replies, colour and shape named once in the request"]
                    entry[0] += 1
                    entry[1] += right
            earlier_replies += reply.lower() + " "
            j = end
    for name, (count, right) in tally.items():
        print(f"{args.run}: attribute words {name}: {count}, top-1 {right / max(1, count):.3f}")


if __name__ == "__main__":
    main()
