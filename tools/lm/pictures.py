"""World scenes to picture codes, cached by scene: a trained VQGAN's or the designed patch codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from tools.vqgan.data import pixels_from_u8
from tools.vqgan.export import load_exported as load_vqgan
from tools.vqgan.model import WorldVQGAN
from tools.vqgan.patch_codes import code_count, encode_indices
from tools.world.render import render, render_indices
from tools.world.scene import Scene


class SceneEncoder:
    """Codes (raster order) of rendered scenes, computed in batches and cached by canonical JSON."""

    def __init__(self, vqgan: WorldVQGAN, batch_size: int = 64):
        self.vqgan = vqgan
        self.batch_size = batch_size
        self.cache: dict[str, list[int]] = {}

    @staticmethod
    def key(scene: dict) -> str:
        return json.dumps(scene, sort_keys=True)

    def encode_all(self, scenes: list[dict]) -> None:
        pending = []
        seen = set()
        for scene in scenes:
            k = self.key(scene)
            if k not in self.cache and k not in seen:
                seen.add(k)
                pending.append((k, scene))
        with torch.no_grad():
            for start in range(0, len(pending), self.batch_size):
                chunk = pending[start:start + self.batch_size]
                images = np.stack([render(Scene.from_json(s)) for _, s in chunk])
                codes = self.vqgan.nearest_codes(self.vqgan.encode_latents(pixels_from_u8(images)))
                for (k, _), row in zip(chunk, codes.reshape(len(chunk), -1).tolist()):
                    self.cache[k] = row

    def __call__(self, scene: dict) -> list[int]:
        k = self.key(scene)
        if k not in self.cache:
            self.encode_all([scene])
        return self.cache[k]


class PatchCodeEncoder:
    """Designed patch codes (tools/vqgan/patch_codes.py) of rendered scenes, cached like SceneEncoder."""

    def __init__(self):
        self.code_count = code_count()
        self.cache: dict[str, list[int]] = {}

    def encode_all(self, scenes: list[dict]) -> None:
        for scene in scenes:
            self(scene)

    def __call__(self, scene: dict) -> list[int]:
        k = SceneEncoder.key(scene)
        if k not in self.cache:
            self.cache[k] = encode_indices(render_indices(Scene.from_json(scene))).tolist()
        return self.cache[k]
