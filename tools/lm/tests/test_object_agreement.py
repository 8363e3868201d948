"""The probe's per-object breakdown: placement apart from colour, shape and size."""

from __future__ import annotations

import unittest

from tools.lm.probe import object_agreement


def obj(shape, color, size, position):
    return {"shape": shape, "color": color, "size": size, "position": position}


class ObjectAgreement(unittest.TestCase):
    def test_swapped_colours_are_placed_but_wrong(self):
        expected = {"background": "gray", "objects": [obj("circle", "blue", "small", "bottom left"),
                                                      obj("square", "cyan", "small", "top left")]}
        got = {"background": "gray", "objects": [obj("square", "blue", "small", "top left"),
                                                 obj("circle", "cyan", "small", "bottom left")]}
        self.assertEqual(object_agreement(expected, got),
                         {"objects": 2, "placed": 2, "color": 0, "shape": 2, "size": 2})

    def test_a_missing_object_or_picture_counts_as_not_placed(self):
        expected = {"background": "gray", "objects": [obj("star", "red", "large", "center"),
                                                      obj("heart", "pink", "small", "top")]}
        got = {"background": "gray", "objects": [obj("star", "red", "large", "center")]}
        self.assertEqual(object_agreement(expected, got), {"objects": 2, "placed": 1, "color": 1, "shape": 1, "size": 1})
        self.assertEqual(object_agreement(expected, None)["placed"], 0)
        word = {"background": "gray", "word": {"text": "HI", "color": "red"}}
        self.assertEqual(object_agreement(expected, word)["placed"], 0)


if __name__ == "__main__":
    unittest.main()
