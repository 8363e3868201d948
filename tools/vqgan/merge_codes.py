#!/usr/bin/env python3
"""Merge near-duplicate VQGAN codes into one canonical code each, and drop codes nobody uses.

Why: training with dead-code re-seeding keeps every code alive, so a flat blue region is spread
over several codes whose vectors lie close together and decode to the same pixels. Which of them
the encoder picks depends on tiny latent differences, so the language model has to predict noise:
with 2048 codes the code stream of world pictures carried 9.3 bits per token. Merging the closest
codes (single linkage on codebook distance, the most used code of a group kept) removes that noise
while the palette-exact reconstruction stays within `--tolerance` of the original.

The result is an ordinary Chameleon VQGAN with a smaller codebook (`num_embeddings` = codes kept):
the encoder's nearest-code search over the kept codes is exactly the canonical tokenizer, so
attached pictures and training pictures go through the same path.

    .venv/bin/python -m tools.vqgan.merge_codes --vqgan runs/vqgan/export --out runs/vqgan/merged
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch

from tools.vqgan.data import batch_from_scenes, snap_indices, u8_from_pixels
from tools.vqgan.export import load_exported, export_vqgan
from tools.vqgan.model import WorldVQGAN
from tools.world.checker import parse_image
from tools.world.scene import random_scene


def sample_latents(model: WorldVQGAN, seed: int, count: int, word_probability: float):
    """Latents (N, D, g, g) and palette indices (N, S, S) of `count` seeded random world pictures."""
    rng = random.Random(seed)
    scenes = [random_scene(rng, word_probability) for _ in range(count)]
    latents, indices = [], []
    with torch.no_grad():
        for start in range(0, count, 64):
            pixels, target = batch_from_scenes(scenes[start:start + 64])
            latents.append(model.encode_latents(pixels))
            indices.append(target)
    return scenes, torch.cat(latents), torch.cat(indices)


def nearest(latents: torch.Tensor, book: torch.Tensor) -> torch.Tensor:
    """argmin over `book` rows for every latent position: (N, g, g) indices into `book`."""
    n, dim, h, w = latents.shape
    flat = latents.permute(0, 2, 3, 1).reshape(-1, dim).float()
    distances = (flat ** 2).sum(1, keepdim=True) + (book ** 2).sum(1)[None, :] - 2 * flat @ book.T
    return distances.argmin(1).reshape(n, h, w)


def decode(model: WorldVQGAN, book: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """Pixels of codes looked up in `book` (which may be a reduced codebook)."""
    out = []
    with torch.no_grad():
        for start in range(0, codes.shape[0], 64):
            embedded = book[codes[start:start + 64]].permute(0, 3, 1, 2)
            out.append(model.decode_quantized(embedded))
    return torch.cat(out)


def kept_codes(book: torch.Tensor, usage: np.ndarray, edges: np.ndarray, pairs: tuple, merges: int) -> np.ndarray:
    """Representatives after applying the `merges` shortest edges (union-find), used codes only."""
    parent = np.arange(book.shape[0])

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for k in edges[:merges]:
        a, b = find(int(pairs[0][k])), find(int(pairs[1][k]))
        if a != b:
            parent[b] = a
    roots = np.array([find(i) for i in range(book.shape[0])])
    keep = []
    for root in np.unique(roots):
        members = np.nonzero(roots == root)[0]
        if usage[members].sum() > 0:
            keep.append(int(members[np.argmax(usage[members])]))
    return np.array(sorted(keep))


def entropy_bits(codes: torch.Tensor) -> float:
    _, counts = np.unique(codes.reshape(-1).numpy(), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def measure(model: WorldVQGAN, book: torch.Tensor, latents: torch.Tensor, indices: torch.Tensor) -> tuple[float, torch.Tensor, torch.Tensor]:
    codes = nearest(latents, book)
    recon = decode(model, book, codes)
    return float((snap_indices(recon) == indices).float().mean()), codes, recon


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vqgan", type=Path, required=True, help="exported VQGAN directory")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--pictures", type=int, default=1024, help="pictures that count code usage and score merges")
    parser.add_argument("--tolerance", type=float, default=0.0005, help="largest allowed drop of palette-exact pixel accuracy")
    parser.add_argument("--word-probability", type=float, default=0.25)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()

    model = load_exported(args.vqgan)
    book = model.codebook.detach().float()
    scenes, latents, indices = sample_latents(model, args.seed, args.pictures, args.word_probability)
    base_accuracy, base_codes, _ = measure(model, book, latents, indices)
    usage = np.bincount(base_codes.reshape(-1).numpy(), minlength=book.shape[0])

    distances = torch.cdist(book, book).numpy()
    pairs = np.triu_indices(book.shape[0], 1)
    edges = np.argsort(distances[pairs], kind="stable")

    def accuracy_after(merges: int) -> tuple[float, np.ndarray]:
        keep = kept_codes(book, usage, edges, pairs, merges)
        accuracy, _, _ = measure(model, book[torch.from_numpy(keep)], latents, indices)
        return accuracy, keep

    # Largest number of merges whose accuracy stays within tolerance (accuracy falls with merges,
    # not strictly, so the search keeps the best point it has verified).
    low, high = 0, len(edges) // 64
    best_keep = kept_codes(book, usage, edges, pairs, 0)
    while low < high:
        middle = (low + high + 1) // 2
        accuracy, keep = accuracy_after(middle)
        print(f"merges {middle}: {len(keep)} codes, accuracy {accuracy:.5f}", flush=True)
        if accuracy >= base_accuracy - args.tolerance:
            low, best_keep = middle, keep
        else:
            high = middle - 1

    reduced = book[torch.from_numpy(best_keep)]
    accuracy, codes, recon = measure(model, reduced, latents, indices)
    images = u8_from_pixels(recon).numpy()
    read_back = sum(parse_image(image).scene.same_as(scene) for image, scene in zip(images, scenes)) / len(scenes)

    with torch.no_grad():
        model.vq.quantize.embedding = torch.nn.Embedding.from_pretrained(reduced.clone(), freeze=False)
    model.config.num_embeddings = len(best_keep)
    model.vq.quantize.num_embeddings = len(best_keep)
    export_vqgan(model, args.out)
    report = {
        "codes_before": int(book.shape[0]), "codes_used_before": int((usage > 0).sum()), "codes_after": len(best_keep),
        "pixel_accuracy_before": base_accuracy, "pixel_accuracy_after": accuracy,
        "bits_per_code_before": entropy_bits(base_codes), "bits_per_code_after": entropy_bits(codes),
        "scenes_read_back_after": read_back, "pictures": args.pictures, "seed": args.seed,
        "tolerance": args.tolerance, "kept": best_keep.tolist(), "seconds": round(time.time() - started, 1),
    }
    (args.out / "merge_report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "kept"}), flush=True)


if __name__ == "__main__":
    main()
