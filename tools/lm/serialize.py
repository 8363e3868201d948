"""Conversations (text and scenes) to token ids with a loss mask.

A conversation is `{"turns": [{"role": "user" | "assistant", "segments": [...]}]}` where a segment
is `{"type": "text", "text": "..."}` or `{"type": "image", "scene": <scene JSON>}` (a picture,
drawn by the world renderer and VQ-encoded); see tools/world/README.md. Loss is taken on assistant turns only (text, pictures and the end of turn), since the
model never has to write the user's side.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

from tokenizers import Tokenizer

from tools.lm.conversation_format import ConversationFormat


class Serializer:
    def __init__(self, tokenizer: Tokenizer, fmt: ConversationFormat, image_token_ids: Sequence[int],
                 codes_for_scene: Callable[[dict], Sequence[int]]):
        self.tokenizer = tokenizer
        self.fmt = fmt
        self.image_token_ids = list(image_token_ids)
        self.codes_for_scene = codes_for_scene
        self._piece_cache: dict[str, list[int]] = {}

    def piece(self, text: str) -> list[int]:
        """Ids of a format piece (may contain special tokens by name)."""
        if text not in self._piece_cache:
            self._piece_cache[text] = self.tokenizer.encode(text, add_special_tokens=False).ids if text else []
        return self._piece_cache[text]

    def text(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def picture(self, scene: dict) -> list[int]:
        codes = self.codes_for_scene(scene)
        return self.piece(self.fmt.begin_image) + [self.image_token_ids[c] for c in codes] + self.piece(self.fmt.end_image)

    def conversation(self, conversation: dict, cut_last_picture: int | None = None) -> tuple[list[int], list[int]]:
        """(ids, mask) with mask[i] = 1 where ids[i] is a target the model learns to produce.

        With `cut_last_picture` = k, a conversation whose last turn is the assistant's and ends
        with a picture stops after that picture's begin-image token and first k codes. A causal
        model learns exactly the same from the kept positions as from the whole sequence, so
        this spends the tokens of a picture it already draws well on more conversations' text
        (`build_dataset.py --cut-last-picture`)."""
        ids = list(self.piece(self.fmt.begin))
        mask = [0] * len(ids)
        turns = conversation["turns"]
        for index, turn in enumerate(turns):
            pieces = self.fmt.assistant if turn["role"] == "assistant" else self.fmt.user
            learn = 1 if turn["role"] == "assistant" else 0
            chunk = list(self.piece(pieces.prefix))
            prefix_length = len(chunk)
            cut = cut_last_picture if index == len(turns) - 1 and self.ends_with_picture(turn) else None
            for number, segment in enumerate(turn["segments"]):
                if segment["type"] == "text":
                    chunk += self.text(segment["text"])
                elif segment["type"] == "image":
                    picture = self.picture(segment["scene"])
                    if cut is not None and number == len(turn["segments"]) - 1:
                        picture = picture[:len(self.piece(self.fmt.begin_image)) + cut]
                    chunk += picture
                else:
                    raise ValueError(f"unknown segment type {segment['type']!r}")
            if cut is None:
                chunk += self.piece(pieces.suffix)
            ids += chunk
            mask += [0] * prefix_length + [learn] * (len(chunk) - prefix_length)
        return ids, mask

    @staticmethod
    def ends_with_picture(turn: dict) -> bool:
        return turn["role"] == "assistant" and bool(turn["segments"]) and turn["segments"][-1]["type"] == "image"

    def guidance_rows(self, conversation: dict, rng: random.Random, fraction: float) -> list[tuple[list[int], list[int]]]:
        """Assistant pictures as the two extra rows of classifier-free guidance see them.

        While a picture is drawn with guidance, the engine also runs it after every picture of
        the context and nothing else (`<s>`, each picture's begin, codes and end, then this
        picture's begin) and after no context at all (`<s>` and begin); a model never trained on
        such rows gives them out-of-distribution logits. Each assistant picture, with
        probability `fraction`, becomes one such row (images-only or unconditioned, evenly),
        learning only its own codes and end-image. (ids, mask) pairs, in order."""
        rows = []
        earlier: list[int] = []
        for turn in conversation["turns"]:
            for segment in turn["segments"]:
                if segment["type"] != "image":
                    continue
                picture = self.picture(segment["scene"])
                if turn["role"] == "assistant" and rng.random() < fraction:
                    context = list(self.piece(self.fmt.begin)) + (earlier if rng.random() < 0.5 else [])
                    begin = len(self.piece(self.fmt.begin_image))
                    ids = context + picture
                    rows.append((ids, [0] * (len(context) + begin) + [1] * (len(picture) - begin)))
                earlier += picture
        return rows
