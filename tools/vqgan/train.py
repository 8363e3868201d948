"""Training loop of the world VQGAN: resumable, deterministic by seed, logs and checkpoints.

Schedule: the first `autoencoder_steps` train encoder and decoder without quantisation (the
decoder sees z directly), then the codebook is initialised by k-means on latents of fresh pictures
and quantisation is blended in over `quantize_ramp_steps` (decoder input z + a (e - z), a from 0
to 1, straight-through). Starting quantisation on a random encoder made the latents drift far
from a lagging codebook (commitment loss exploding, reconstructions stalling).

Losses: L1 + L2 on pixels, a palette cross-entropy (logits = -|x_hat - colour|^2 / tau, so a pixel
is pushed towards the colour it must snap to), and the commitment loss beta |z - sg(e)|^2. The
codebook is learned by exponential moving averages (k-means style) rather than by gradients, and
codes unused for a while are re-seeded from the latents that are currently worst quantised.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from tools.precision import bf16_autocast_is_fast
from tools.vqgan.data import (
    PALETTE_UNIT, WORD_PROBABILITY, batch_from_scenes, scenes_for_step, snap_indices, u8_from_pixels,
)
from tools.vqgan.model import WorldVQGAN, default_config, use_fast_group_norm
from tools.world.checker import parse_image
from tools.world.scene import random_scene
from tools.world.spec import CANVAS_SIZE


@dataclass
class TrainConfig:
    seed: int = 1234
    batch_size: int = 8
    learning_rate: float = 1.5e-3
    grad_clip: float = 1.0
    warmup_steps: int = 100
    max_steps: int = 10000
    word_probability: float = 0.35
    autoencoder_steps: int = 1000
    quantize_ramp_steps: int = 500
    kmeans_pictures: int = 96
    kmeans_iterations: int = 12
    min_lr_fraction: float = 0.05
    commitment_beta: float = 0.25
    ema_decay: float = 0.99
    reset_every: int = 25
    reset_threshold: float = 0.03
    palette_weight: float = 3.0
    palette_temperature: float = 0.1
    eval_every: int = 500
    eval_size: int = 256
    checkpoint_minutes: float = 4.0
    bf16: bool = True
    threads: int = 1


class EmaCodebook:
    """EMA statistics of the codebook (cluster sizes and vector sums)."""

    def __init__(self, codebook: torch.Tensor, decay: float):
        self.decay = decay
        self.cluster_size = torch.ones(codebook.shape[0])
        self.embed_sum = codebook.detach().clone().float()

    @torch.no_grad()
    def update(self, codebook: torch.Tensor, flat_latents: torch.Tensor, codes: torch.Tensor) -> None:
        count = codebook.shape[0]
        counts = torch.bincount(codes, minlength=count).float()
        sums = torch.zeros_like(self.embed_sum).index_add_(0, codes, flat_latents)
        self.cluster_size.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.embed_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + 1e-5) / (total + count * 1e-5) * total
        codebook.copy_(self.embed_sum / smoothed[:, None])

    @torch.no_grad()
    def reset_dead(self, codebook: torch.Tensor, flat_latents: torch.Tensor, errors: torch.Tensor,
                   generator: torch.Generator, threshold: float) -> int:
        """Re-seed codes whose usage fell below `threshold` from badly quantised latents."""
        dead = torch.nonzero(self.cluster_size < threshold).flatten()
        if dead.numel() == 0:
            return 0
        weights = errors.clamp_min(1e-12)
        picks = torch.multinomial(weights, dead.numel(), replacement=dead.numel() > weights.numel(),
                                  generator=generator)
        fresh = flat_latents[picks]
        codebook[dead] = fresh
        self.embed_sum[dead] = fresh
        self.cluster_size[dead] = 1.0
        return int(dead.numel())

    def state_dict(self) -> dict:
        return {"cluster_size": self.cluster_size, "embed_sum": self.embed_sum, "decay": self.decay}

    def load_state_dict(self, state: dict) -> None:
        self.cluster_size = state["cluster_size"]
        self.embed_sum = state["embed_sum"]
        self.decay = state["decay"]


def learning_rate(config: TrainConfig, step: int) -> float:
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, config.max_steps - config.warmup_steps))
    floor = config.min_lr_fraction
    return config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def palette_cross_entropy(recon: torch.Tensor, indices: torch.Tensor, temperature: float) -> torch.Tensor:
    pixels = recon.permute(0, 2, 3, 1)  # (B, H, W, 3)
    logits = -((pixels[..., None, :] - PALETTE_UNIT) ** 2).sum(-1) / temperature
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), indices.reshape(-1))


@torch.no_grad()
def evaluate(model: WorldVQGAN, config: TrainConfig) -> dict:
    """Palette-exact pixel accuracy, exact pictures, scenes read back by the checker, code usage."""
    model.eval()
    rng = random.Random(config.seed * 7919 + 99991)
    scenes = [random_scene(rng, WORD_PROBABILITY) for _ in range(config.eval_size)]
    correct = exact = parsed = unquantized_correct = 0
    used: set[int] = set()
    for start in range(0, len(scenes), 64):
        chunk = scenes[start:start + 64]
        pixels, indices = batch_from_scenes(chunk)
        latents = model.encode_latents(pixels)
        unquantized = snap_indices(model.decode_quantized(latents))
        unquantized_correct += int((unquantized == indices).sum())
        codes = model.nearest_codes(latents)
        used.update(codes.unique().tolist())
        recon = model.decode_codes(codes)
        snapped = snap_indices(recon)
        hits = snapped == indices
        correct += int(hits.sum())
        exact += int(hits.reshape(len(chunk), -1).all(dim=1).sum())
        images = u8_from_pixels(recon).numpy()
        parsed += sum(parse_image(image).scene.same_as(scene) for image, scene in zip(images, chunk))
    model.train()
    total_pixels = len(scenes) * CANVAS_SIZE * CANVAS_SIZE
    return {
        "pixel_accuracy": correct / total_pixels,
        "exact_pictures": exact / len(scenes),
        "scenes_read_back": parsed / len(scenes),
        "codes_used": len(used),
        "unquantized_pixel_accuracy": unquantized_correct / total_pixels,
    }


class Trainer:
    def __init__(self, out_dir: Path, config: TrainConfig, vq_config=None):
        self.out_dir = out_dir
        self.config = config
        # bf16 autocast where it is fast (config.bf16 asks for it; tools/precision.py).
        self.bf16 = config.bf16 and bf16_autocast_is_fast()
        torch.manual_seed(config.seed)
        self.model = WorldVQGAN(vq_config or default_config())
        self.model.codebook.requires_grad_(False)
        use_fast_group_norm(self.model)
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=config.learning_rate, betas=(0.9, 0.99), weight_decay=0.0)
        self.ema = EmaCodebook(self.model.codebook, config.ema_decay)
        self.step = 0
        self.elapsed = 0.0
        self.history: list[dict] = []

    # ----- persistence -----------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.pt"

    def save(self) -> None:
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "ema": self.ema.state_dict(),
            "step": self.step,
            "elapsed": self.elapsed,
            "train_config": dataclasses.asdict(self.config),
            "vq_config": self.model.config.to_dict(),
            "history": self.history,
        }
        temporary = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, temporary)
        os.replace(temporary, self.checkpoint_path)
        from tools.vqgan.export import export_vqgan

        export_vqgan(self.model, self.out_dir / "export")

    def load(self) -> None:
        state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=False)
        if state["vq_config"]["num_embeddings"] != self.model.config.num_embeddings:
            raise ValueError(f"{self.checkpoint_path}: checkpoint was trained with another VQGAN configuration")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.ema.load_state_dict(state["ema"])
        self.step = state["step"]
        self.elapsed = state["elapsed"]
        self.history = state.get("history", [])

    def log(self, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with open(self.out_dir / "log.txt", "a") as handle:
            handle.write(f"{stamp} {line}\n")
        print(f"{stamp} {line}", flush=True)

    # ----- training --------------------------------------------------------------------------
    @torch.no_grad()
    def _initialise_codebook(self) -> None:
        """k-means (Lloyd, from distinct random latents) on latents of fresh pictures; clusters
        left empty are re-seeded from the worst-fitted latents."""
        config, model = self.config, self.model
        pixels, _ = batch_from_scenes(scenes_for_step(config.seed, -1, config.kmeans_pictures))
        latents = torch.cat([model.encode_latents(pixels[i:i + 32]) for i in range(0, len(pixels), 32)])
        data = latents.permute(0, 2, 3, 1).reshape(-1, model.config.embed_dim).float()
        count = model.config.num_embeddings
        generator = torch.Generator().manual_seed(config.seed)
        distinct = torch.unique(data.round(decimals=3), dim=0)
        picks = torch.randperm(distinct.shape[0], generator=generator)[:count]
        centroids = distinct[picks]
        if centroids.shape[0] < count:
            extra = data[torch.randint(0, data.shape[0], (count - centroids.shape[0],), generator=generator)]
            centroids = torch.cat([centroids, extra + 1e-3 * torch.randn(extra.shape, generator=generator)])
        for _ in range(config.kmeans_iterations):
            distances = (data ** 2).sum(1, keepdim=True) + (centroids ** 2).sum(1)[None] - 2 * data @ centroids.T
            nearest_distance, assignment = distances.min(dim=1)
            sizes = torch.bincount(assignment, minlength=count).float()
            sums = torch.zeros_like(centroids).index_add_(0, assignment, data)
            filled = sizes > 0
            centroids[filled] = sums[filled] / sizes[filled, None]
            empty = torch.nonzero(~filled).flatten()
            if empty.numel():
                worst = torch.argsort(nearest_distance, descending=True)[: empty.numel()]
                centroids[empty] = data[worst]
        model.codebook.copy_(centroids)
        self.ema = EmaCodebook(model.codebook, config.ema_decay)
        usage = torch.bincount(assignment, minlength=count).float()
        self.ema.cluster_size = usage * config.batch_size / config.kmeans_pictures
        self.ema.embed_sum = centroids * self.ema.cluster_size[:, None]
        self.log(f"k-means codebook: {int((usage > 0).sum())} of {count} codes used by {data.shape[0]} latents")

    def quantize_blend(self) -> float:
        """0 during the autoencoder warm-up, then rising linearly to 1 (full quantisation)."""
        config = self.config
        if self.step < config.autoencoder_steps:
            return 0.0
        return min(1.0, (self.step - config.autoencoder_steps + 1) / max(1, config.quantize_ramp_steps))

    def train_step(self) -> dict:
        config, model = self.config, self.model
        if self.step == config.autoencoder_steps:
            self._initialise_codebook()
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(config, self.step)
        blend = self.quantize_blend()
        pixels, indices = batch_from_scenes(
            scenes_for_step(config.seed, self.step, config.batch_size, config.word_probability))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            latents = model.encode_latents(pixels).float()
        dim = latents.shape[1]
        flat = latents.permute(0, 2, 3, 1).reshape(-1, dim)
        commitment = torch.zeros(())
        if blend > 0:
            codes = model.nearest_codes(latents).reshape(-1)
            chosen = model.codebook[codes]
            errors = ((flat.detach() - chosen) ** 2).sum(1)
            commitment = ((flat - chosen) ** 2).sum(1).mean() / dim
            mixed = flat + blend * (chosen - flat).detach()
        else:
            mixed = flat
        decoder_input = mixed.reshape(latents.shape[0], latents.shape[2], latents.shape[3], dim).permute(0, 3, 1, 2)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            recon = model.decode_quantized(decoder_input).float()
        l1 = (recon - pixels).abs().mean()
        l2 = ((recon - pixels) ** 2).mean()
        palette = palette_cross_entropy(recon, indices, config.palette_temperature)
        loss = l1 + l2 + config.palette_weight * palette + blend * config.commitment_beta * commitment
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(
            [p for group in self.optimizer.param_groups for p in group["params"]], config.grad_clip)
        self.optimizer.step()
        resets = 0
        if blend > 0:
            self.ema.update(model.codebook, flat.detach(), codes)
            if (self.step + 1) % config.reset_every == 0:
                generator = torch.Generator().manual_seed(config.seed * 31 + self.step)
                resets = self.ema.reset_dead(model.codebook, flat.detach(), errors, generator, config.reset_threshold)
        self.step += 1
        return {"loss": loss.item(), "l1": l1.item(), "palette": palette.item(),
                "commit": commitment.item(), "resets": resets, "grad_norm": float(grad_norm)}

    def run(self, max_minutes: float | None, until_step: int | None = None) -> None:
        config = self.config
        torch.set_num_threads(config.threads)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.step == 0:
            self.log(f"start fresh: vq_config={json.dumps(self.model.config.to_dict(), sort_keys=True)}")
            self.log(f"train_config={json.dumps(dataclasses.asdict(config), sort_keys=True)}")
        else:
            self.log(f"resume at step {self.step} ({self.elapsed / 60:.1f} min trained)")
        started = time.time()
        last_save = time.time()
        window: list[dict] = []
        window_start = time.time()
        last_step = config.max_steps if until_step is None else min(until_step, config.max_steps)
        while self.step < last_step:
            if max_minutes is not None and time.time() - started > max_minutes * 60:
                break
            tick = time.time()
            window.append(self.train_step())
            self.elapsed += time.time() - tick
            if self.step % 25 == 0:
                seconds = time.time() - window_start
                mean = {k: sum(w[k] for w in window) / len(window) for k in window[0]}
                active = int((self.ema.cluster_size >= config.reset_threshold).sum()) if self.quantize_blend() else 0
                self.log(
                    f"step {self.step} loss {mean['loss']:.4f} l1 {mean['l1']:.4f} palette {mean['palette']:.4f} "
                    f"commit {mean['commit']:.4f} grad {mean['grad_norm']:.2f} resets {int(mean['resets'] * len(window))} active_codes {active} "
                    f"blend {self.quantize_blend():.2f} lr {learning_rate(config, self.step):.2e} {len(window) * config.batch_size / seconds:.1f} img/s"
                )
                window, window_start = [], time.time()
            if self.step % config.eval_every == 0 or self.step == config.max_steps:
                metrics = evaluate(self.model, config)
                metrics["step"] = self.step
                metrics["train_minutes"] = round(self.elapsed / 60, 2)
                self.history.append(metrics)
                self.log("eval " + json.dumps(metrics, sort_keys=True))
                window_start = time.time()
            if time.time() - last_save > config.checkpoint_minutes * 60:
                self.save()
                last_save = time.time()
                self.log(f"checkpoint at step {self.step}")
                window_start = time.time()
        self.save()
        self.log(f"stopped at step {self.step}; checkpoint {self.checkpoint_path}")
