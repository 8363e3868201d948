"""Scoring edits: an add is judged by what the request said of the new object, not by the size
and place the generator happened to choose for a request that left them out."""

from __future__ import annotations

import unittest

from tools.eval.evaluate import added_correct, edit_correct
from tools.world.scene import default_ink

SOURCE = {"background": "blue", "objects": [{"shape": "circle", "color": "red", "size": "medium", "position": "top left"}]}


def with_object(obj: dict) -> dict:
    return {"background": "blue", "objects": SOURCE["objects"] + [obj]}


class AddEdits(unittest.TestCase):
    def test_an_unsaid_size_and_place_are_the_models_to_choose(self):
        said = {"shape": "square", "color": "yellow"}
        for size, position in (("small", "bottom right"), ("medium", "center")):
            scene = with_object({"shape": "square", "color": "yellow", "size": size, "position": position})
            self.assertTrue(added_correct(SOURCE, said, scene))
        wrong_shape = with_object({"shape": "star", "color": "yellow", "size": "small", "position": "center"})
        self.assertFalse(added_correct(SOURCE, said, wrong_shape))

    def test_what_was_said_must_hold_and_an_unsaid_colour_is_the_default_ink(self):
        said = {"shape": "square", "position": "center"}
        ink = default_ink("blue")
        self.assertTrue(added_correct(SOURCE, said, with_object({"shape": "square", "color": ink, "size": "small", "position": "center"})))
        other = "green" if ink != "green" else "yellow"
        self.assertFalse(added_correct(SOURCE, said, with_object({"shape": "square", "color": other, "size": "small", "position": "center"})))
        self.assertFalse(added_correct(SOURCE, said, with_object({"shape": "square", "color": ink, "size": "small", "position": "top"})))

    def test_the_rest_of_the_picture_must_stay(self):
        said = {"shape": "square"}
        moved = {"background": "blue", "objects": [{"shape": "circle", "color": "red", "size": "medium", "position": "top"},
                                                  {"shape": "square", "color": default_ink("blue"), "size": "small", "position": "center"}]}
        self.assertFalse(added_correct(SOURCE, said, moved))
        recoloured = dict(with_object({"shape": "square", "color": default_ink("blue"), "size": "small", "position": "center"}),
                          background="white")
        self.assertFalse(added_correct(SOURCE, said, recoloured))
        self.assertFalse(added_correct(SOURCE, said, SOURCE))  # nothing added
        self.assertFalse(added_correct(SOURCE, said, None))

    def test_other_edits_still_need_the_expected_picture(self):
        expected = {"background": "green", "objects": SOURCE["objects"]}
        check = {"kind": "edit", "edit": {"kind": "recolor_background", "color": "green"}}
        self.assertTrue(edit_correct(check, SOURCE, expected, expected))
        self.assertFalse(edit_correct(check, SOURCE, expected, SOURCE))
