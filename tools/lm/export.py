#!/usr/bin/env python3
"""Write the built-in model directory from a training checkpoint and the trained VQGAN.

The result is a Chameleon-format checkpoint that transformers' ChameleonForConditionalGeneration
loads (it warns only about the VQ decoder tensors, which transformers does not implement):

    config.json          ChameleonConfig with vq_config and vocabulary_map
    model.safetensors    language model in bf16, `model.vqmodel.*` (encoder, codebook, decoder) in f16
    tokenizer.json       the byte-level BPE tokenizer with Chameleon's special and image tokens
    conversation.json    how turns are delimited (tools/lm/conversation_format.py)
    generation_config.json  sampling defaults (tools/lm/generation_config.json)
    training.json        command, seed, data and final losses, for the record

    .venv/bin/python -m tools.lm.export --run runs/lm2/stage2 --data runs/lm2/data --vqgan runs/vqgan/merged --out models/builtin
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from tools.lm.train import ModelShape, make_model

GENERATION_CONFIG = Path(__file__).with_name("generation_config.json")


def vqgan_record(directory: Path) -> dict:
    """What the VQGAN run and the code merge reported (runs/vqgan/log.txt, merge_report.json)."""
    record: dict = {"directory": str(directory)}
    report = directory / "merge_report.json"
    if report.exists():
        record["merge"] = {k: v for k, v in json.loads(report.read_text()).items() if k != "kept"}
    log = directory.parent / "log.txt"
    if log.exists():
        evals = [line.split(" eval ", 1)[1] for line in log.read_text().splitlines() if " eval " in line]
        if evals:
            record["final_evaluation"] = json.loads(evals[-1])
    return record


def stage_record(run_directory: Path) -> dict:
    """Steps, tokens, minutes, last loss line and settings of one training run (a stage)."""
    state = torch.load(run_directory / "checkpoint.pt", map_location="cpu", weights_only=False)
    log_lines = (run_directory / "log.txt").read_text().splitlines()
    last_loss = next((line for line in reversed(log_lines) if " loss " in line), "")
    run = json.loads((run_directory / "run.json").read_text()) if (run_directory / "run.json").exists() else {}
    record = {"run": str(run_directory), "steps": state["step"], "tokens_seen": state["tokens_seen"],
              "minutes": round(state["elapsed"] / 60, 1), "last_log_line": last_loss,
              "shape": state["shape"], "train": run.get("train")}
    if run.get("init_from"):
        # A later stage: its weights started from an earlier run's checkpoint.
        record["initialised_from"] = stage_record(Path(run["init_from"]).parent)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="training output directory (checkpoint.pt, log.txt)")
    parser.add_argument("--data", type=Path, required=True, help="dataset directory (meta.json, tokenizer.json)")
    parser.add_argument("--vqgan", type=Path, required=True, help="exported VQGAN directory")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    meta = json.loads((args.data / "meta.json").read_text())
    vq_config = json.loads((args.vqgan / "vq_config.json").read_text())
    if vq_config != meta["vq_config"]:
        raise SystemExit(f"{args.vqgan}: its vq_config is not the one {args.data} was built with")
    state = torch.load(args.run / "checkpoint.pt", map_location="cpu", weights_only=False)
    model = make_model(ModelShape(**state["shape"]), meta)
    model.load_state_dict(state["model"])
    model.eval()

    args.out.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(args.out)
    tensors = {}
    for name, tensor in model.state_dict().items():
        if name.startswith("model.vqmodel."):
            continue
        tensors[name] = tensor.detach().to(torch.bfloat16).contiguous()
    for name, tensor in load_file(str(args.vqgan / "vqgan.safetensors")).items():
        tensors[name] = tensor.to(torch.float16).contiguous()
    temporary = args.out / "model.safetensors.tmp"
    save_file(tensors, str(temporary), metadata={"format": "pt"})
    temporary.replace(args.out / "model.safetensors")
    shutil.copy(args.data / "tokenizer.json", args.out / "tokenizer.json")
    shutil.copy(args.data / "conversation.json", args.out / "conversation.json")
    # The model's sampling defaults (chosen by evaluation, see README), read by omnichat.
    shutil.copy(GENERATION_CONFIG, args.out / "generation_config.json")

    (args.out / "training.json").write_text(json.dumps({
        "language_model": stage_record(args.run),
        "data": {k: meta[k] for k in ("conversations", "tokens", "learned_tokens", "seed", "vqgan") if k in meta},
        "vqgan": vqgan_record(args.vqgan),
    }, indent=2) + "\n")
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {args.out}: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
