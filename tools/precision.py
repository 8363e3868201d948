"""Which float precision training runs in on this machine."""

from __future__ import annotations

import torch


def bf16_autocast_is_fast(device: str = "cpu") -> bool:
    """Whether bf16 autocast speeds training up on `device`: always on CUDA; on a CPU only with
    oneDNN's bf16 kernels (AVX512-BF16 or AMX). On an AVX2-only CPU PyTorch runs bf16
    convolutions and matrix products in reference loops, ~20x slower than float32 (seen on a
    Zen 3 machine: the patch VQGAN at 0.7 pictures/s instead of ~16), so training stays float32."""
    if device == "cuda":
        return True
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
