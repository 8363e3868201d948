"""A Serializer over a tiny trained tokenizer with eight image codes, for the serializer tests."""

from __future__ import annotations

from typing import Callable, Sequence

from tools.chameleon_tokenizer import build_tokenizer, image_token_name
from tools.lm.conversation_format import BUILTIN
from tools.lm.serialize import Serializer

CODES = 8


def small_serializer(codes_for_scene: Callable[[dict], Sequence[int]]) -> tuple[dict[str, int], list[int], Serializer]:
    """(vocabulary, image token ids by code, serializer) with the built-in conversation format;
    `codes_for_scene` stands in for the picture encoder."""
    tokenizer = build_tokenizer(["draw a red circle", "here it is"], vocab_size=600, num_image_codes=CODES)
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    image_ids = [vocab[image_token_name(c)] for c in range(CODES)]
    return vocab, image_ids, Serializer(tokenizer, BUILTIN, image_ids, codes_for_scene)
