#!/usr/bin/env python3
"""Build a Chameleon-style byte-level BPE `tokenizer.json` with the Hugging Face `tokenizers` library.

Layout of the ids (docs/chameleon-format.md section 3.2):

    0 <s>, 1 <pad>, 2 </s>, 3 <unk>,
    4 .. 4+N-1            image-code tokens IMGIMG<letters>Z, code c written digit by digit with
                          A=0 .. J=9 and no zero padding, in code order (id = code + 4),
    4+N                   <eoss>          (end of image)
    4+N+1                 <racm3:break>   (begin of image)
    4+N+2 ..              the extra special tokens, in the order given (default: <reserved08706>
                          as end of turn, then <image>),
    then                  the 256-symbol byte-level alphabet and the learned merges.

All tokens before the alphabet are added special tokens, so they are always whole tokens and never
merge with text. The pipeline mirrors the one llama.cpp transcribes for Chameleon (spec section 3.1):
no normalizer; a Sequence of Split pre-tokenizers (behaviour Isolated) for sentinels, image-token
names, whitespace runs, single digits, punctuation and the GPT-2 regex, then ByteLevel with
add_prefix_space=False and use_regex=False; a ByteLevel decoder; a TemplateProcessing
post-processor that prepends <s>.

With `spell_capitals`, one more Split (Isolated) keeps every capital letter a token of its own,
with the space before it: " MAP" becomes " M", "A", "P". The built-in model uses it, so that a word
written in capitals reaches the model letter by letter and can be drawn glyph by glyph; BPE merges
would otherwise hide the letters (" MAP" as one token) and the model could not spell.

`vocab_size` is the total number of ids (specials + image codes + alphabet + merges), as for
`tokenizers.trainers.BpeTrainer`. Training stops earlier when the corpus has no more pairs to merge,
so the result may be smaller. The result is deterministic for the same inputs.

Usage as a CLI:

    python tools/chameleon_tokenizer.py --corpus corpus.txt --vocab-size 1000 --image-codes 64 \
        --out tokenizer.json [--extra-special '<reserved08706>' --extra-special '<image>']

The corpus file is read as UTF-8; each line is one training text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterable, Sequence

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

BOS, PAD, EOS, UNK = "<s>", "<pad>", "</s>", "<unk>"
END_OF_IMAGE = "<eoss>"
BEGIN_OF_IMAGE = "<racm3:break>"
DEFAULT_EXTRA_SPECIAL_TOKENS: tuple[str, ...] = ("<reserved08706>", "<image>")

IMAGE_TOKEN_PREFIX = "IMGIMG"
IMAGE_TOKEN_SUFFIX = "Z"
FIRST_IMAGE_TOKEN_ID = 4

# The split regexes in the order llama.cpp transcribes them from Chameleon's tokenizer.json
# (LLAMA_VOCAB_PRE_TYPE_CHAMELEON). The image regex lacks the letter J exactly as transcribed;
# image tokens are added tokens here, so it only affects text that is not a whole image token.
CHAMELEON_SPLIT_REGEXES: tuple[str, ...] = (
    r"<sentinel:[0-9]+>",
    r"(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
    r"([\t\n]|    |  )",
    r"\p{N}",
    r"[\p{P}!-/:-@\[-`{-~]",
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)",
)


def image_token_name(code: int) -> str:
    """The vocabulary name of image code `code`, e.g. 53 -> 'IMGIMGFDZ'."""
    if code < 0:
        raise ValueError(f"image code must be non-negative, got {code}")
    letters = "".join(chr(ord("A") + int(digit)) for digit in str(code))
    return f"{IMAGE_TOKEN_PREFIX}{letters}{IMAGE_TOKEN_SUFFIX}"


def special_token_layout(num_image_codes: int, extra_special_tokens: Sequence[str]) -> list[str]:
    """Every token that precedes the byte alphabet, in id order."""
    layout = [BOS, PAD, EOS, UNK]
    layout += [image_token_name(code) for code in range(num_image_codes)]
    layout += [END_OF_IMAGE, BEGIN_OF_IMAGE]
    layout += list(extra_special_tokens)
    if len(set(layout)) != len(layout):
        raise ValueError("special tokens must be distinct")
    return layout


# The extra split of `spell_capitals`: one capital letter, with the space before it.
CAPITAL_LETTER_REGEX = r" ?[A-Z]"


def chameleon_pre_tokenizer(spell_capitals: bool = False) -> pre_tokenizers.PreTokenizer:
    patterns = CHAMELEON_SPLIT_REGEXES + ((CAPITAL_LETTER_REGEX,) if spell_capitals else ())
    splits = [
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False)
        for pattern in patterns
    ]
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    return pre_tokenizers.Sequence([*splits, byte_level])


def build_tokenizer(
    texts: Iterable[str],
    vocab_size: int,
    num_image_codes: int,
    extra_special_tokens: Sequence[str] = DEFAULT_EXTRA_SPECIAL_TOKENS,
    spell_capitals: bool = False,
) -> Tokenizer:
    """Train a Chameleon-style byte-level BPE tokenizer on `texts`.

    `vocab_size` counts every id (specials, image codes, the 256-symbol alphabet and merges);
    `spell_capitals` adds the capital-letter split (module docstring).
    """
    layout = special_token_layout(num_image_codes, extra_special_tokens)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    minimum = len(layout) + len(alphabet)
    if vocab_size < minimum:
        raise ValueError(
            f"vocab_size {vocab_size} is too small: {len(layout)} special/image tokens plus a "
            f"{len(alphabet)}-symbol byte alphabet need at least {minimum}"
        )

    tokenizer = Tokenizer(models.BPE(unk_token=UNK, fuse_unk=False, byte_fallback=False))
    tokenizer.normalizer = None
    tokenizer.pre_tokenizer = chameleon_pre_tokenizer(spell_capitals)
    tokenizer.decoder = decoders.ByteLevel()

    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=0,
        show_progress=False,
        special_tokens=layout,
        initial_alphabet=sorted(alphabet),
    )
    # Sorting makes the training order independent of the caller's iteration order only when
    # the caller passes a list; the trainer itself only counts words, so order does not matter.
    tokenizer.train_from_iterator(list(texts), trainer=trainer)

    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS}:0 $A:0",
        pair=f"{BOS}:0 $A:0 {BOS}:1 $B:1",
        special_tokens=[(BOS, 0)],
    )
    _check_layout(tokenizer, layout)
    return tokenizer


def _check_layout(tokenizer: Tokenizer, layout: Sequence[str]) -> None:
    """Assert the id layout the engine relies on (id = position in `layout`)."""
    for expected_id, token in enumerate(layout):
        actual = tokenizer.token_to_id(token)
        if actual != expected_id:
            raise RuntimeError(f"token {token!r} got id {actual}, expected {expected_id}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, type=Path, help="UTF-8 text, one training text per line")
    parser.add_argument("--vocab-size", required=True, type=int, help="total number of ids")
    parser.add_argument("--image-codes", required=True, type=int, help="number of image-code tokens")
    parser.add_argument("--out", required=True, type=Path, help="where to write tokenizer.json")
    parser.add_argument(
        "--extra-special",
        action="append",
        default=None,
        help="extra special token placed after <racm3:break> (repeatable; default: "
        + ", ".join(DEFAULT_EXTRA_SPECIAL_TOKENS)
        + ")",
    )
    args = parser.parse_args(argv)
    extras = tuple(args.extra_special) if args.extra_special is not None else DEFAULT_EXTRA_SPECIAL_TOKENS
    texts = args.corpus.read_text(encoding="utf-8").splitlines()
    try:
        tokenizer = build_tokenizer(texts, args.vocab_size, args.image_codes, extras)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(args.out), pretty=True)
    print(f"wrote {args.out}: {tokenizer.get_vocab_size(with_added_tokens=True)} ids")
    return 0


if __name__ == "__main__":
    sys.exit(main())
