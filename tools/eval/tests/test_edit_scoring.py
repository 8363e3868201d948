"""Scoring edits: an add is judged by what the request said of the new object, not by the size
and place the generator happened to choose for a request that left them out."""

from __future__ import annotations

import unittest

from tools.eval.evaluate import added_correct, edit_correct, score_conversation
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


class ImpossibleEditRefusals(unittest.TestCase):
    """A refused edit names what its picture holds, so it is scored only where the model drew
    the picture meant (played context), like the edits themselves."""

    CONVERSATION = {"id": "r", "turns": [
        {"role": "user", "segments": [{"type": "text", "text": "draw a red circle at the top left on a blue background"}]},
        {"role": "assistant", "check": {"kind": "make", "category": "make_one",
                                        "said": {"background": "blue", "objects": [{"shape": "circle", "color": "red"}]}},
         "segments": [{"type": "text", "text": "Here is picture 1."}, {"type": "image", "scene": SOURCE}]},
        {"role": "user", "segments": [{"type": "text", "text": "make the background red"}]},
        {"role": "assistant", "check": {"kind": "refuse", "category": "edit_latest", "source": 1},
         "segments": [{"type": "text", "text": "Sorry, the circle is red, so the background can't be red too."}]},
    ]}

    def records(self, drawn: dict) -> list[dict]:
        answers = {1: {"text": "Here is picture 1.", "images": ["drawn.png"]},
                   3: {"text": "Sorry, the circle is red, so the background can't be red too.", "images": []}}
        import tools.eval.evaluate as evaluate
        original = evaluate.parsed
        evaluate.parsed = lambda path: drawn
        try:
            return score_conversation(self.CONVERSATION, answers)
        finally:
            evaluate.parsed = original

    def test_scored_where_the_picture_is_right_and_left_out_where_it_is_not(self):
        right = [r for r in self.records(SOURCE) if r["category"] == "decline"]
        self.assertEqual([(r["source_right"], r["correct"]) for r in right], [(True, True)])
        other = {"background": "white", "objects": SOURCE["objects"]}
        wrong = [r for r in self.records(other) if r["category"] == "decline"]
        self.assertEqual([(r["source_right"], r["correct"]) for r in wrong], [(False, False)])
