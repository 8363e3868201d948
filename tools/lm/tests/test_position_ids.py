"""The decoder takes the position ids train.py gives text-only batches (--keep-positions), and
a row whose positions jump (a picture's codes taken out) is still one conversation: tokens after
the jump attend to tokens before it."""

from __future__ import annotations

import unittest

import torch
from transformers import ChameleonConfig, ChameleonForConditionalGeneration

from tools.lm.train import decoder_hidden


class PositionIds(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        config = ChameleonConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                 num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                                 vocabulary_map={"<image>": 63}, vq_config={"embed_dim": 4, "num_embeddings": 8})
        self.model = ChameleonForConditionalGeneration(config).eval()
        self.ids = torch.randint(0, 60, (2, 12))
        # Two rows, as in a training batch; the gap stands for 256 picture codes taken out.
        self.gapped = torch.cat([torch.arange(6), torch.arange(6) + 6 + 256])[None].expand(2, -1)

    def hidden(self, ids, positions):
        with torch.no_grad():
            return decoder_hidden(self.model, ids, positions)

    def test_rotary_positions_come_from_position_ids(self):
        default = self.hidden(self.ids, None)
        plain = torch.arange(12)[None].expand(2, -1)
        self.assertTrue(torch.allclose(self.hidden(self.ids, plain), default, atol=1e-6))
        # Rotary attention depends on distances only: shifting every position changes nothing...
        self.assertTrue(torch.allclose(self.hidden(self.ids, plain + 100), default, atol=1e-4))
        # ...while a gap changes what comes after it, not before.
        gapped = self.hidden(self.ids, self.gapped)
        self.assertTrue(torch.allclose(gapped[:, :6], default[:, :6], atol=1e-6))
        self.assertFalse(torch.allclose(gapped[:, 6:], default[:, 6:], atol=1e-3))

    def test_tokens_after_a_gap_attend_to_tokens_before_it(self):
        # transformers reads a jump in position ids as a second packed sequence unless a mask is
        # given; then a change before the gap would not reach the tokens after it.
        changed = self.ids.clone()
        changed[:, 2] = (changed[:, 2] + 1) % 60
        before, after = self.hidden(self.ids, self.gapped), self.hidden(changed, self.gapped)
        self.assertFalse(torch.allclose(before[:, 6:], after[:, 6:], atol=1e-4))

    def test_a_gapped_row_matches_a_causal_forward_at_those_positions(self):
        # The same computation with an explicit causal mask, built by hand: one conversation.
        causal = torch.tril(torch.ones(12, 12, dtype=torch.bool))
        mask = torch.zeros(2, 1, 12, 12).masked_fill(~causal, float("-inf"))
        with torch.no_grad():
            reference = self.model.model(input_ids=self.ids, position_ids=self.gapped,
                                         attention_mask=mask).last_hidden_state
        self.assertTrue(torch.allclose(self.hidden(self.ids, self.gapped), reference, atol=1e-5))


if __name__ == "__main__":
    unittest.main()
