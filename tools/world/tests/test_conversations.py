"""Conversation generator: deterministic, valid pictures, edits change only what was asked,
answers match the pictures, held-out phrasings stay out of training."""

from __future__ import annotations

import json
import unittest
from collections import Counter
from dataclasses import replace

from tools.world.conversations import generate
from tools.world.edits import EDIT_KINDS, Edit, EditRefused, apply_edit
from tools.world.phrases import describe_scene
from tools.world.questions import QUESTION_KINDS
from tools.world.scene import Scene, Word, WorldObject
from tools.world.spec import SIZES
from tools.world.templates import TEMPLATES, held_out_ids

COUNT = 1500


def pictures_of(conversation: dict) -> list[tuple[int, str, Scene]]:
    """(turn index, role, scene) of every picture in order; picture n is element n-1."""
    found = []
    for index, turn in enumerate(conversation["turns"]):
        for segment in turn["segments"]:
            if segment["type"] == "image":
                found.append((index, turn["role"], Scene.from_json(segment["scene"])))
    return found


def template_ids(check: dict) -> list[str]:
    return check.get("template", "").split("+") if check.get("template") else []


class Generation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.train = list(generate(11, COUNT, "train"))
        cls.heldout = list(generate(11, 400, "heldout"))

    def checks(self, conversations):
        for conversation in conversations:
            pictures = pictures_of(conversation)
            for index, turn in enumerate(conversation["turns"]):
                if turn["role"] == "assistant":
                    yield conversation, pictures, index, turn, turn["check"]

    def test_same_seed_same_conversations(self):
        again = list(generate(11, 50, "train"))
        self.assertEqual(json.dumps(again), json.dumps(self.train[:50]))
        other = list(generate(12, 50, "train"))
        self.assertNotEqual(json.dumps(other), json.dumps(self.train[:50]))

    def test_turns_alternate_and_pictures_are_valid(self):
        for conversation in self.train + self.heldout:
            roles = [t["role"] for t in conversation["turns"]]
            self.assertEqual(roles, ["user", "assistant"] * (len(roles) // 2))
            for _, _, scene in pictures_of(conversation):
                self.assertTrue(scene.is_valid(), scene.problem())
            json.dumps(conversation)

    def test_every_activity_occurs(self):
        categories = Counter(c["category"] for *_, c in self.checks(self.train))
        for category in ("make_one", "make_many", "word_short", "word_long", "edit_latest", "edit_earlier",
                         "edit_attached", "question_made", "question_attached", "greeting", "help", "thanks",
                         "decline", "no_such_picture"):
            self.assertGreater(categories[category], 5, category)
        edits = Counter(c["edit"]["kind"] for *_, c in self.checks(self.train) if c["kind"] == "edit")
        self.assertEqual(set(edits), set(EDIT_KINDS))
        questions = Counter(c["question"] for *_, c in self.checks(self.train) if c["kind"] == "question")
        self.assertEqual(set(questions), set(QUESTION_KINDS))
        refusals = [c for *_, c in self.checks(self.train) if c["kind"] == "refuse" and "edit" in c]
        self.assertGreater(len(refusals), 20)

    def test_held_out_templates_split(self):
        held = set(held_out_ids())
        used_train = {i for *_, c in self.checks(self.train) for i in template_ids(c)}
        used_heldout = {i for *_, c in self.checks(self.heldout) for i in template_ids(c)}
        self.assertFalse(used_train & held)
        self.assertGreater(len(used_heldout & held), len(held) // 2)
        categories_with_held = {t.id.split(".")[0] for rows in TEMPLATES.values() for t in rows if t.held_out}
        for template_id in used_heldout:
            if template_id.split(".")[0] in categories_with_held:
                self.assertIn(template_id, held)

    def test_assistant_pictures_match_their_text_and_numbers(self):
        for conversation, pictures, index, turn, check in self.checks(self.train):
            images = [s for s in turn["segments"] if s["type"] == "image"]
            if not images:
                continue
            number = check["picture"]
            self.assertEqual(pictures[number - 1][0], index)
            scene = Scene.from_json(images[0]["scene"])
            self.assertEqual(turn["segments"][0]["text"], f"Here is picture {number}: {describe_scene(scene)}.")

    def test_made_pictures_respect_what_was_said(self):
        for conversation, pictures, index, turn, check in self.checks(self.train):
            if check["kind"] != "make":
                continue
            scene = pictures[check["picture"] - 1][2]
            said = check["said"]
            if said["background"]:
                self.assertEqual(scene.background, said["background"])
            if "word" in said:
                self.assertEqual(scene.word.text, said["word"]["text"])
                user_text = conversation["turns"][index - 1]["segments"][0]["text"]
                self.assertIn(said["word"]["text"].lower(), user_text.lower())
                if said["word"]["color"]:
                    self.assertEqual(scene.word.color, said["word"]["color"])
                continue
            self.assertEqual(len(scene.objects), len(said["objects"]))
            for obj, wanted in zip(scene.objects, said["objects"]):
                for key, value in wanted.items():
                    self.assertEqual(getattr(obj, key), value)

    def test_colors_left_unsaid_are_the_defaults(self):
        """Unsaid background: white, or black when the request named white for something (red when
        it named both); unsaid
        object or word colour: red, or blue on a red background. Each case must occur."""
        cases = Counter()
        for conversation, pictures, index, turn, check in self.checks(self.train):
            if check["kind"] != "make":
                continue
            scene = pictures[check["picture"] - 1][2]
            said = check["said"]
            inks = [(scene.word.color, said["word"]["color"])] if "word" in said else \
                [(o.color, wanted.get("color")) for o, wanted in zip(scene.objects, said["objects"])]
            named = [color for color, wanted in inks if wanted]
            if not said["background"]:
                expected = next(c for c in ("white", "black", "red", "orange") if c not in named)
                self.assertEqual(scene.background, expected, check)
                cases["background " + expected] += 1
            for color, wanted in inks:
                if not wanted:
                    expected = "blue" if scene.background == "red" else "red"
                    self.assertEqual(color, expected, check)
                    cases["ink " + expected] += 1
        self.assertLessEqual({"background white", "background black", "ink red", "ink blue"}, set(cases), cases)

    def test_edits_change_only_what_was_asked(self):
        seen = 0
        for conversation, pictures, index, turn, check in self.checks(self.train):
            if check["kind"] != "edit":
                continue
            seen += 1
            source = pictures[check["source"] - 1][2]
            result = pictures[check["picture"] - 1][2]
            edit = Edit.from_json(check["edit"])
            self.assertEqual(apply_edit(source, edit), result)
            self.assert_only_change(source, result, edit)
        self.assertGreater(seen, 300)

    def assert_only_change(self, before: Scene, after: Scene, edit: Edit):
        kind = edit.kind
        if kind == "recolor_background":
            self.assertEqual(replace(before, background=after.background), after)
            self.assertNotEqual(before.background, after.background)
        elif kind == "change_word":
            self.assertEqual(replace(before, word=Word(after.word.text, before.word.color)), after)
        elif kind == "recolor_word":
            self.assertEqual(replace(before, word=Word(before.word.text, after.word.color)), after)
        elif kind == "add":
            self.assertEqual(after.objects[:-1], before.objects)
            self.assertEqual(len(after.objects), len(before.objects) + 1)
        elif kind == "remove":
            self.assertEqual(len(after.objects), len(before.objects) - 1)
            self.assertTrue(set(after.objects) < set(before.objects))
        else:
            changed = [(a, b) for a, b in zip(before.objects, after.objects) if a != b]
            self.assertEqual(len(changed), 1)
            old, new = changed[0]
            field = {"recolor_object": "color", "move": "position", "reshape": "shape",
                     "bigger": "size", "smaller": "size"}[kind]
            self.assertEqual(replace(old, **{field: getattr(new, field)}), new)
            if kind in ("bigger", "smaller"):
                step = SIZES.index(new.size) - SIZES.index(old.size)
                self.assertEqual(step, 1 if kind == "bigger" else -1)

    def test_refusals_are_really_impossible(self):
        for conversation, pictures, index, turn, check in self.checks(self.train):
            if check["kind"] == "refuse" and "edit" in check:
                source = pictures[check["source"] - 1][2]
                with self.assertRaises(EditRefused) as caught:
                    apply_edit(source, Edit.from_json(check["edit"]))
                self.assertEqual(turn["segments"][0]["text"], str(caught.exception))
                self.assertTrue(turn["segments"][0]["text"].startswith("Sorry"))

    def test_answers_match_the_pictures(self):
        for conversation, pictures, index, turn, check in self.checks(self.train):
            if check["kind"] != "question":
                continue
            scene = pictures[check["picture"] - 1][2]
            text = turn["segments"][0]["text"]
            kind, value = check["question"], check["answer"]
            if value == "none":
                continue
            if kind == "color":
                self.assertEqual(value, scene.object_at(check["target"]).color)
            elif kind == "shape":
                self.assertEqual(value, scene.object_at(check["target"]).shape)
            elif kind == "position":
                self.assertEqual(value, check["target"])
            elif kind == "count":
                self.assertEqual(int(value), len(scene.objects))
            elif kind == "background":
                self.assertEqual(value, scene.background)
            elif kind == "word":
                self.assertEqual(value, scene.word.text if scene.word else "")
            elif kind == "describe":
                self.assertIn(describe_scene(scene), text)
            if kind not in ("position", "count", "describe"):
                self.assertIn(value, text)

    def test_attached_pictures_come_from_the_user(self):
        for conversation, pictures, index, turn, check in self.checks(self.train):
            if check["category"] in ("question_attached", "edit_attached"):
                number = check.get("source", check["picture"])
                self.assertEqual(pictures[number - 1][1], "user")
                self.assertEqual(pictures[number - 1][0], index - 1)


class EditRules(unittest.TestCase):
    def test_impossible_edits_are_refused_politely(self):
        large = Scene("blue", (WorldObject("circle", "red", "large", "center"),
                               WorldObject("star", "green", "small", "top left")))
        cases = [
            Edit("bigger", target="center"),
            Edit("smaller", target="top left"),
            Edit("move", target="center", position="top"),
            Edit("move", target="top left", position="center"),
            Edit("recolor_object", target="center", color="blue"),
            Edit("recolor_background", color="red"),
            Edit("change_word", text="HI"),
            Edit("add", added=WorldObject("heart", "pink", "medium", "bottom")),
            Edit("reshape", target="top", shape="star"),
        ]
        for edit in cases:
            with self.assertRaises(EditRefused, msg=edit) as caught:
                apply_edit(large, edit)
            self.assertTrue(str(caught.exception).startswith("Sorry"))
        only = Scene("blue", (WorldObject("circle", "red", "medium", "center"),))
        with self.assertRaises(EditRefused):
            apply_edit(only, Edit("remove", target="center"))
        full = Scene("white", tuple(WorldObject("square", "red", "small", p) for p in ("top", "left", "right")))
        with self.assertRaises(EditRefused):
            apply_edit(full, Edit("add", added=WorldObject("heart", "pink", "small", "bottom")))
        word = Scene("white", word=Word("HI", "red"))
        for text in ("TOOLONGWORD", "R2D2", "HI"):
            with self.assertRaises(EditRefused):
                apply_edit(word, Edit("change_word", text=text))

    def test_possible_edits_keep_the_rest(self):
        scene = Scene("blue", (WorldObject("circle", "red", "medium", "center"),
                               WorldObject("star", "green", "small", "top left")))
        grown = apply_edit(scene, Edit("bigger", target="center"))
        self.assertEqual(grown.objects[0].size, "large")
        self.assertEqual(grown.objects[1], scene.objects[1])
        moved = apply_edit(scene, Edit("move", target="top left", position="bottom right"))
        self.assertEqual(moved.objects[1].position, "bottom right")
        self.assertEqual(moved.objects[0], scene.objects[0])


if __name__ == "__main__":
    unittest.main()


class DescriptionOrderTests(unittest.TestCase):
    def test_objects_are_named_in_reading_order_of_their_cells(self):
        scene = Scene(background="gray", objects=(
            WorldObject("circle", "blue", "small", "bottom left"),
            WorldObject("square", "cyan", "small", "top left"),
            WorldObject("star", "red", "small", "center"),
        ))
        self.assertEqual(describe_scene(scene), "a small cyan square at the top left, a small red star in the center "
                                                "and a small blue circle at the bottom left on a gray background")
