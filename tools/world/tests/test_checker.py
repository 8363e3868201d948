"""Scene checker: rendered pictures read back exactly; noise is tolerated; bad input is refused."""

from __future__ import annotations

import os
import random
import tempfile
import unittest

import numpy as np

from tools.world.checker import CheckerError, parse_image, parse_png
from tools.world.render import render, save_png
from tools.world.scene import Scene, Word, WorldObject, random_scene
from tools.world.spec import COLORS, POSITIONS, SHAPES, WORD_ALPHABET, sizes_allowed_at


class CleanPictures(unittest.TestCase):
    def test_every_single_object_placement_is_read_back(self):
        rng = random.Random(11)
        for position in POSITIONS:
            for size in sizes_allowed_at(position):
                for shape in SHAPES:
                    background, color = rng.sample(COLORS, 2)
                    scene = Scene(background, (WorldObject(shape, color, size, position),))
                    result = parse_image(render(scene))
                    self.assertEqual(result.scene, scene.canonical())
                    self.assertEqual(result.mismatched_pixels, 0)

    def test_every_letter_at_every_slot_is_read_back(self):
        rng = random.Random(12)
        for length in range(1, 7):
            for letter in WORD_ALPHABET:
                for slot in range(length):
                    text = "".join(rng.choice(WORD_ALPHABET) for _ in range(length))
                    text = text[:slot] + letter + text[slot + 1:]
                    background, color = rng.sample(COLORS, 2)
                    scene = Scene(background, word=Word(text, color))
                    self.assertEqual(parse_image(render(scene)).scene, scene)

    def test_random_scenes_round_trip(self):
        rng = random.Random(2024)
        count = 2000
        recovered = sum(parse_image(render(s)).scene.same_as(s) for s in (random_scene(rng, 0.3) for _ in range(count)))
        self.assertEqual(recovered, count)

    def test_same_coloured_neighbours_are_separate_objects(self):
        scene = Scene("white", (
            WorldObject("square", "red", "medium", "top left"),
            WorldObject("square", "red", "medium", "top"),
            WorldObject("circle", "red", "medium", "left"),
        ))
        self.assertTrue(scene.is_valid())
        self.assertTrue(parse_image(render(scene)).scene.same_as(scene))


class NoisyPictures(unittest.TestCase):
    def test_reconstruction_noise_is_tolerated(self):
        rng = random.Random(99)
        noise = np.random.default_rng(99)
        count = 300
        recovered = 0
        for _ in range(count):
            scene = random_scene(rng, 0.3)
            image = render(scene).astype(np.float32) + noise.normal(0, 12, (64, 64, 3))
            flips = noise.random((64, 64)) < 0.005  # a few wrong pixels, as a decoder may leave
            image[flips] = noise.integers(0, 256, (int(flips.sum()), 3))
            recovered += parse_image(np.clip(image, 0, 255)).scene.same_as(scene)
        self.assertGreaterEqual(recovered / count, 0.98)

    def test_a_shape_missing_a_third_of_its_pixels_is_still_read(self):
        from tools.world.render import shape_mask
        from tools.world.spec import PALETTE

        scene = Scene("green", (WorldObject("star", "purple", "small", "bottom"),
                                WorldObject("ring", "cyan", "medium", "top")))
        image = render(scene)
        ys, xs = np.nonzero(shape_mask("star", "small", "bottom"))
        lost = np.random.default_rng(0).permutation(len(ys))[: len(ys) // 3]
        image[ys[lost], xs[lost]] = PALETTE["green"]
        self.assertTrue(parse_image(image).scene.same_as(scene))

    def test_letters_with_blurred_pixels_are_still_read(self):
        from tools.world.font import word_mask
        from tools.world.spec import PALETTE

        scene = Scene("pink", word=Word("MSA", "brown"))
        image = render(scene)
        ys, xs = np.nonzero(word_mask("MSA"))
        hit = np.random.default_rng(1).permutation(len(ys))[: len(ys) // 8]
        image[ys[hit], xs[hit]] = PALETTE["orange"]  # a blend between the two colours
        self.assertEqual(parse_image(image).scene, scene)

    def test_a_changed_attribute_is_noticed(self):
        scene = Scene("blue", (WorldObject("star", "yellow", "medium", "top right"),))
        for changed in (
            Scene("blue", (WorldObject("heart", "yellow", "medium", "top right"),)),
            Scene("blue", (WorldObject("star", "orange", "medium", "top right"),)),
            Scene("blue", (WorldObject("star", "yellow", "small", "top right"),)),
            Scene("blue", (WorldObject("star", "yellow", "medium", "right"),)),
            Scene("green", (WorldObject("star", "yellow", "medium", "top right"),)),
        ):
            self.assertFalse(parse_image(render(changed)).scene.same_as(scene))
            self.assertTrue(parse_image(render(changed)).scene.same_as(changed))


class BadInput(unittest.TestCase):
    def test_wrong_size_is_refused(self):
        with self.assertRaises(CheckerError):
            parse_image(np.zeros((32, 32, 3), dtype=np.uint8))
        with self.assertRaises(CheckerError):
            parse_image(np.zeros((64, 64), dtype=np.uint8))

    def test_png_round_trip_and_corrupt_file(self):
        scene = Scene("black", word=Word("OMNI", "cyan"))
        with tempfile.TemporaryDirectory() as folder:
            good = os.path.join(folder, "a.png")
            save_png(scene, good)
            self.assertEqual(parse_png(good).scene, scene)
            bad = os.path.join(folder, "b.png")
            with open(good, "rb") as handle:
                data = handle.read()
            with open(bad, "wb") as handle:
                handle.write(data[: len(data) // 3])
            with self.assertRaises(CheckerError):
                parse_png(bad)
            with self.assertRaises(CheckerError):
                parse_png(os.path.join(folder, "missing.png"))


if __name__ == "__main__":
    unittest.main()
