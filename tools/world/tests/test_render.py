"""Renderer and scene rules against world.md."""

from __future__ import annotations

import itertools
import random
import unittest
from collections import deque

import numpy as np

from tools.world.font import GLYPHS, LETTER_GAP, LETTER_WIDTH, letter_origin, word_mask
from tools.world.render import render, shape_mask
from tools.world.scene import Scene, SceneError, Word, WorldObject, random_scene
from tools.world.spec import (
    CANVAS_SIZE, COLORS, PALETTE, POSITIONS, SHAPES, SIZES, VQ_DOWNSAMPLING, extent_pixels, position_center,
    sizes_allowed_at,
)


def placements():
    for position in POSITIONS:
        for size in sizes_allowed_at(position):
            for shape in SHAPES:
                yield shape, size, position


def connected(mask: np.ndarray, diagonal: bool = False) -> bool:
    steps = ((1, 0), (-1, 0), (0, 1), (0, -1))
    if diagonal:
        steps += ((1, 1), (1, -1), (-1, 1), (-1, -1))
    points = list(zip(*np.nonzero(mask)))
    if not points:
        return False
    seen = {points[0]}
    queue = deque([points[0]])
    while queue:
        y, x = queue.popleft()
        for dy, dx in steps:
            n = (y + dy, x + dx)
            if 0 <= n[0] < mask.shape[0] and 0 <= n[1] < mask.shape[1] and mask[n] and n not in seen:
                seen.add(n)
                queue.append(n)
    return len(seen) == len(points)


class PaletteAndDeterminism(unittest.TestCase):
    def test_every_pixel_is_an_exact_palette_colour(self):
        palette = {PALETTE[c] for c in COLORS}
        rng = random.Random(7)
        for _ in range(300):
            scene = random_scene(rng, 0.3)
            image = render(scene)
            self.assertEqual(image.shape, (CANVAS_SIZE, CANVAS_SIZE, 3))
            self.assertEqual(image.dtype, np.uint8)
            colours = {tuple(int(v) for v in p) for p in image.reshape(-1, 3)}
            self.assertTrue(colours <= palette, scene)

    def test_same_seed_same_scenes_and_pixels(self):
        a = [random_scene(random.Random(42), 0.3) for _ in range(1)] + [random_scene(random.Random(i)) for i in range(50)]
        b = [random_scene(random.Random(42), 0.3) for _ in range(1)] + [random_scene(random.Random(i)) for i in range(50)]
        self.assertEqual(a, b)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(render(x), render(y))

    def test_drawn_colours_are_the_scene_colours(self):
        scene = Scene("blue", (WorldObject("square", "red", "medium", "top left"),
                               WorldObject("circle", "yellow", "small", "bottom right")))
        image = render(scene)
        self.assertEqual(tuple(image[0, 0]), PALETTE["blue"])
        cx, cy = position_center("top left")
        self.assertEqual(tuple(image[int(cy), int(cx)]), PALETTE["red"])
        cx, cy = position_center("bottom right")
        self.assertEqual(tuple(image[int(cy), int(cx)]), PALETTE["yellow"])


class ShapeGeometry(unittest.TestCase):
    def test_every_shape_lies_inside_its_box_and_the_canvas(self):
        for shape, size, position in placements():
            mask = shape_mask(shape, size, position)
            self.assertTrue(mask.any(), (shape, size, position))
            ys, xs = np.nonzero(mask)
            cx, cy = position_center(position)
            half = extent_pixels(size) / 2
            self.assertGreaterEqual(xs.min() + 0.5, cx - half)
            self.assertLessEqual(xs.max() + 0.5, cx + half)
            self.assertGreaterEqual(ys.min() + 0.5, cy - half)
            self.assertLessEqual(ys.max() + 0.5, cy + half)

    def test_shapes_are_connected_and_mirror_symmetric(self):
        for shape, size, position in placements():
            if position != "center":
                continue  # the centre cell is pixel-symmetric (32 = S / 2)
            mask = shape_mask(shape, size, position)
            self.assertTrue(connected(mask, diagonal=True), (shape, size))
            np.testing.assert_array_equal(mask, mask[:, ::-1], err_msg=f"{shape} {size} not left-right symmetric")
            if shape in ("circle", "square", "diamond", "ring", "cross"):
                np.testing.assert_array_equal(mask, mask[::-1, :], err_msg=f"{shape} {size} not up-down symmetric")

    def test_shape_specific_features(self):
        square = shape_mask("square", "large", "center")
        circle = shape_mask("circle", "large", "center")
        ring = shape_mask("ring", "large", "center")
        triangle = shape_mask("triangle", "large", "center")
        heart = shape_mask("heart", "large", "center")
        star = shape_mask("star", "large", "center")
        cross = shape_mask("cross", "large", "center")
        diamond = shape_mask("diamond", "large", "center")
        self.assertGreater(square.sum(), circle.sum())
        self.assertFalse(ring[32, 32])  # hole in the middle
        self.assertTrue(circle[32, 32])
        rows = triangle.sum(axis=1)
        top, bottom = np.nonzero(rows)[0][[0, -1]]
        self.assertLess(rows[top], rows[bottom])  # apex at the top, base at the bottom
        heart_rows = heart.sum(axis=1)
        first, last = np.nonzero(heart_rows)[0][[0, -1]]
        self.assertLessEqual(heart_rows[last], 2)  # point at the bottom
        self.assertFalse(heart[first, 32])  # notch between the lobes at the top centre
        self.assertEqual(heart.sum(axis=0).nonzero()[0].size, square.sum(axis=0).nonzero()[0].size)
        self.assertTrue(star[np.nonzero(star[:, 32])[0][0], 32])
        self.assertLess(star.sum(), diamond.sum())
        self.assertFalse(cross[20, 20])  # corners of the box are empty
        self.assertFalse(diamond[19, 19])

    def test_sizes_grow(self):
        for shape in SHAPES:
            areas = [shape_mask(shape, s, "center").sum() for s in SIZES]
            self.assertEqual(areas, sorted(areas))
            self.assertEqual(len(set(areas)), 3)


class WorldRules(unittest.TestCase):
    def test_large_only_fits_at_the_center(self):
        for position in POSITIONS:
            self.assertEqual("large" in sizes_allowed_at(position), position == "center")
            self.assertIn("small", sizes_allowed_at(position))
            self.assertIn("medium", sizes_allowed_at(position))

    def test_a_large_object_only_shares_its_picture_with_small_ones(self):
        large = WorldObject("circle", "red", "large", "center")
        for position in POSITIONS[:4] + POSITIONS[5:]:
            self.assertTrue(Scene("blue", (large, WorldObject("square", "green", "small", position))).is_valid())
            self.assertFalse(Scene("blue", (large, WorldObject("square", "green", "medium", position))).is_valid())

    def test_valid_pairs_never_touch(self):
        pieces = list(placements())
        for (s1, z1, p1), (s2, z2, p2) in itertools.combinations(pieces, 2):
            scene = Scene("white", (WorldObject(s1, "red", z1, p1), WorldObject(s2, "blue", z2, p2)))
            if not scene.is_valid():
                continue
            a = shape_mask(s1, z1, p1)
            b = shape_mask(s2, z2, p2)
            grown = a.copy()
            grown[1:, :] |= a[:-1, :]
            grown[:-1, :] |= a[1:, :]
            grown[:, 1:] |= a[:, :-1]
            grown[:, :-1] |= a[:, 1:]
            self.assertFalse((grown & b).any(), (s1, z1, p1, s2, z2, p2))

    def test_invalid_scenes_are_rejected(self):
        obj = WorldObject("circle", "red", "small", "top")
        cases = [
            Scene("red", (obj,)),  # object colour equals background
            Scene("blue", (obj, WorldObject("square", "green", "small", "top"))),  # shared cell
            Scene("blue", (WorldObject("circle", "red", "large", "top"),)),  # does not fit
            Scene("blue", ()),  # no objects
            Scene("blue", (obj,) * 4),
            Scene("blue", word=Word("HELLOWORLD", "red")),
            Scene("blue", word=Word("hi", "red")),
            Scene("blue", word=Word("HI", "blue")),
            Scene("mauve", (obj,)),
            Scene("blue", (WorldObject("hexagon", "red", "small", "top"),)),
        ]
        for scene in cases:
            self.assertFalse(scene.is_valid(), scene)
            with self.assertRaises(SceneError):
                scene.validate()

    def test_random_scenes_are_valid_and_varied(self):
        rng = random.Random(3)
        scenes = [random_scene(rng, 0.2) for _ in range(2000)]
        for scene in scenes:
            self.assertTrue(scene.is_valid(), scene.problem())
        objects = [o for s in scenes for o in s.objects]
        self.assertEqual({o.shape for o in objects}, set(SHAPES))
        self.assertEqual({o.color for o in objects}, set(COLORS))
        self.assertEqual({o.size for o in objects}, set(SIZES))
        self.assertEqual({o.position for o in objects}, set(POSITIONS))
        self.assertEqual({len(s.objects) for s in scenes if s.word is None}, {1, 2, 3})
        self.assertTrue(any(s.word for s in scenes))

    def test_json_round_trip(self):
        rng = random.Random(5)
        for _ in range(200):
            scene = random_scene(rng, 0.3)
            self.assertEqual(Scene.loads(scene.dumps()), scene)
        for text in ('{"objects": []}', '{"background": "red", "objects": [{"shape": "circle"}]}', '[1, 2]'):
            with self.assertRaises(SceneError):
                Scene.loads(text)


class Font(unittest.TestCase):
    def test_glyphs_are_single_blobs_and_distinct(self):
        self.assertEqual(sorted(GLYPHS), [chr(c) for c in range(ord("A"), ord("Z") + 1)])
        for letter, glyph in GLYPHS.items():
            self.assertTrue(connected(glyph), letter)
        for a, b in itertools.combinations(GLYPHS, 2):
            self.assertGreaterEqual(int((GLYPHS[a] != GLYPHS[b]).sum()), 2, (a, b))

    def test_words_are_centred_inside_with_background_columns_between_letters(self):
        for length in range(1, 7):
            text = "W" * length
            mask = word_mask(text)
            columns = np.nonzero(mask.any(axis=0))[0]
            rows = np.nonzero(mask.any(axis=1))[0]
            left, right = columns[0], CANVAS_SIZE - 1 - columns[-1]
            top, bottom = rows[0], CANVAS_SIZE - 1 - rows[-1]
            self.assertLessEqual(abs(left - right), 2)
            self.assertLessEqual(abs(top - bottom), 2)
            for index in range(length - 1):
                x, _ = letter_origin(length, index)
                gap = mask[:, x + LETTER_WIDTH: x + LETTER_WIDTH + LETTER_GAP]
                self.assertFalse(gap.any())
                self.assertGreaterEqual(LETTER_GAP, 1)
            for index in range(length):
                x, y = letter_origin(length, index)
                self.assertTrue(connected(mask[:, x:x + LETTER_WIDTH]))

    def test_a_letter_covers_the_same_patches_in_every_slot_of_every_word(self):
        # The language model writes a letter as image codes: they must not depend on where it stands.
        span = LETTER_WIDTH + LETTER_GAP
        for letter in GLYPHS:
            blocks = set()
            for length in range(1, 7):
                mask = word_mask(letter * length)
                for index in range(length):
                    x, _ = letter_origin(length, index)
                    self.assertEqual(x % VQ_DOWNSAMPLING, 0, (letter, length, index))
                    blocks.add(mask[:, x:x + span].tobytes())
            self.assertEqual(len(blocks), 1, letter)


if __name__ == "__main__":
    unittest.main()
