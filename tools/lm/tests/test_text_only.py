"""The text-only view of a dataset (a first training stage): picture codes out, all else kept."""

from __future__ import annotations

import unittest

import numpy as np

from tools.lm.train import Dataset

BEGIN, END = 10, 11
CODES = [20, 21, 22]


class TextOnly(unittest.TestCase):
    def test_codes_leave_and_offsets_follow(self):
        # Two conversations: text, a 4-code picture between its markers, text; then text alone.
        ids = np.array([1, 2, BEGIN, 20, 21, 22, 20, END, 3, 4, 5], dtype=np.uint16)
        mask = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1], dtype=np.uint8)
        offsets = np.array([0, 9, 11])
        kept_ids, kept_mask, kept_offsets = Dataset.text_only(ids, mask, offsets, CODES)
        self.assertEqual(kept_ids.tolist(), [1, 2, BEGIN, END, 3, 4, 5])
        self.assertEqual(kept_mask.tolist(), [0, 1, 1, 1, 1, 0, 1])
        self.assertEqual(kept_offsets.tolist(), [0, 5, 7])

    def test_a_conversation_of_codes_alone_becomes_empty(self):
        ids = np.array([20, 21, 5], dtype=np.uint16)
        _, _, kept_offsets = Dataset.text_only(ids, np.ones(3, dtype=np.uint8), np.array([0, 2, 3]), CODES)
        self.assertEqual(kept_offsets.tolist(), [0, 0, 1])


if __name__ == "__main__":
    unittest.main()
