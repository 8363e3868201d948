"""The decoder takes the position ids train.py gives text-only batches (--keep-positions)."""

from __future__ import annotations

import unittest

import torch
from transformers import ChameleonConfig, ChameleonForConditionalGeneration


class PositionIds(unittest.TestCase):
    def test_rotary_positions_come_from_position_ids(self):
        torch.manual_seed(0)
        config = ChameleonConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                 num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                                 vocabulary_map={"<image>": 63}, vq_config={"embed_dim": 4, "num_embeddings": 8})
        model = ChameleonForConditionalGeneration(config).eval()
        ids = torch.randint(0, 60, (1, 12))
        plain = torch.arange(12)[None]
        with torch.no_grad():
            def hidden(positions):
                return model.model(input_ids=ids, position_ids=positions).last_hidden_state
            default = model.model(input_ids=ids).last_hidden_state
            self.assertTrue(torch.allclose(hidden(plain), default, atol=1e-6))
            # Rotary attention depends on distances only: shifting every position changes nothing...
            self.assertTrue(torch.allclose(hidden(plain + 100), default, atol=1e-4))
            # ...while a gap (a picture's codes taken out) changes what comes after it, not before.
            gapped = torch.cat([torch.arange(6), torch.arange(6) + 6 + 256])[None]
            self.assertTrue(torch.allclose(hidden(gapped)[:, :6], default[:, :6], atol=1e-6))
            self.assertFalse(torch.allclose(hidden(gapped)[:, 6:], default[:, 6:], atol=1e-3))


if __name__ == "__main__":
    unittest.main()
