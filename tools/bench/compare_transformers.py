#!/usr/bin/env python3
"""Decode and prefill speed of omnichat against transformers (PyTorch, CPU) on one checkpoint.

Builds (once, cached under runs/bench/) a random-weight Chameleon checkpoint of the chosen shape,
saved by transformers itself in bf16 with a small Chameleon-style tokenizer, then measures in
alternation, round after round (A B A B, because this machine's memory bandwidth changes regime
over minutes): `omnichat bench` for each weight format asked, and transformers'
ChameleonForConditionalGeneration in bf16 (prefill of the same prompt length, then greedy decode
with its KV cache), each after one untimed warm-up pass. Prints both speeds, their ratios, and the bandwidth omnichat's probe read in
the same round.

    .venv/bin/python tools/bench/compare_transformers.py --shape 1b --formats bf16,q8,q4 --rounds 2

Shapes as in `omnichat bench --shape`: tiny (hidden 512, 8 layers), 1b (2048, 16 layers,
intermediate 5504, vocabulary 65536), 7b (Chameleon-7B; about 14 GB on disk and in memory).
Needs a release build: swift build -c release.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SHAPES = {
    "tiny": dict(hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=8, intermediate_size=1376, vocab_size=16384),
    "1b": dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=16, num_key_value_heads=16, intermediate_size=5504, vocab_size=65536),
    "7b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32, intermediate_size=11008, vocab_size=65536),
}
CODES = 8192


def build_checkpoint(shape: str, directory: Path) -> None:
    """A random bf16 checkpoint that both engines load (config.json, model.safetensors, tokenizer.json)."""
    if (directory / "config.json").exists():
        return
    from transformers import ChameleonConfig, ChameleonForConditionalGeneration

    from tools.chameleon_tokenizer import build_tokenizer

    directory.mkdir(parents=True, exist_ok=True)
    texts = ["draw a red circle on a blue background", "hello, what can you draw?"] * 50
    tokenizer = build_tokenizer(texts, vocab_size=CODES + 400, num_image_codes=CODES)
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    fields = SHAPES[shape]
    config = ChameleonConfig(vocabulary_map=vocab, bos_token_id=vocab["<s>"], eos_token_id=vocab["</s>"],
                             pad_token_id=vocab["<pad>"], max_position_embeddings=4096, **fields)
    torch.manual_seed(0)
    # Built in bf16 from the start: the 7b shape in float32 (28 GB) would not fit in memory.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        model = ChameleonForConditionalGeneration(config)
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(directory, max_shard_size="2GB")
    tokenizer.save(str(directory / "tokenizer.json"))


def omnichat(binary: Path, directory: Path, fmt: str, prompt: int, gen: int) -> dict:
    out = subprocess.run([str(binary), "bench", "--model", str(directory), "--weights", fmt, "--prompt-tokens", str(prompt),
                          "--gen-tokens", str(gen), "--repetitions", "1", "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def transformers_speed(model, vocab_size: int, prompt: int, gen: int) -> dict:
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, min(vocab_size, 4000), (1, prompt), generator=generator)
    with torch.inference_mode():
        start = time.perf_counter()
        # Logits of the last position only, as omnichat's prefill computes them (transformers 5
        # names the KV cache `cache`, in and out).
        out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
        prefill = time.perf_counter() - start
        cache = out.cache
        token = out.logits[:, -1:].argmax(-1)
        start = time.perf_counter()
        for _ in range(gen):
            out = model(input_ids=token, cache=cache, use_cache=True, logits_to_keep=1)
            cache = out.cache
            token = out.logits[:, -1:].argmax(-1)
        decode = time.perf_counter() - start
    return {"prefill_tokens_per_s": prompt / prefill, "decode_tokens_per_s": gen / decode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=SHAPES, default="1b")
    parser.add_argument("--formats", default="bf16,q8,q4", help="omnichat weight formats, comma-separated")
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--gen-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--binary", type=Path, default=ROOT / ".build/release/omnichat")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs/bench")
    parser.add_argument("--build-only", action="store_true", help="write the checkpoint and stop")
    parser.add_argument("--torch-dtypes", default="bf16",
                        help="transformers' computation dtypes, comma-separated (bf16, f32): on a CPU without "
                             "AVX512-BF16, PyTorch's bf16 matrix products fall back to slow loops, and f32 is what "
                             "a transformers user there would run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    directory = args.cache / f"random-{args.shape}"
    build_checkpoint(args.shape, directory)
    if args.build_only:
        print(directory)
        return
    from transformers import ChameleonForConditionalGeneration

    formats = [f for f in args.formats.split(",") if f]
    dtypes = {"bf16": torch.bfloat16, "f32": torch.float32}
    torch_dtypes = [d for d in args.torch_dtypes.split(",") if d]
    if unknown := [d for d in torch_dtypes if d not in dtypes]:
        raise SystemExit(f"unknown --torch-dtypes {unknown}: bf16 or f32")
    ours: dict[str, list[dict]] = {f: [] for f in formats}
    theirs: dict[str, list[dict]] = {d: [] for d in torch_dtypes}
    for round_index in range(args.rounds):
        for fmt in formats:
            ours[fmt].append(omnichat(args.binary, directory, fmt, args.prompt_tokens, args.gen_tokens))
            r = ours[fmt][-1]
            print(f"round {round_index + 1} omnichat {fmt}: prefill {r['prefill_tokens_per_s']:.1f} tok/s, decode "
                  f"{r['decode_tokens_per_s']:.2f} tok/s, bandwidth {r['read_bandwidth_gb_per_s']:.1f} GB/s", flush=True)
        for name in torch_dtypes:
            model = ChameleonForConditionalGeneration.from_pretrained(directory, dtype=dtypes[name]).eval()
            transformers_speed(model, SHAPES[args.shape]["vocab_size"], args.prompt_tokens, 1)  # warm-up, as omnichat bench does
            theirs[name].append(transformers_speed(model, SHAPES[args.shape]["vocab_size"], args.prompt_tokens, args.gen_tokens))
            del model
            print(f"round {round_index + 1} transformers {name}: prefill {theirs[name][-1]['prefill_tokens_per_s']:.1f} tok/s, "
                  f"decode {theirs[name][-1]['decode_tokens_per_s']:.2f} tok/s", flush=True)

    # Ratios are against the first dtype named (bf16 by default).
    means = {name: (statistics.mean(t["prefill_tokens_per_s"] for t in runs), statistics.mean(t["decode_tokens_per_s"] for t in runs))
             for name, runs in theirs.items()}
    base_prefill, base_decode = means[torch_dtypes[0]]
    print(f"\n{args.shape}, {args.prompt_tokens}-token prompt, {args.gen_tokens} decoded tokens, {args.threads} threads, "
          f"means of {args.rounds} interleaved rounds; ratios against transformers {torch_dtypes[0]}")
    print("| engine | weights | prefill tok/s | decode tok/s | decode share of bandwidth limit | prefill ratio | decode ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, (prefill, decode) in means.items():
        print(f"| transformers | {name} | {prefill:.1f} | {decode:.2f} | | {prefill / base_prefill:.2f} | {decode / base_decode:.2f} |")
    for fmt, runs in ours.items():
        prefill = statistics.mean(r["prefill_tokens_per_s"] for r in runs)
        decode = statistics.mean(r["decode_tokens_per_s"] for r in runs)
        share = statistics.mean(r["decode_tokens_per_s"] * r["bytes_read_per_token"] / (r["read_bandwidth_gb_per_s"] * 1e9)
                                for r in runs)
        print(f"| omnichat | {fmt} | {prefill:.1f} | {decode:.2f} | {share * 100:.0f}% | {prefill / base_prefill:.2f} | "
              f"{decode / base_decode:.2f} |")


if __name__ == "__main__":
    main()
