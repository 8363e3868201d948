"""Train the VQGAN (Chameleon layout) to the designed patch codes of `tools/vqgan/patch_codes.py`.

The code of every 4x4 patch is known (its mask and ink colour), so both halves are supervised:

* codebook: designed, not learned (`designed_codebook`): a code's vector spells out its 16 mask
  bits (+-1, a plain patch is all ink) and its ink colour (one-hot, x2), so codes one pixel apart
  are still 4 apart in squared distance and the decoder can read a patch's pixels off its vector;
* encoder: the logits `-|z - e_k|^2` of the pre-quantisation latent z against every codebook
  vector e_k are trained with cross-entropy towards the patch's code, so that the nearest-code
  lookup (Chameleon's quantiser, unchanged) returns it;
* decoder: fed the codebook vectors of the true codes, it is trained to paint the picture (L1 + L2
  on pixels and the palette cross-entropy of `tools/vqgan/train.py`), taking the background colour
  of mask codes from the picture around them (its mid-block attention sees the whole grid).

Deterministic by seed, resumable (checkpoint every few minutes), exports like `train.py`:

    .venv/bin/python -m tools.vqgan.train_patch --out runs/vqgan-patch --max-steps 3000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from tools.precision import bf16_autocast_is_fast
from tools.vqgan.data import batch_from_scenes, scenes_for_step, snap_indices, u8_from_pixels
from tools.vqgan.export import export_vqgan
from tools.vqgan.model import WorldVQGAN, default_config, use_fast_group_norm
from tools.vqgan.patch_codes import COLOR_COUNT, PATCH, code_count, encode_indices, enumerate_masks
from tools.vqgan.train import palette_cross_entropy
from tools.world.checker import parse_image
from tools.world.scene import random_scene
from tools.world.spec import VQ_GRID


@dataclass
class PatchTrainConfig:
    seed: int = 4321
    batch_size: int = 16
    learning_rate: float = 2e-3
    warmup_steps: int = 100
    max_steps: int = 3000
    min_lr_fraction: float = 0.05
    grad_clip: float = 1.0
    word_probability: float = 0.35
    code_weight: float = 1.0
    palette_weight: float = 3.0
    palette_temperature: float = 0.1
    eval_every: int = 500
    eval_size: int = 256
    checkpoint_minutes: float = 4.0
    threads: int = 2
    bf16: bool = True


def learning_rate(config: PatchTrainConfig, step: int) -> float:
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps))
    floor = config.min_lr_fraction
    return config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def designed_codebook(embed_dim: int) -> torch.Tensor:
    """(codes, embed_dim) vectors: mask bits as +-1, then the ink colour one-hot times 2, then zeros."""
    masks = enumerate_masks()
    bits = PATCH * PATCH
    if embed_dim < bits + COLOR_COUNT:
        raise ValueError(f"embed_dim {embed_dim} cannot hold {bits} mask bits and {COLOR_COUNT} colours")
    book = torch.zeros(code_count(), embed_dim)
    for code in range(code_count()):
        if code < COLOR_COUNT:
            mask, ink = np.ones(bits, dtype=bool), code
        else:
            mask_id, ink = divmod(code - COLOR_COUNT, COLOR_COUNT)
            mask = masks[mask_id]
        book[code, :bits] = torch.from_numpy(mask.astype(np.float32) * 2 - 1)
        book[code, bits + ink] = 2.0
    return book


def target_codes(indices: torch.Tensor) -> torch.Tensor:
    """(B, g, g) designed codes of a batch of palette-index pictures (B, S, S)."""
    rows = [encode_indices(picture.numpy()) for picture in indices]
    return torch.from_numpy(np.stack(rows)).reshape(len(rows), VQ_GRID, VQ_GRID)


def code_logits(model: WorldVQGAN, latents: torch.Tensor) -> torch.Tensor:
    """(B * g * g, codes) logits -|z - e_k|^2, positions in raster order per picture."""
    dim = latents.shape[1]
    flat = latents.permute(0, 2, 3, 1).reshape(-1, dim).float()
    book = model.codebook.float()
    return -((flat ** 2).sum(1, keepdim=True) + (book ** 2).sum(1)[None, :] - 2 * flat @ book.T)


@torch.no_grad()
def evaluate(model: WorldVQGAN, config: PatchTrainConfig) -> dict:
    """Codes right, and pixels/pictures/scenes right after encode -> nearest code -> decode."""
    model.eval()
    rng = random.Random(config.seed * 7919 + 99991)
    scenes = [random_scene(rng, 0.25) for _ in range(config.eval_size)]
    codes_right = pixels_right = exact = parsed = teacher_pixels_right = 0
    for start in range(0, len(scenes), 64):
        chunk = scenes[start:start + 64]
        pixels, indices = batch_from_scenes(chunk)
        targets = target_codes(indices)
        codes = model.nearest_codes(model.encode_latents(pixels))
        codes_right += int((codes == targets).sum())
        recon = model.decode_codes(codes)
        hits = snap_indices(recon) == indices
        pixels_right += int(hits.sum())
        exact += int(hits.reshape(len(chunk), -1).all(dim=1).sum())
        teacher_pixels_right += int((snap_indices(model.decode_codes(targets)) == indices).sum())
        images = u8_from_pixels(recon).numpy()
        parsed += sum(parse_image(image).scene.same_as(scene) for image, scene in zip(images, chunk))
    model.train()
    pictures = len(scenes)
    return {"codes_right": codes_right / (pictures * VQ_GRID * VQ_GRID),
            "pixel_accuracy": pixels_right / indices[0].numel() / pictures,
            "teacher_pixel_accuracy": teacher_pixels_right / indices[0].numel() / pictures,
            "exact_pictures": exact / pictures, "scenes_read_back": parsed / pictures}


class PatchTrainer:
    def __init__(self, out_dir: Path, config: PatchTrainConfig):
        self.out_dir = out_dir
        self.config = config
        # bf16 autocast where it is fast (config.bf16 asks for it; tools/precision.py).
        self.bf16 = config.bf16 and bf16_autocast_is_fast()
        torch.manual_seed(config.seed)
        vq_config = default_config()
        vq_config.num_embeddings = code_count()
        self.model = WorldVQGAN(vq_config)
        with torch.no_grad():
            self.model.codebook.copy_(designed_codebook(vq_config.embed_dim))
        self.model.codebook.requires_grad_(False)
        use_fast_group_norm(self.model)
        self.optimizer = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=config.learning_rate, betas=(0.9, 0.99),
                                           weight_decay=0.0)
        self.step = 0
        self.elapsed = 0.0
        self.history: list[dict] = []

    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.pt"

    def save(self) -> None:
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(), "step": self.step,
                 "elapsed": self.elapsed, "train_config": dataclasses.asdict(self.config),
                 "vq_config": self.model.config.to_dict(), "history": self.history}
        temporary = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, temporary)
        os.replace(temporary, self.checkpoint_path)
        export_vqgan(self.model, self.out_dir / "export")

    def load(self) -> None:
        state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=False)
        if state["vq_config"]["num_embeddings"] != self.model.config.num_embeddings:
            raise SystemExit(f"{self.checkpoint_path}: trained for another code assignment")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.elapsed, self.history = state["step"], state["elapsed"], state.get("history", [])

    def log(self, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with open(self.out_dir / "log.txt", "a") as handle:
            handle.write(f"{stamp} {line}\n")
        print(f"{stamp} {line}", flush=True)

    def train_step(self) -> dict:
        config, model = self.config, self.model
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(config, self.step)
        pixels, indices = batch_from_scenes(
            scenes_for_step(config.seed, self.step, config.batch_size, config.word_probability))
        targets = target_codes(indices)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            latents = model.encode_latents(pixels).float()
        code_loss = F.cross_entropy(code_logits(model, latents), targets.reshape(-1))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            recon = model.decode_codes(targets).float()
        l1 = (recon - pixels).abs().mean()
        l2 = ((recon - pixels) ** 2).mean()
        palette = palette_cross_entropy(recon, indices, config.palette_temperature)
        loss = config.code_weight * code_loss + l1 + l2 + config.palette_weight * palette
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_([p for p in self.model.parameters() if p.requires_grad],
                                                   config.grad_clip)
        self.optimizer.step()
        self.step += 1
        return {"loss": loss.item(), "code": code_loss.item(), "palette": palette.item(), "grad_norm": float(grad_norm)}

    def run(self, max_minutes: float | None, until_step: int | None = None) -> None:
        config = self.config
        torch.set_num_threads(config.threads)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.checkpoint_path.exists():
            self.load()
            self.log(f"resume at step {self.step} ({self.elapsed / 60:.1f} min trained)")
        else:
            self.log(f"start fresh: {code_count()} codes, {'bf16 autocast' if self.bf16 else 'float32'}, "
                     f"train_config={json.dumps(dataclasses.asdict(config))}")
        started = last_save = window_start = time.time()
        window: list[dict] = []
        last_step = config.max_steps if until_step is None else min(until_step, config.max_steps)
        while self.step < last_step:
            if max_minutes is not None and time.time() - started > max_minutes * 60:
                break
            tick = time.time()
            window.append(self.train_step())
            self.elapsed += time.time() - tick
            if self.step % 25 == 0:
                mean = {k: sum(w[k] for w in window) / len(window) for k in window[0]}
                seconds = time.time() - window_start
                self.log(f"step {self.step} loss {mean['loss']:.4f} code {mean['code']:.4f} palette {mean['palette']:.4f} "
                         f"grad {mean['grad_norm']:.2f} lr {learning_rate(config, self.step):.2e} "
                         f"{len(window) * config.batch_size / seconds:.1f} img/s")
                window, window_start = [], time.time()
            if self.step % config.eval_every == 0 or self.step == config.max_steps:
                metrics = dict(evaluate(self.model, config), step=self.step, train_minutes=round(self.elapsed / 60, 2))
                self.history.append(metrics)
                self.log("eval " + json.dumps(metrics))
            if time.time() - last_save > config.checkpoint_minutes * 60:
                self.save()
                last_save = time.time()
        self.save()
        self.log(f"saved at step {self.step}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("runs/vqgan-patch"))
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--until-step", type=int, default=None,
                        help="stop at this step (the schedule still runs to --max-steps); a later run with a "
                             "smaller --max-steps anneals from there")
    parser.add_argument("--evaluate", action="store_true", help="print the metrics of the current checkpoint and stop")
    for field in dataclasses.fields(PatchTrainConfig):
        parser.add_argument("--" + field.name.replace("_", "-"), type=type(field.default) if field.type != "bool" else int,
                            default=field.default)
    args = parser.parse_args()
    config = PatchTrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(PatchTrainConfig)})
    trainer = PatchTrainer(args.out, config)
    if args.evaluate:
        trainer.load()
        print(json.dumps(evaluate(trainer.model, config)))
        return
    trainer.run(args.max_minutes, args.until_step)


if __name__ == "__main__":
    main()
