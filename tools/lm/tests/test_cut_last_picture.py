"""Cutting the last picture of a conversation: the kept tokens are exactly the whole sequence's
prefix, with the same loss mask, and only a final assistant picture is ever cut."""

from __future__ import annotations

import unittest

from tools.chameleon_tokenizer import build_tokenizer
from tools.lm.conversation_format import BUILTIN
from tools.lm.tests.small_serializer import CODES, small_serializer


def turn(role: str, *segments: dict) -> dict:
    return {"role": role, "segments": list(segments)}


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def picture(n: int) -> dict:
    return {"type": "image", "scene": {"n": n}}


class CutLastPicture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A 2x2 "picture" whose codes are its number and the next three.
        cls.vocab, _, cls.serializer = small_serializer(lambda s: [s["n"] + i for i in range(4)])

    def test_the_cut_sequence_is_a_prefix_of_the_whole_one_ending_after_k_codes(self):
        conversation = {"turns": [turn("user", text("draw")), turn("assistant", text("here"), picture(1)),
                                  turn("user", text("again")), turn("assistant", text("here"), picture(3))]}
        whole_ids, whole_mask = self.serializer.conversation(conversation)
        for keep in range(5):
            ids, mask = self.serializer.conversation(conversation, cut_last_picture=keep)
            self.assertEqual(ids, whole_ids[:len(ids)])
            self.assertEqual(mask, whole_mask[:len(mask)])
            begin_image = self.vocab[BUILTIN.begin_image]
            last_begin = max(i for i, t in enumerate(whole_ids) if t == begin_image)
            self.assertEqual(len(ids), last_begin + 1 + keep)

    def test_a_conversation_ending_in_text_or_a_user_picture_is_not_cut(self):
        answered = {"turns": [turn("user", text("draw")), turn("assistant", picture(1), text("here"))]}
        attached = {"turns": [turn("assistant", text("here"), picture(1)), turn("user", text("this"), picture(2))]}
        for conversation in (answered, attached):
            self.assertEqual(self.serializer.conversation(conversation, cut_last_picture=0),
                             self.serializer.conversation(conversation))


class SpelledCapitals(unittest.TestCase):
    def test_capital_letters_are_tokens_of_their_own_and_decode_back(self):
        corpus = ["Here is picture 1: the word MAP in red.", "write MAP", "write map"] * 20
        spelled = build_tokenizer(corpus, vocab_size=400, num_image_codes=CODES, spell_capitals=True)
        plain = build_tokenizer(corpus, vocab_size=400, num_image_codes=CODES)
        sentence = "the word MAP in red."
        self.assertEqual(spelled.encode(sentence, add_special_tokens=False).tokens[2:5], ["ĠM", "A", "P"])
        self.assertIn("ĠMAP", plain.encode(sentence, add_special_tokens=False).tokens)
        for tokenizer in (spelled, plain):
            self.assertEqual(tokenizer.decode(tokenizer.encode(sentence, add_special_tokens=False).ids), sentence)


if __name__ == "__main__":
    unittest.main()
