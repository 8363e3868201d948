"""World pictures as VQGAN training batches, deterministic by (seed, step)."""

from __future__ import annotations

import random

import numpy as np
import torch

from tools.world.render import render_indices
from tools.world.scene import Scene, random_scene
from tools.world.spec import COLORS, PALETTE

PALETTE_TENSOR = torch.tensor([PALETTE[c] for c in COLORS], dtype=torch.float32)
"""(12, 3) palette in 0-255, indexed like COLORS."""

PALETTE_UNIT = (PALETTE_TENSOR.double() / 255.0 * 2.0 - 1.0).float()
"""The palette in model pixel space [-1, 1]."""

WORD_PROBABILITY = 0.25
"""Share of word pictures in the VQGAN evaluation set (training uses TrainConfig.word_probability,
higher, because letters are the finest detail the tokenizer must keep)."""


def pixels_from_u8(image: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 HWC or BHWC RGB -> float32 (B)CHW in [-1, 1], Meta's `(p / 255) * 2 - 1`."""
    tensor = torch.as_tensor(np.asarray(image), dtype=torch.float64)
    tensor = (tensor / 255.0 * 2.0 - 1.0).float()
    return tensor.movedim(-1, -3).contiguous()


def u8_from_pixels(pixels: torch.Tensor) -> torch.Tensor:
    """Model output (B)CHW -> uint8 (B)HWC with Meta's `trunc((clamp(x, -1, 1) + 1) / 2 * 255)`."""
    scaled = (pixels.detach().float().clamp(-1, 1) + 1) / 2 * 255
    return scaled.to(torch.uint8).movedim(-3, -1).contiguous()


def snap_indices(pixels: torch.Tensor) -> torch.Tensor:
    """Palette index of every pixel of a model output (B, 3, H, W) after conversion to uint8."""
    u8 = u8_from_pixels(pixels).float()  # (B, H, W, 3)
    distances = ((u8[..., None, :] - PALETTE_TENSOR) ** 2).sum(-1)
    return distances.argmin(-1)


def scenes_for_step(seed: int, step: int, batch_size: int, word_probability: float = WORD_PROBABILITY) -> list[Scene]:
    rng = random.Random(seed * 1_000_003 + step)
    return [random_scene(rng, word_probability) for _ in range(batch_size)]


def batch_from_scenes(scenes: list[Scene]) -> tuple[torch.Tensor, torch.Tensor]:
    """(pixels (B, 3, S, S) in [-1, 1], palette indices (B, S, S))."""
    indices = torch.from_numpy(np.stack([render_indices(s) for s in scenes]))
    pixels = PALETTE_UNIT[indices].permute(0, 3, 1, 2).contiguous()
    return pixels, indices
