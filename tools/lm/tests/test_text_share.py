"""Text-only batches interleaved with whole conversations (train.py --text-share)."""

from __future__ import annotations

import itertools
import random
import unittest

import numpy as np

import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from tools.lm.train import Dataset, ModelShape, TrainConfig, batch_stream, interleaved_batches, resume_mismatch


def stream(name: str):
    return (f"{name}{i}" for i in itertools.count())


class TextShare(unittest.TestCase):
    def draw(self, share: float, count: int, seed: int = 5) -> list[tuple[bool, str]]:
        pairs = interleaved_batches(random.Random(seed), stream("whole"), stream("text"), share)
        return list(itertools.islice(pairs, count))

    def test_the_share_of_text_batches_is_honoured_and_each_stream_stays_in_order(self):
        drawn = self.draw(0.25, 4000)
        texts = [batch for is_text, batch in drawn if is_text]
        wholes = [batch for is_text, batch in drawn if not is_text]
        self.assertAlmostEqual(len(texts) / len(drawn), 0.25, delta=0.03)
        self.assertEqual(texts, [f"text{i}" for i in range(len(texts))])
        self.assertEqual(wholes, [f"whole{i}" for i in range(len(wholes))])

    def test_share_zero_draws_no_random_numbers_and_no_text(self):
        rng = random.Random(9)
        before = rng.getstate()
        pairs = list(itertools.islice(interleaved_batches(rng, stream("whole"), None, 0.0), 50))
        self.assertEqual(pairs, [(False, f"whole{i}") for i in range(50)])
        self.assertEqual(rng.getstate(), before)

    def test_the_same_seed_gives_the_same_order(self):
        self.assertEqual(self.draw(0.3, 200, seed=3), self.draw(0.3, 200, seed=3))
        self.assertNotEqual(self.draw(0.3, 200, seed=3), self.draw(0.3, 200, seed=4))


if __name__ == "__main__":
    unittest.main()


class ResumedStream(unittest.TestCase):
    """A run resumed at step k sees the batches an uninterrupted run sees from step k on."""

    @staticmethod
    def dataset(conversations: int, seed: int) -> Dataset:
        generator = np.random.default_rng(seed)
        lengths = generator.integers(20, 200, size=conversations)
        data = Dataset.__new__(Dataset)
        data.offsets = np.concatenate([[0], np.cumsum(lengths)])
        data.lengths = lengths
        data.indices = np.arange(conversations)
        return data

    def test_skipping_k_batches_continues_the_uninterrupted_stream(self):
        whole, text = self.dataset(300, 1), self.dataset(300, 2)
        cfg = TrainConfig(batch_tokens=1024, bucket=32, text_share=0.2)
        uninterrupted = list(itertools.islice(batch_stream(7, whole, text, cfg), 400))
        for k in (1, 37, 250):  # within the first epoch and past it
            resumed = list(itertools.islice(batch_stream(7, whole, text, cfg, skip=k), 400 - k))
            self.assertEqual(resumed, uninterrupted[k:], f"resumed at {k}")
        self.assertNotEqual(list(itertools.islice(batch_stream(8, whole, text, cfg), 400)), uninterrupted)


class ResumeSettings(unittest.TestCase):
    """A stage resumed with other settings (a changed TEXT_SHARE, seed or shape) is refused;
    minutes and threads may change."""

    def test_only_time_and_threads_may_change(self):
        cfg, shape = TrainConfig(text_share=0.1, keep_positions=True), ModelShape()
        with tempfile.TemporaryDirectory() as folder:
            run_json = Path(folder) / "run.json"
            self.assertEqual(resume_mismatch(run_json, cfg, shape, False), "")  # no file: an older run
            run_json.write_text(json.dumps({"train": asdict(cfg), "shape": asdict(shape), "without_picture_codes": False}))
            self.assertEqual(resume_mismatch(run_json, replace(cfg, minutes=999, threads=1), shape, False), "")
            self.assertIn("text_share", resume_mismatch(run_json, replace(cfg, text_share=0.0), shape, False))
            self.assertIn("seed", resume_mismatch(run_json, replace(cfg, seed=1), shape, False))
            self.assertIn("shape", resume_mismatch(run_json, cfg, replace(shape, hidden_size=8), False))
            self.assertIn("without_picture_codes", resume_mismatch(run_json, cfg, shape, True))
