"""Phrasing templates of user requests, by category. Templates marked held out (`H`) never
appear in training conversations; `--split heldout` uses only them (where a category has any), so
the evaluation can compare unseen phrasings with seen ones.

Slots: {objs} object phrases, {obj} one object phrase, {bg} background phrase (may be empty),
{ref} a reference to an object, {color}, {shape}, {pos} (bare cell words), {posp} (with a
preposition), {text} a word to write, {pic} a picture reference, {edit} an edit request.
"""

from __future__ import annotations

from dataclasses import dataclass

T, H = False, True  # held_out flag


@dataclass(frozen=True)
class Template:
    id: str
    pattern: str
    held_out: bool


def _table(category: str, rows: list[tuple[str, bool]]) -> tuple[Template, ...]:
    return tuple(Template(f"{category}.{i:02d}", pattern, held) for i, (pattern, held) in enumerate(rows))


TEMPLATES: dict[str, tuple[Template, ...]] = {
    "make": _table("make", [
        ("draw {objs}{bg}", T), ("make a picture of {objs}{bg}", T), ("i want {objs}{bg}", T),
        ("can you draw {objs}{bg}?", T), ("{objs}{bg}", T), ("show me {objs}{bg}", T),
        ("paint {objs}{bg}", T), ("create an image with {objs}{bg}", T), ("{bgfirst}draw {objs}", T),
        ("picture: {objs}{bg}", T), ("draw me {objs}{bg}", T), ("make {objs}{bg}", T),
        ("i'd like a picture with {objs}{bg}", T), ("a picture of {objs}{bg}", T),
        ("sketch {objs}{bg}", H), ("could you put {objs} in a picture{bg}?", H), ("give me {objs}{bg}", H),
        ("generate {objs}{bg}", H),
    ]),
    "make_word": _table("make_word", [
        ("write {text}{wcolor}{bg}", T), ("show the word {text}{wcolor}{bg}", T), ("draw the word {text}{wcolor}{bg}", T),
        ("spell {text}{wcolor}{bg}", T), ("make a picture that says {text}{wcolor}{bg}", T),
        ("{text}{wcolor}{bg}", T), ("i want the word {text}{wcolor}{bg}", T), ("write the word {text}{wcolor}{bg}", T),
        ("can you write {text}{wcolor}{bg}?", T), ("{bgfirst}write {text}{wcolor}", T),
        ("print {text}{wcolor}{bg}", H), ("put the text {text} on a picture{wcolor}{bg}", H), ("type out {text}{wcolor}{bg}", H),
    ]),
    "recolor_object": _table("recolor_object", [
        ("make {ref} {color}", T), ("colour {ref} {color}", T), ("change {ref} to {color}", T),
        ("change the colour of {ref} to {color}", T), ("paint {ref} {color}", T), ("turn {ref} {color}", T),
        ("{ref} should be {color}", T), ("recolor {ref} {color}", T), ("make the color of {ref} {color}", T),
        ("can {ref} be {color} instead?", H), ("switch {ref} to {color}", H),
    ]),
    "recolor_background": _table("recolor_background", [
        ("make the background {color}", T), ("change the background to {color}", T), ("{color} background instead", T),
        ("use a {color} background", T), ("set the background to {color}", T), ("paint the background {color}", T),
        ("change the background colour to {color}", T), ("i want a {color} background", T),
        ("the background should be {color}", H), ("swap the background for {color}", H),
    ]),
    "move": _table("move", [
        ("move {ref} {posp}", T), ("put {ref} {posp}", T), ("shift {ref} to the {pos}", T), ("place {ref} {posp}", T),
        ("{ref} should go {posp}", T), ("drag {ref} to the {pos}", T), ("move {ref} to the {pos}", T),
        ("relocate {ref} to the {pos}", H), ("can you move {ref} over to the {pos}?", H),
    ]),
    "add": _table("add", [
        ("add {obj}", T), ("also draw {obj}", T), ("put {obj} too", T), ("include {obj}", T), ("and {obj}", T),
        ("add another shape: {obj}", T), ("draw {obj} as well", T),
        ("throw in {obj}", H), ("insert {obj}", H),
    ]),
    "remove": _table("remove", [
        ("remove {ref}", T), ("delete {ref}", T), ("take away {ref}", T), ("get rid of {ref}", T), ("erase {ref}", T),
        ("i don't want {ref} anymore", T), ("take out {ref}", T),
        ("drop {ref}", H), ("lose {ref}", H),
    ]),
    "bigger": _table("bigger", [
        ("make {ref} bigger", T), ("enlarge {ref}", T), ("make {ref} larger", T), ("increase the size of {ref}", T),
        ("{ref} bigger", T), ("grow {ref}", T),
        ("scale up {ref}", H), ("can {ref} be bigger?", H),
    ]),
    "smaller": _table("smaller", [
        ("make {ref} smaller", T), ("shrink {ref}", T), ("reduce the size of {ref}", T), ("{ref} smaller", T),
        ("decrease the size of {ref}", T), ("make {ref} a bit smaller", T),
        ("scale down {ref}", H), ("can {ref} be smaller?", H),
    ]),
    "reshape": _table("reshape", [
        ("turn {ref} into a {shape}", T), ("make {ref} a {shape}", T), ("change {ref} to a {shape}", T),
        ("replace {ref} with a {shape}", T), ("{ref} should be a {shape}", T), ("change {ref} into a {shape}", T),
        ("swap {ref} for a {shape}", H), ("morph {ref} into a {shape}", H),
    ]),
    "change_word": _table("change_word", [
        ("change the word to {text}", T), ("write {text} instead", T), ("make it say {text}", T),
        ("replace the word with {text}", T), ("the word should be {text}", T), ("change the text to {text}", T),
        ("swap the text for {text}", H), ("now spell {text}", H),
    ]),
    "recolor_word": _table("recolor_word", [
        ("make the word {color}", T), ("colour the letters {color}", T), ("change the text colour to {color}", T),
        ("write it in {color}", T), ("make the letters {color}", T), ("the word in {color} please", T),
        ("paint the word {color}", H), ("the text should be {color}", H),
    ]),
    "earlier": _table("earlier", [
        ("in {pic}, {edit}", T), ("{edit} in {pic}", T), ("take {pic} and {edit}", T), ("go back to {pic} and {edit}", T),
        ("for {pic}: {edit}", T), ("{pic}: {edit}", T),
        ("using {pic}, {edit}", H), ("starting from {pic}, {edit}", H),
    ]),
    "attach_edit": _table("attach_edit", [
        ("here is my picture. {edit}", T), ("{edit}", T), ("{edit} in this picture", T), ("in this image, {edit}", T),
        ("take this picture and {edit}", H),
    ]),
    "q_color": _table("q_color", [
        ("what colour is {ref}{inpic}?", T), ("what color is {ref}{inpic}?", T), ("which colour does {ref} have{inpic}?", T),
        ("tell me the colour of {ref}{inpic}", T), ("what's the color of {ref}{inpic}?", T),
        ("{ref}{inpic} is what colour?", H), ("which color is {ref}{inpic}?", H),
    ]),
    "q_shape": _table("q_shape", [
        ("what shape is {ref}{inpic}?", T), ("which shape is {ref}{inpic}?", T), ("what kind of shape is {ref}{inpic}?", T),
        ("what is {ref}{inpic}?", T), ("what's {ref}{inpic}?", T),
        ("name the shape of {ref}{inpic}", H), ("what sort of shape is {ref}{inpic}?", H),
    ]),
    "q_position": _table("q_position", [
        ("where is {ref}{inpic}?", T), ("where's {ref}{inpic}?", T), ("in which part of the picture is {ref}{inpic}?", T),
        ("what position is {ref} at{inpic}?", T), ("where did you put {ref}{inpic}?", T),
        ("whereabouts is {ref}{inpic}?", H), ("tell me where {ref} is{inpic}", H),
    ]),
    "q_count": _table("q_count", [
        ("how many shapes are there{inpic}?", T), ("how many objects{inpic}?", T), ("count the shapes{inpic}", T),
        ("how many things are there{inpic}?", T), ("how many shapes do you see{inpic}?", T),
        ("what's the number of shapes{inpic}?", H), ("how many items are shown{inpic}?", H),
    ]),
    "q_background": _table("q_background", [
        ("what colour is the background{inpic}?", T), ("what's the background colour{inpic}?", T),
        ("which colour is the background{inpic}?", T), ("what color is the background{inpic}?", T),
        ("tell me the background colour{inpic}", H), ("the background{inpic} is which colour?", H),
    ]),
    "q_word": _table("q_word", [
        ("what does it say{inpic}?", T), ("what word is written{inpic}?", T), ("read the word{inpic}", T),
        ("what is the text{inpic}?", T), ("what does the word say{inpic}?", T),
        ("which word is shown{inpic}?", H), ("what's written{inpic}?", H),
    ]),
    "q_describe": _table("q_describe", [
        ("describe the picture{inpic}", T), ("what do you see{inpic}?", T), ("what is in the picture{inpic}?", T),
        ("describe it{inpic}", T), ("tell me what is in the picture{inpic}", T), ("what does the picture show{inpic}?", T),
        ("give me a description{inpic}", H), ("what's going on{inpic}?", H),
    ]),
    "attach_question": _table("attach_question", [
        ("{question}", T), ("here is a picture. {question}", T), ("look at this: {question}", T), ("{question} (see picture)", T),
        ("check this image: {question}", H),
    ]),
    "greeting": _table("greeting", [
        ("hi", T), ("hello", T), ("hey", T), ("hi there", T), ("good morning", T), ("hello!", T), ("hey there, who are you?", T),
        ("hello there", H), ("hey, good morning", H),
    ]),
    "help": _table("help", [
        ("what can you do?", T), ("help", T), ("how does this work?", T), ("what can you draw?", T),
        ("which shapes do you know?", T), ("which colours can you use?", T), ("what are you able to draw?", T),
        ("what shapes can you draw?", H), ("how does this help?", H),
    ]),
    "thanks": _table("thanks", [
        ("thanks", T), ("thank you!", T), ("great, thanks", T), ("nice, thank you", T), ("cool thanks", T),
        ("thank you, great", H), ("nice, thanks", H),
    ]),
    "decline_thing": _table("decline_thing", [
        ("draw a {thing}", T), ("can you draw a {thing}?", T), ("make a picture of a {thing}", T), ("i want a {thing}", T),
        ("paint a {thing} for me", T), ("show me a {thing}", T),
        ("sketch a {thing}", H), ("generate a {thing}", H),
    ]),
    "decline_photo": _table("decline_photo", [
        ("take a photo of {place}", T), ("send me a photo of {place}", T), ("make a realistic photo of {place}", T),
        ("can you show me a photograph of {place}?", T),
        ("i need a photo of {place}", H),
    ]),
}

IMPOSSIBLE_THINGS = (
    "cat", "dog", "house", "tree", "car", "flower", "person", "face", "bird", "horse", "cloud", "mountain",
    "boat", "robot", "hexagon", "oval", "rectangle", "pentagon", "arrow", "spiral", "cube", "sphere",
    "smiley face", "sunset", "dragon", "rainbow", "castle", "fish", "banana", "moon",
)
PHOTO_PLACES = ("me", "paris", "the beach", "my dog", "a forest", "the city", "my house", "a sunset", "the sea")
UNKNOWN_COLORS = ("magenta", "beige", "turquoise", "navy", "gold", "silver", "maroon", "lime", "teal", "indigo")


def templates_for(category: str, held_out: bool) -> tuple[Template, ...]:
    """Templates of a category for a split; a category without held-out templates uses its
    training templates in the held-out split too."""
    all_templates = TEMPLATES[category]
    chosen = tuple(t for t in all_templates if t.held_out == held_out)
    return chosen or all_templates


def held_out_ids() -> list[str]:
    return [t.id for rows in TEMPLATES.values() for t in rows if t.held_out]
