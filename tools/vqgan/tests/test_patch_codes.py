"""The designed patch codes: world pictures go to codes and back with (nearly) every pixel right,
a code depends only on its own patch, and the code count is what the VQGAN config declares."""

from __future__ import annotations

import random
import unittest

import numpy as np

from tools.vqgan.patch_codes import COLOR_COUNT, code_count, decode_codes, encode_indices, enumerate_masks
from tools.world.render import render_indices
from tools.world.scene import Scene, WorldObject, Word, random_scene
from tools.world.spec import COLORS


class PatchCodes(unittest.TestCase):
    def test_world_pictures_round_trip(self):
        rng = random.Random(11)
        wrong = exact = 0
        for _ in range(300):
            indices = render_indices(random_scene(rng))
            back = decode_codes(encode_indices(indices))
            wrong += int((back != indices).sum())
            exact += int((back == indices).all())
        self.assertLess(wrong / (300 * indices.size), 0.001)
        self.assertGreater(exact, 250)

    def test_single_objects_and_words_are_exact(self):
        for scene in (Scene("blue", (WorldObject("star", "red", "medium", "top left"),), None),
                      Scene("white", (WorldObject("heart", "black", "large", "center"),), None),
                      Scene("green", (), Word("QUIZ", "yellow"))):
            indices = render_indices(scene)
            self.assertTrue((decode_codes(encode_indices(indices)) == indices).all(), scene)

    def test_a_code_depends_only_on_its_patch(self):
        alone = encode_indices(render_indices(Scene("blue", (WorldObject("ring", "red", "small", "top left"),), None)))
        with_another = encode_indices(render_indices(Scene("blue", (
            WorldObject("ring", "red", "small", "top left"), WorldObject("cross", "cyan", "small", "bottom right")), None)))
        top_left = np.arange(256).reshape(16, 16)[:6, :6].ravel()
        self.assertTrue((alone[top_left] == with_another[top_left]).all())
        self.assertTrue((alone[:16] == COLORS.index("blue")).all(), "a plain background row is one code")

    def test_code_layout(self):
        masks = enumerate_masks()
        self.assertEqual(code_count(), COLOR_COUNT * (1 + len(masks)))
        self.assertFalse(masks.all(axis=1).any() or (~masks).all(axis=1).any(), "masks are mixed")
        self.assertEqual(len({m.tobytes() for m in masks}), len(masks), "masks are distinct")

    def test_rejects_a_picture_of_the_wrong_size(self):
        with self.assertRaises(ValueError):
            encode_indices(np.zeros((32, 32), dtype=np.int64))


if __name__ == "__main__":
    unittest.main()
