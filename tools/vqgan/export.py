"""Write a trained VQGAN as a Chameleon-style weight file plus its config.

`vqgan.safetensors` holds `model.vqmodel.{encoder,quant_conv,quantize,post_quant_conv,decoder}.*`
in float32; `vq_config.json` is the `ChameleonVQVAEConfig` (the `vq_config` of a Chameleon
config.json).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from safetensors.torch import load_file, save_file
from transformers import ChameleonVQVAEConfig

from tools.vqgan.model import WorldVQGAN

WEIGHTS_NAME = "vqgan.safetensors"
CONFIG_NAME = "vq_config.json"


def vq_config_dict(model: WorldVQGAN) -> dict:
    keys = ("model_type", "embed_dim", "num_embeddings", "double_latent", "latent_channels", "resolution",
            "in_channels", "out_channels", "base_channels", "channel_multiplier", "num_res_blocks",
            "attn_resolutions", "dropout", "attn_type", "initializer_range")
    full = model.config.to_dict()
    full["model_type"] = "chameleon_vqgan"
    return {k: full[k] for k in keys if k in full}


def export_vqgan(model: WorldVQGAN, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = {k: v.float() for k, v in model.chameleon_state_dict().items()}
    temporary = out_dir / (WEIGHTS_NAME + ".tmp")
    save_file(weights, str(temporary), metadata={"format": "pt"})
    os.replace(temporary, out_dir / WEIGHTS_NAME)
    (out_dir / CONFIG_NAME).write_text(json.dumps(vq_config_dict(model), indent=2, sort_keys=True) + "\n")


def load_exported(directory: Path) -> WorldVQGAN:
    """The exported VQGAN (`vqgan.safetensors` + `vq_config.json`), in eval mode."""
    config = ChameleonVQVAEConfig(**json.loads((directory / "vq_config.json").read_text()))
    model = WorldVQGAN(config)
    state = load_file(str(directory / "vqgan.safetensors"))
    prefix = "model.vqmodel."
    vq_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix) and not k.startswith(prefix + "decoder.")}
    decoder_state = {k[len(prefix + "decoder."):]: v for k, v in state.items() if k.startswith(prefix + "decoder.")}
    model.vq.load_state_dict(vq_state, strict=False)
    model.decoder.load_state_dict(decoder_state)
    model.eval()
    return model
