#!/usr/bin/env python3
"""Train the built-in model's decoder: transformers' ChameleonForConditionalGeneration, from scratch.

Reads a dataset built by `tools/lm/build_dataset.py` (token ids and loss masks per conversation),
trains with AdamW under bf16 autocast on CUDA or a CPU with bf16 kernels (float32 elsewhere), checkpoints every few
minutes and resumes from the last checkpoint. Deterministic for a seed on one machine.

The loss is computed from `lm_head(hidden)` directly: transformers' forward masks image-token
logits to the dtype minimum (the released Chameleon cannot draw), which would make pictures
unlearnable.

    .venv/bin/python -m tools.lm.train --data runs/lm/data --out runs/lm --minutes 60
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import ChameleonConfig, ChameleonForConditionalGeneration

from tools.lm.conversation_format import BUILTIN
from tools.precision import bf16_autocast_is_fast
from tools.world.spec import VQ_GRID


@dataclass
class ModelShape:
    hidden_size: int = 256
    num_hidden_layers: int = 6
    num_attention_heads: int = 8
    num_key_value_heads: int = 8
    intermediate_size: int = 704
    max_position_embeddings: int = 2048
    rope_theta: float = 10000.0


@dataclass
class TrainConfig:
    seed: int = 1234
    batch_tokens: int = 12288
    max_length: int = 1536
    learning_rate: float = 2e-3
    min_lr_fraction: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    minutes: float = 60.0
    checkpoint_minutes: float = 5.0
    threads: int = 2
    bf16: bool = True
    bucket: int = 128
    text_weight: float = 1.0
    novel_code_weight: float = 1.0
    text_share: float = 0.0
    text_bucket: int = 32
    keep_positions: bool = False


def novel_codes(ids: torch.Tensor, is_image: torch.Tensor, begin_image: int, grid: int) -> torch.Tensor:
    """(B, T) bool: picture codes that differ from the code above them and from the code to
    their left in the picture's grid (a missing neighbour counts as different). These are where a
    picture says something new: the top row of an object (where the model must know where it
    is), edges that widen, the first code of the picture (its background); a few per picture
    among 256, the rest are copies of a neighbour."""
    batch, length = ids.shape
    positions = torch.arange(length, device=ids.device).expand(batch, length)
    last_begin = torch.where(ids == begin_image, positions, torch.full_like(positions, -1)).cummax(dim=1).values
    offset = positions - last_begin - 1
    inside = is_image[ids] & (last_begin >= 0) & (offset < grid * grid)
    above = torch.roll(ids, grid, dims=1)
    left = torch.roll(ids, 1, dims=1)
    new_above = (offset < grid) | (ids != above)
    new_left = (offset % grid == 0) | (ids != left)
    return inside & new_above & new_left


def interleaved_batches(rng: random.Random, whole, text, text_share: float):
    """Endless (is_text, batch) pairs: a batch of `text` (the text-only view) with probability
    `text_share`, else one of `whole`. Text-only batches among the mixed ones keep the replies
    copying the request while the picture codes take most of each step's gradient."""
    while True:
        if text_share > 0 and rng.random() < text_share:
            yield True, next(text)
        else:
            yield False, next(whole)


def batch_stream(seed: int, data: "Dataset", text_data: "Dataset | None", cfg: "TrainConfig", skip: int = 0):
    """The run's endless (is_text, batch) stream, drawn from its seed alone, with the first `skip`
    batches drawn and dropped. A run resumed at step k takes `skip=k` and sees exactly the
    batches an uninterrupted run would: the shuffled order of an epoch and the text-share draws
    live inside the generators, so restoring the random state at a checkpoint started a new
    epoch from a new shuffle instead."""
    rng = random.Random(seed)
    whole = data.batches(rng, cfg.batch_tokens, cfg.bucket)
    text = text_data.batches(rng, cfg.batch_tokens, cfg.text_bucket) if text_data is not None else None
    stream = interleaved_batches(rng, whole, text, cfg.text_share)
    for _ in range(skip):
        next(stream)
    return stream


# Settings a resumed run may change: how long, on how many threads and in what precision (the
# machine's) it runs, not what it learns.
RESUMABLE_CHANGES = {"minutes", "checkpoint_minutes", "threads", "bf16"}


def resume_mismatch(run_json: Path, cfg: "TrainConfig", shape: "ModelShape", without_picture_codes: bool) -> str:
    """The settings that differ from those the run in `run_json` was started with ("" when none,
    or when the run predates the file): a resumed stage must not mix two recipes."""
    if not run_json.exists():
        return ""
    started = json.loads(run_json.read_text())
    now = asdict(cfg)
    differences = [f"{key} {value!r} then, {now.get(key)!r} now" for key, value in started.get("train", {}).items()
                   if key not in RESUMABLE_CHANGES and key in now and now[key] != value]
    if started.get("shape") not in (None, asdict(shape)):
        differences.append(f"shape {started['shape']} then, {asdict(shape)} now")
    if started.get("without_picture_codes", without_picture_codes) != without_picture_codes:
        differences.append(f"without_picture_codes {started['without_picture_codes']} then, {without_picture_codes} now")
    return "; ".join(differences)


def log(out: Path, text: str) -> None:
    line = time.strftime("%H:%M:%S ") + text
    print(line, flush=True)
    with open(out / "log.txt", "a") as f:
        f.write(line + "\n")


class Dataset:
    """Conversations as flat token/mask arrays with offsets (see build_dataset.py)."""

    def __init__(self, directory: Path, max_length: int, without_picture_codes: bool = False,
                 keep_positions: bool = False):
        """`without_picture_codes`: every conversation with its picture codes taken out (the
        begin- and end-image tokens stay), a text-only view of the same dialogues. With
        `keep_positions` its tokens keep the positions they have in the whole conversation (the
        rotary distance from a reply to an earlier description still spans the picture between),
        given to the model as position ids."""
        self.ids = np.load(directory / "ids.npy", mmap_mode="r")
        self.mask = np.load(directory / "mask.npy", mmap_mode="r")
        self.offsets = np.load(directory / "offsets.npy")
        self.meta = json.loads((directory / "meta.json").read_text())
        self.positions: np.ndarray | None = None
        if without_picture_codes:
            if keep_positions:
                self.positions = self.text_only_positions(self.ids, self.offsets, self.meta["image_token_ids"])
            self.ids, self.mask, self.offsets = self.text_only(self.ids, self.mask, self.offsets,
                                                               self.meta["image_token_ids"])
        lengths = np.diff(self.offsets)
        self.indices = np.nonzero((lengths <= max_length) & (lengths > 1))[0]
        self.lengths = lengths

    def batches(self, rng: random.Random, batch_tokens: int, bucket: int):
        """Endless batches of similar-length conversations, each of a fixed shape.

        Rows are padded to a multiple of `bucket` tokens and a batch holds exactly
        `batch_tokens // padded_length` rows (empty rows fill the last batch of a length), so
        training sees a few dozen tensor shapes instead of thousands. With many shapes glibc's
        malloc kept growing (+0.4 GB a minute), and capping its mmap threshold to stop that halved
        the training speed.
        """
        window_size = 4096
        while True:
            order = list(self.indices)
            rng.shuffle(order)
            for w in range(0, len(order), window_size):
                window = sorted(order[w:w + window_size], key=lambda i: self.lengths[i])
                batches: list[list[int]] = []
                batch: list[int] = []
                for i in window:
                    padded = self.padded_length(int(self.lengths[i]), bucket)
                    if batch and (padded != self.padded_length(int(self.lengths[batch[-1]]), bucket)
                                  or len(batch) == max(1, batch_tokens // padded)):
                        batches.append(batch)
                        batch = []
                    batch.append(i)
                if batch:
                    batches.append(batch)
                rng.shuffle(batches)
                yield from batches

    @staticmethod
    def text_only(ids: np.ndarray, mask: np.ndarray, offsets: np.ndarray,
                  image_token_ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, mask, offsets) with every picture code removed from every conversation."""
        keep = ~np.isin(ids, image_token_ids)
        kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        return np.asarray(ids)[keep], np.asarray(mask)[keep], kept_before[offsets]

    @staticmethod
    def text_only_positions(ids: np.ndarray, offsets: np.ndarray, image_token_ids: list[int]) -> np.ndarray:
        """For each token `text_only` keeps, its position within its whole conversation."""
        keep = ~np.isin(ids, image_token_ids)
        starts = np.repeat(offsets[:-1], np.diff(offsets)).astype(np.int64)
        positions = np.arange(len(ids), dtype=np.int64) - starts
        return positions[keep].astype(np.int32)

    @staticmethod
    def padded_length(length: int, bucket: int) -> int:
        return -(-length // bucket) * bucket

    def tensors(self, batch: list[int], pad: int, batch_tokens: int,
                bucket: int) -> tuple[torch.Tensor, torch.Tensor, int, torch.Tensor | None]:
        """(ids, loss mask, real tokens, position ids or None) of one fixed-shape batch; padding
        sits after each row's tokens, where the causal mask already keeps it out of every real
        token's view. Position ids come with `keep_positions` (padding continues from the row's
        last position)."""
        length = self.padded_length(max(int(self.lengths[i]) for i in batch), bucket)
        rows = max(1, batch_tokens // length)
        ids = np.full((rows, length), pad, dtype=np.int64)
        mask = np.zeros((rows, length), dtype=np.float32)
        positions = None if self.positions is None else np.tile(np.arange(length, dtype=np.int64), (rows, 1))
        real = 0
        for row, i in enumerate(batch):
            a, b = int(self.offsets[i]), int(self.offsets[i + 1])
            ids[row, : b - a] = self.ids[a:b]
            mask[row, : b - a] = self.mask[a:b]
            if positions is not None and b > a:
                positions[row, : b - a] = self.positions[a:b]
                positions[row, b - a:] = self.positions[b - 1] + 1 + np.arange(length - (b - a))
            real += b - a
        return (torch.from_numpy(ids), torch.from_numpy(mask), real,
                None if positions is None else torch.from_numpy(positions))


def resident_gib() -> float:
    """Resident memory of this process now (Linux), to catch allocator growth in long runs."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**30


def make_model(shape: ModelShape, meta: dict) -> ChameleonForConditionalGeneration:
    config = ChameleonConfig(
        vocab_size=meta["vocab_size"], vq_config=meta["vq_config"], vocabulary_map=meta["vocabulary_map"],
        rms_norm_eps=1e-5, tie_word_embeddings=False, bos_token_id=meta["bos"], eos_token_id=meta["eos"],
        pad_token_id=meta["pad"], **asdict(shape),
    )
    model = ChameleonForConditionalGeneration(config)
    return model


def decoder_hidden(model: ChameleonForConditionalGeneration, ids: torch.Tensor,
                   positions: torch.Tensor | None) -> torch.Tensor:
    """The decoder's last hidden states for `ids`, at `positions` when given.

    No key-value cache is built (training and teacher-forced probes need none). Given position
    ids, no attention mask and no cache, transformers reads every jump in the ids as the start of
    another sequence packed into the row and masks attention across it. Rows of `--keep-positions`
    jump wherever a picture's codes were taken out, so they come with an all-ones mask: one
    conversation, causal.
    """
    mask = None if positions is None else torch.ones_like(ids)
    return model.model(input_ids=ids, position_ids=positions, attention_mask=mask, use_cache=False).last_hidden_state


def load_trained(run: Path, data: Path) -> tuple[ChameleonForConditionalGeneration, dict, dict]:
    """(model in eval mode, the dataset's meta.json, the checkpoint) of a training run."""
    meta = json.loads((data / "meta.json").read_text())
    state = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    model = make_model(ModelShape(**state["shape"]), meta)
    model.load_state_dict(state["model"])
    model.eval()
    return model, meta, state


def lr_at(step: int, total: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps))
    return cfg.learning_rate * (cfg.min_lr_fraction + (1 - cfg.min_lr_fraction) * 0.5 * (1 + math.cos(math.pi * progress)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=60.0,
                        help="wall-clock budget of training (with --steps: of this invocation; a rerun goes on)")
    parser.add_argument("--steps", type=int, default=0, help="total steps: the LR schedule's length and where training stops (0: estimate from --minutes); "
                             "a step budget makes a run independent of the machine's load, --minutes stays a ceiling")
    parser.add_argument("--until-step", type=int, default=0,
                        help="stop (with a checkpoint) at this step while the schedule stays that of --steps: "
                             "A/B comparisons at equal steps")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--batch-tokens", type=int, default=12288)
    parser.add_argument("--rope-theta", type=float, default=10000.0,
                        help="rotary base; (8/pi)^8 = 1759.3 makes one rotary frequency of a 64-wide head turn once "
                             "every 16 positions, one row of the 16x16 code grid")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--text-weight", type=float, default=1.0,
                        help="loss weight of text tokens relative to picture codes (learned tokens only)")
    parser.add_argument("--novel-code-weight", type=float, default=1.0,
                        help="loss weight of picture codes that differ from the codes above and left of them "
                             "(novel_codes), relative to other codes")
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--bucket", type=int, default=128,
                        help="rows are padded to a multiple of this many tokens (see Dataset.batches); "
                             "32 suits the short text-only conversations of --without-picture-codes")
    parser.add_argument("--without-picture-codes", action="store_true",
                        help="train on the conversations' text alone (picture codes taken out, the begin- and "
                             "end-image tokens kept): a short first stage in which a step holds ~7x the text, "
                             "so the replies learn to restate the request before pictures take the capacity")
    parser.add_argument("--keep-positions", action="store_true",
                        help="text-only batches (--without-picture-codes, --text-share) keep each token's position in "
                             "the whole conversation, so copying from an earlier description is learned over the "
                             "distance a picture puts between them")
    parser.add_argument("--text-share", type=float, default=0.0,
                        help="share of steps that train on a batch of the text-only view (as --without-picture-codes, "
                             "rows padded to 32 tokens) instead of the whole conversations")
    parser.add_argument("--init-from", type=Path, default=None,
                        help="a finished run's checkpoint.pt: start from its weights and optimizer moments "
                             "with a fresh schedule (a second stage); ignored once this run has its own checkpoint")
    args = parser.parse_args()

    cfg = TrainConfig(seed=args.seed, minutes=args.minutes, threads=args.threads,
                      batch_tokens=args.batch_tokens, learning_rate=args.lr, text_weight=args.text_weight,
                      novel_code_weight=args.novel_code_weight,
                      warmup_steps=args.warmup_steps, bucket=args.bucket, text_share=args.text_share,
                      keep_positions=args.keep_positions)
    if not 0.0 <= cfg.text_share < 1.0:
        raise SystemExit(f"--text-share must be in [0, 1), not {cfg.text_share}")
    shape = ModelShape(hidden_size=args.hidden, num_hidden_layers=args.layers, num_attention_heads=args.heads,
                       num_key_value_heads=args.heads, rope_theta=args.rope_theta, intermediate_size=int(256 * math.ceil(args.hidden * 8 / 3 / 256)) if args.hidden >= 256 else args.hidden * 3)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    cfg.bf16 = cfg.bf16 and bf16_autocast_is_fast(device)  # as run, so run.json says what ran
    data = Dataset(args.data, cfg.max_length, without_picture_codes=args.without_picture_codes,
                   keep_positions=cfg.keep_positions)
    text_data = (Dataset(args.data, cfg.max_length, without_picture_codes=True, keep_positions=cfg.keep_positions)
                 if cfg.text_share > 0 else None)
    meta = data.meta

    torch.manual_seed(cfg.seed)
    model = make_model(shape, meta).to(device)
    model.train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "vqmodel" not in n]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 and "vqmodel" not in n]
    for n, p in model.named_parameters():
        if "vqmodel" in n:
            p.requires_grad_(False)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=cfg.learning_rate, betas=(0.9, 0.95))
    step, tokens_seen, elapsed_before = 0, 0, 0.0
    checkpoint = args.out / "checkpoint.pt"
    if checkpoint.exists():
        mismatch = resume_mismatch(args.out / "run.json", cfg, shape, args.without_picture_codes)
        if mismatch:
            raise SystemExit(f"{args.out} was started with other settings ({mismatch}); "
                             "resume it with those, or train into a new --out")
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, tokens_seen, elapsed_before = state["step"], state["tokens_seen"], state["elapsed"]
        torch.set_rng_state(state["torch_rng"])
        log(args.out, f"resumed at step {step}, {tokens_seen} tokens, {elapsed_before / 60:.1f} min")
    else:
        if args.init_from is not None:
            # A second stage: the earlier run's weights and Adam moments, this run's schedule,
            # seed and loss weights. Steps, tokens and minutes count from zero for this stage.
            state = torch.load(args.init_from, map_location=device, weights_only=False)
            if state.get("shape") != asdict(shape):
                raise SystemExit(f"{args.init_from} has shape {state.get('shape')}, not {asdict(shape)}")
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            log(args.out, f"initialised from {args.init_from} (its step {state['step']}, {state['tokens_seen']} tokens)")
        (args.out / "run.json").write_text(json.dumps({"train": asdict(cfg), "shape": asdict(shape), "data": str(args.data),
                                                       "init_from": str(args.init_from) if args.init_from else None,
                                                       "without_picture_codes": args.without_picture_codes}, indent=2))
        params = sum(p.numel() for n, p in model.named_parameters() if "vqmodel" not in n)
        log(args.out, f"start: {params / 1e6:.2f}M LM parameters, {len(data.indices)} conversations, "
                     f"{'bf16 autocast' if cfg.bf16 else 'float32'} on {device}, shape {asdict(shape)}")

    image_ids = torch.tensor(meta["image_token_ids"], device=device)
    is_image = torch.zeros(meta["vocab_size"], dtype=torch.bool, device=device)
    is_image[image_ids] = True
    batches = batch_stream(cfg.seed, data, text_data, cfg, skip=step)
    total_steps = args.steps
    start = time.time()
    last_checkpoint = start
    window = {"loss": 0.0, "img": 0.0, "txt": 0.0, "novel": 0.0, "n_img": 0.0, "n_txt": 0.0, "n_novel": 0.0,
              "tokens": 0, "steps": 0}
    begin_image = meta["vocabulary_map"][BUILTIN.begin_image]
    grid = VQ_GRID

    def save() -> None:
        temporary = args.out / "checkpoint.pt.tmp"
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                    "tokens_seen": tokens_seen, "elapsed": elapsed_before + time.time() - start,
                    "torch_rng": torch.get_rng_state(), "shape": asdict(shape)}, temporary)
        os.replace(temporary, checkpoint)

    while True:
        elapsed = elapsed_before + time.time() - start
        # With a step budget the minutes cap this invocation only: a run cut by them goes on
        # when started again, instead of stopping short of its schedule for good.
        spent = time.time() - start if total_steps else elapsed
        if spent >= cfg.minutes * 60 or (total_steps and step >= total_steps) or (args.until_step and step >= args.until_step):
            break
        if total_steps == 0 and step >= 20:
            rate = step / max(1e-9, elapsed)
            planned = int(rate * cfg.minutes * 60)
        else:
            planned = total_steps or 10**6
        lr = lr_at(step, planned, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        is_text, batch = next(batches)
        source, bucket = (text_data, cfg.text_bucket) if is_text else (data, cfg.bucket)
        ids, mask, real_tokens, positions = source.tensors(batch, meta["pad"], cfg.batch_tokens, bucket)
        ids, mask = ids.to(device), mask.to(device)
        if positions is not None:
            positions = positions.to(device)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=cfg.bf16):
            hidden = decoder_hidden(model, ids, positions)
            logits = model.lm_head(hidden[:, :-1])
        targets = ids[:, 1:]
        weights = mask[:, 1:]
        if cfg.text_weight != 1.0:
            # A picture is ~256 learned codes against ~20 words of description, so the words that
            # must copy the request get a small share of the gradient unless weighted up.
            trained = weights * torch.where(is_image[targets], 1.0, cfg.text_weight)
        else:
            trained = weights
        novel = novel_codes(targets, is_image, begin_image, grid)
        if cfg.novel_code_weight != 1.0:
            trained = trained * torch.where(novel, cfg.novel_code_weight, 1.0)
        losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none").reshape(targets.shape)
        loss = (losses * trained).sum() / trained.sum().clamp(min=1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        step += 1
        tokens_seen += real_tokens
        with torch.no_grad():
            image_weight = weights * is_image[targets]
            text_weight = weights - image_weight
            window["loss"] += float(loss)
            window["img"] += float((losses * image_weight).sum())
            window["n_img"] += float(image_weight.sum())
            window["txt"] += float((losses * text_weight).sum())
            novel_weight = weights * novel
            window["novel"] += float((losses * novel_weight).sum())
            window["n_novel"] += float(novel_weight.sum())
            window["n_txt"] += float(text_weight.sum())
            window["tokens"] += real_tokens
            window["steps"] += 1
        if step % 20 == 0:
            spent = elapsed_before + time.time() - start
            log(args.out, f"step {step}/{planned} loss {window['loss'] / window['steps']:.4f} "
                f"image {window['img'] / max(1, window['n_img']):.4f} novel {window['novel'] / max(1, window['n_novel']):.4f} text {window['txt'] / max(1, window['n_txt']):.4f} "
                f"lr {lr:.2e} tok/s {tokens_seen / max(1e-9, spent):.0f} tokens {tokens_seen} min {spent / 60:.1f} "
                f"rss {resident_gib():.2f} GiB")
            window = {k: 0 for k in window}
        if time.time() - last_checkpoint > cfg.checkpoint_minutes * 60:
            save()
            last_checkpoint = time.time()
    save()
    log(args.out, f"done at step {step}, {tokens_seen} tokens")


if __name__ == "__main__":
    main()
