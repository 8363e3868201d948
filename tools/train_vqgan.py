"""Train the world VQGAN (Chameleon layout). One command, fixed seed, resumable.

    .venv/bin/python tools/train_vqgan.py                 # train or resume runs/vqgan
    .venv/bin/python tools/train_vqgan.py --max-minutes 5 # stop after 5 minutes (resumable)
    .venv/bin/python tools/train_vqgan.py --evaluate      # metrics of the current checkpoint

Re-running the same command resumes from runs/vqgan/checkpoint.pt. Log: runs/vqgan/log.txt.
Exported weights: runs/vqgan/export/{vqgan.safetensors,vq_config.json}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads: no spinning BLAS threads

from tools.vqgan.train import Trainer, TrainConfig, evaluate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/vqgan", help="run directory (checkpoint, log, export)")
    parser.add_argument("--fresh", action="store_true", help="start over even if a checkpoint exists")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop after this much wall time")
    parser.add_argument("--until-step", type=int, default=None,
                        help="stop at this step (checkpointed) without changing the schedule of --max-steps")
    parser.add_argument("--evaluate", action="store_true", help="only print metrics of the checkpoint")
    defaults = TrainConfig()
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        if field.type in ("bool", bool):
            parser.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"), default=getattr(defaults, field.name))
        else:
            kind = {"int": int, "float": float}[str(field.type)]
            parser.add_argument(flag, type=kind, default=getattr(defaults, field.name))
    args = parser.parse_args()
    config = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
    out_dir = Path(args.out)
    trainer = Trainer(out_dir, config)
    if trainer.checkpoint_path.exists() and not args.fresh:
        trainer.load()
    elif args.evaluate:
        print(f"no checkpoint at {trainer.checkpoint_path}", file=sys.stderr)
        return 1
    if args.evaluate:
        print(json.dumps(evaluate(trainer.model, config), sort_keys=True))
        return 0
    if args.fresh and (out_dir / "log.txt").exists():
        (out_dir / "log.txt").unlink()
    trainer.run(args.max_minutes, args.until_step)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
