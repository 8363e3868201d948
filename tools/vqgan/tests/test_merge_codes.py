"""Merging near-duplicate codes: the union-find keeps the most used code of each group and drops
unused groups; the reduced VQGAN exports with `num_embeddings` = codes kept and encodes to them."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from tools.vqgan.data import batch_from_scenes, scenes_for_step
from tools.vqgan.export import export_vqgan, load_exported
from tools.vqgan.merge_codes import kept_codes, nearest
from tools.vqgan.model import WorldVQGAN, default_config


class MergeCodes(unittest.TestCase):
    def test_groups_keep_their_most_used_code_and_unused_groups_go(self):
        # Codes 0 and 1 are close, 2 and 3 are close, 4 is far; 4 is never used.
        book = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.0, 5.2], [-9.0, 9.0]])
        usage = np.array([3, 10, 7, 1, 0])
        distances = torch.cdist(book, book).numpy()
        pairs = np.triu_indices(5, 1)
        edges = np.argsort(distances[pairs], kind="stable")
        self.assertEqual(kept_codes(book, usage, edges, pairs, 0).tolist(), [0, 1, 2, 3])
        self.assertEqual(kept_codes(book, usage, edges, pairs, 2).tolist(), [1, 2])

    def test_reduced_codebook_exports_and_encodes_to_kept_codes_only(self):
        torch.manual_seed(1)
        config = default_config()
        config.base_channels, config.latent_channels, config.embed_dim, config.num_embeddings = 32, 32, 8, 64
        model = WorldVQGAN(config).eval()
        keep = torch.tensor([3, 5, 17, 40])
        reduced = model.codebook.detach()[keep].clone()
        with torch.no_grad():
            model.vq.quantize.embedding = torch.nn.Embedding.from_pretrained(reduced, freeze=False)
        model.config.num_embeddings = len(keep)
        model.vq.quantize.num_embeddings = len(keep)
        pixels, _ = batch_from_scenes(scenes_for_step(2, 0, 3))
        with tempfile.TemporaryDirectory() as folder:
            export_vqgan(model, Path(folder))
            loaded = load_exported(Path(folder))
        self.assertEqual(loaded.config.num_embeddings, 4)
        with torch.no_grad():
            latents = loaded.encode_latents(pixels)
            codes = loaded.nearest_codes(latents)
        self.assertTrue(bool((codes < 4).all()))
        torch.testing.assert_close(codes, nearest(latents, reduced), rtol=0, atol=0)


if __name__ == "__main__":
    unittest.main()
