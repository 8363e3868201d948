"""Which picture codes get the novel-code loss weight: those unlike both grid neighbours."""

from __future__ import annotations

import unittest

import torch

from tools.lm.train import novel_codes

BEGIN = 10
IS_IMAGE = torch.zeros(40, dtype=torch.bool)
IS_IMAGE[20:30] = True


class NovelCodes(unittest.TestCase):
    def test_a_code_is_novel_when_unlike_the_codes_above_and_left(self):
        # Two 2x2 pictures after text; an image id before any begin-image token is not a code.
        ids = torch.tensor([[1, 2, 20, BEGIN, 21, 21, 21, 22, 3, BEGIN, 23, 24, 23, 24]])
        expected = [0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0]
        self.assertEqual(novel_codes(ids, IS_IMAGE, BEGIN, grid=2).int().tolist(), [expected])

    def test_rows_are_independent_and_text_after_a_picture_is_not_a_code(self):
        ids = torch.tensor([[BEGIN, 25, 25, 25, 25, 4, 5], [BEGIN, 25, 26, 27, 26, 1, 1]])
        self.assertEqual(novel_codes(ids, IS_IMAGE, BEGIN, grid=2).int().tolist(),
                         [[0, 1, 0, 0, 0, 0, 0], [0, 1, 1, 1, 0, 0, 0]])


if __name__ == "__main__":
    unittest.main()
