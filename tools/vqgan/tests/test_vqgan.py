"""VQGAN layout: Chameleon tensor names, transformers loads our encoder/codebook and gives the same
codes, the decoder follows the published architecture, training resumes exactly."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import unittest
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import ChameleonVQVAEConfig
from transformers.models.chameleon.modeling_chameleon import ChameleonVQVAE

from tools.vqgan.data import batch_from_scenes, pixels_from_u8, scenes_for_step, u8_from_pixels
from tools.vqgan.export import CONFIG_NAME, WEIGHTS_NAME, export_vqgan
from tools.vqgan.model import ChameleonVQDecoder, WorldVQGAN, default_config
from tools.vqgan.train import TrainConfig, Trainer
from tools.world.render import render
from tools.world.scene import Scene, WorldObject


def tiny_config() -> ChameleonVQVAEConfig:
    config = default_config()
    config.base_channels = 32
    config.latent_channels = 32
    config.embed_dim = 8
    config.num_embeddings = 64
    return config


class Layout(unittest.TestCase):
    def test_full_size_decoder_matches_the_published_tensor_list(self):
        with torch.device("meta"):
            decoder = ChameleonVQDecoder(ChameleonVQVAEConfig())
        shapes = {name: tuple(t.shape) for name, t in decoder.state_dict().items()}
        self.assertEqual(len(shapes), 164)
        self.assertEqual(shapes["conv_in.weight"], (512, 256, 3, 3))
        self.assertEqual(shapes["up.3.block.0.nin_shortcut.weight"], (256, 512, 1, 1))
        self.assertEqual(shapes["up.1.block.0.nin_shortcut.weight"], (128, 256, 1, 1))
        self.assertEqual(shapes["up.4.upsample.conv.weight"], (512, 512, 3, 3))
        self.assertNotIn("up.0.upsample.conv.weight", shapes)
        self.assertEqual(shapes["mid.attn_1.proj_out.weight"], (512, 512, 1, 1))
        self.assertEqual(shapes["norm_out.weight"], (128,))
        self.assertEqual(shapes["conv_out.weight"], (3, 128, 3, 3))
        self.assertEqual(sum(name.startswith("up.2.block.") for name in shapes), 3 * 8)

    def test_decoder_maps_the_code_grid_to_the_canvas(self):
        model = WorldVQGAN(default_config()).eval()
        codes = torch.randint(0, 2048, (2, 16, 16))
        with torch.no_grad():
            pixels = model.decode_codes(codes)
        self.assertEqual(tuple(pixels.shape), (2, 3, 64, 64))

    def test_export_loads_into_transformers_with_the_same_codes(self):
        torch.manual_seed(0)
        model = WorldVQGAN(tiny_config()).eval()
        with tempfile.TemporaryDirectory() as folder:
            export_vqgan(model, Path(folder))
            weights = load_file(str(Path(folder) / WEIGHTS_NAME))
            config = ChameleonVQVAEConfig(**json.loads((Path(folder) / CONFIG_NAME).read_text()))
        self.assertTrue(all(name.startswith("model.vqmodel.") for name in weights))
        self.assertIn("model.vqmodel.decoder.conv_out.weight", weights)
        self.assertIn("model.vqmodel.quantize.embedding.weight", weights)
        self.assertIn("model.vqmodel.post_quant_conv.weight", weights)
        reference = ChameleonVQVAE(config).eval()
        state = {k[len("model.vqmodel."):]: v for k, v in weights.items() if not k.startswith("model.vqmodel.decoder.")}
        missing, unexpected = reference.load_state_dict(state, strict=True), None
        self.assertIsNotNone(missing)
        scenes = scenes_for_step(5, 0, 4)
        pixels, _ = batch_from_scenes(scenes)
        with torch.no_grad():
            ours = model.nearest_codes(model.encode_latents(pixels)).reshape(-1)
            theirs = reference.encode(pixels).image_tokens
        torch.testing.assert_close(theirs, ours, rtol=0, atol=0)
        decoder_state = {k[len("model.vqmodel.decoder."):]: v for k, v in weights.items()
                         if k.startswith("model.vqmodel.decoder.")}
        decoder = ChameleonVQDecoder(config)
        decoder.load_state_dict(decoder_state, strict=True)

    def test_pixel_conversions_follow_meta(self):
        scene = Scene("blue", (WorldObject("circle", "red", "medium", "center"),))
        image = render(scene)
        pixels = pixels_from_u8(image)
        self.assertAlmostEqual(float(pixels[0, 0, 0]), 40 / 255 * 2 - 1, places=6)
        # Meta truncates, so float rounding may lose one step; palette snapping absorbs it.
        back = u8_from_pixels(pixels).int()
        self.assertLessEqual(int((back - torch.from_numpy(image).int()).abs().max()), 1)


class Training(unittest.TestCase):
    def config(self) -> TrainConfig:
        return dataclasses.replace(TrainConfig(), batch_size=2, max_steps=6, autoencoder_steps=2,
                                   quantize_ramp_steps=2, kmeans_pictures=4, kmeans_iterations=2,
                                   warmup_steps=2, eval_every=1000, eval_size=4, reset_every=2)

    def test_resuming_gives_the_same_weights_as_an_uninterrupted_run(self):
        config = self.config()
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            straight = Trainer(Path(a), config, tiny_config())
            straight.run(None)
            first = Trainer(Path(b), dataclasses.replace(config, max_steps=3), tiny_config())
            first.run(None)
            resumed = Trainer(Path(b), config, tiny_config())
            resumed.load()
            self.assertEqual(resumed.step, 3)
            resumed.run(None)
            for (name, x), (_, y) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
                torch.testing.assert_close(x, y, msg=name)
            self.assertTrue((Path(b) / "export" / WEIGHTS_NAME).exists())
            self.assertIn("step 3", (Path(b) / "log.txt").read_text())

    def test_training_lowers_the_loss(self):
        config = dataclasses.replace(self.config(), max_steps=30, autoencoder_steps=30, batch_size=4)
        with tempfile.TemporaryDirectory() as folder:
            trainer = Trainer(Path(folder), config, tiny_config())
            losses = [trainer.train_step()["l1"] for _ in range(30)]
        self.assertLess(sum(losses[-5:]) / 5, sum(losses[:5]) / 5)


if __name__ == "__main__":
    unittest.main()
