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


class KeptPositions(unittest.TestCase):
    def test_each_kept_token_keeps_its_position_in_its_conversation(self):
        ids = np.array([1, 2, BEGIN, 20, 21, 22, 20, END, 3, 4, 5], dtype=np.uint16)
        offsets = np.array([0, 9, 11])
        positions = Dataset.text_only_positions(ids, offsets, CODES)
        self.assertEqual(positions.tolist(), [0, 1, 2, 7, 8, 0, 1])

    def test_batches_carry_the_positions_and_padding_continues_them(self):
        ids = np.array([1, 2, BEGIN, 20, 21, 22, 20, END, 3, 4, 5], dtype=np.uint16)
        mask = np.ones(len(ids), dtype=np.uint8)
        offsets = np.array([0, 9, 11])
        data = Dataset.__new__(Dataset)
        data.positions = Dataset.text_only_positions(ids, offsets, CODES)
        data.ids, data.mask, data.offsets = Dataset.text_only(ids, mask, offsets, CODES)
        data.lengths = np.diff(data.offsets)
        batch_ids, _, real, positions = data.tensors([0, 1], pad=0, batch_tokens=16, bucket=8)
        self.assertEqual(real, 7)
        self.assertEqual(batch_ids[0, :5].tolist(), [1, 2, BEGIN, END, 3])
        self.assertEqual(positions[0].tolist(), [0, 1, 2, 7, 8, 9, 10, 11])
        self.assertEqual(positions[1].tolist(), [0, 1, 2, 3, 4, 5, 6, 7])
        data.positions = None
        self.assertIsNone(data.tensors([0, 1], pad=0, batch_tokens=16, bucket=8)[3])


if __name__ == "__main__":
    unittest.main()
