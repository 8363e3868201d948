"""Guidance rows: pictures after the context's pictures alone, or after nothing, as the engine
runs them while drawing with classifier-free guidance."""

from __future__ import annotations

import random
import unittest

from tools.lm.conversation_format import BUILTIN
from tools.lm.tests.small_serializer import small_serializer


def scene(n: int) -> dict:
    return {"n": n}


class GuidanceRows(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A 2x2 "picture" whose codes are its number.
        cls.vocab, cls.image_ids, cls.serializer = small_serializer(lambda s: [s["n"]] * 4)

    def conversation(self) -> dict:
        return {"turns": [
            {"role": "user", "segments": [{"type": "text", "text": "draw"}, {"type": "image", "scene": scene(1)}]},
            {"role": "assistant", "segments": [{"type": "text", "text": "here"}, {"type": "image", "scene": scene(2)}]},
            {"role": "user", "segments": [{"type": "text", "text": "again"}]},
            {"role": "assistant", "segments": [{"type": "image", "scene": scene(3)}]},
        ]}

    def test_rows_hold_only_pictures_and_learn_only_the_last_one(self):
        bos, begin, end = self.vocab["<s>"], self.vocab[BUILTIN.begin_image], self.vocab[BUILTIN.end_image]
        code = self.image_ids
        rows = self.serializer.guidance_rows(self.conversation(), random.Random(0), fraction=1.0)
        self.assertEqual(len(rows), 2)  # one per assistant picture; the user's attachment is context only
        pictures = {n: [begin] + [code[n]] * 4 + [end] for n in (1, 2, 3)}
        allowed = [
            ([bos] + pictures[2], [bos] + pictures[1] + pictures[2]),
            ([bos] + pictures[3], [bos] + pictures[1] + pictures[2] + pictures[3]),
        ]
        for (ids, mask), options in zip(rows, allowed):
            self.assertIn(ids, options)
            self.assertEqual(len(mask), len(ids))
            # Learned: the last picture's four codes and its end, nothing before.
            self.assertEqual(mask, [0] * (len(ids) - 5) + [1] * 5)

    def test_both_kinds_appear_and_the_fraction_is_honoured(self):
        rng = random.Random(1)
        rows = [r for _ in range(400) for r in self.serializer.guidance_rows(self.conversation(), rng, fraction=0.25)]
        self.assertTrue(150 <= len(rows) <= 250, len(rows))  # 800 pictures x 0.25
        unconditioned = sum(len(ids) == 7 for ids, _ in rows)
        self.assertTrue(0.35 < unconditioned / len(rows) < 0.65)

    def test_fraction_zero_adds_nothing(self):
        self.assertEqual(self.serializer.guidance_rows(self.conversation(), random.Random(0), fraction=0.0), [])


if __name__ == "__main__":
    unittest.main()
