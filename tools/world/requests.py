"""User-side phrasing: object phrases, references to objects and filled templates."""

from __future__ import annotations

import random

from .phrases import (
    IMPERATIVE_VERBS, NEUTRAL_PREFIXES, POLITE_PREFIXES, POSITION_WORDS, QUESTION_SUFFIXES, REQUEST_SUFFIXES, color_word, picture_ref, position_words, shape_word, size_word,
    vary_surface,
)
from .scene import Scene, WorldObject
from .templates import Template, templates_for


def article(next_word: str) -> str:
    return "an" if next_word[:1].lower() in "aeiou" else "a"


def object_phrase(rng: random.Random, obj: WorldObject, said: dict[str, bool], standalone: bool = False) -> str:
    """A user's phrase for an object saying exactly the attributes in `said` (the shape always)."""
    shape = shape_word(rng, obj.shape)
    size = size_word(rng, obj.size) if said.get("size") else None
    color = color_word(rng, obj.color) if said.get("color") else None
    position = position_words(rng, obj.position) if said.get("position") else None
    roll = rng.random()
    if color and roll < 0.15:
        core = " ".join(w for w in (size, shape) if w) + f" in {color}"
    elif color and roll < 0.25:
        core = " ".join(w for w in (size, shape) if w) + f" that is {color}"
    else:
        adjectives = [w for w in (size, color) if w]
        if len(adjectives) == 2 and rng.random() < 0.2:
            adjectives.reverse()
        core = " ".join(adjectives + [shape])
    lead = rng.choice(["a", "a", "a", "one"])
    if lead == "a":
        lead = article(core)
    phrase = f"{lead} {core}"
    if position:
        if standalone and rng.random() < 0.25:
            return f"{position}, {phrase}"
        return f"{phrase} {position}"
    return phrase


def objects_phrase(rng: random.Random, objects: list[WorldObject], said: list[dict[str, bool]]) -> str:
    phrases = [object_phrase(rng, o, s, standalone=len(objects) == 1) for o, s in zip(objects, said)]
    if len(phrases) == 1:
        return phrases[0]
    joiner = rng.choice([" and ", " and ", ", ", " plus ", " and also "])
    if joiner == ", ":
        return ", ".join(phrases[:-1]) + rng.choice([" and ", ", "]) + phrases[-1]
    return joiner.join(phrases)


def background_phrase(rng: random.Random, color: str | None, first: bool = False) -> str:
    if color is None:
        return ""
    word = color_word(rng, color)
    a = article(word)
    if first:
        return rng.choice([f"on {a} {word} background, ", f"with {a} {word} background, ", f"{word} background: "])
    return rng.choice([
        f" on {a} {word} background", f" on {a} {word} background", f" with {a} {word} background",
        f", {word} background", f" on {word}", f" against {a} {word} background", f"; background {word}",
    ])


def word_text_phrase(rng: random.Random, text: str) -> str:
    form = text if rng.random() < 0.5 else text.lower()
    quote = rng.choice(["", "", "", "'", '"'])
    return f"{quote}{form}{quote}"


def word_color_phrase(rng: random.Random, color: str | None) -> str:
    if color is None:
        return ""
    word = color_word(rng, color)
    return rng.choice([f" in {word}", f" in {word} letters", f" with {word} letters", f" in {word} text"])


REFERENCE_KINDS = ("shape", "color", "both", "position", "it")


def reference_options(scene: Scene, obj: WorldObject, avoid: str | None = None) -> list[str]:
    """Kinds of reference that single out `obj`. `avoid` is the attribute a question asks about
    (a colour question must not name the colour)."""
    same_shape = sum(o.shape == obj.shape for o in scene.objects)
    same_color = sum(o.color == obj.color for o in scene.objects)
    same_both = sum(o.shape == obj.shape and o.color == obj.color for o in scene.objects)
    options = []
    if same_shape == 1 and avoid != "shape":
        options.append("shape")
    if same_color == 1 and avoid != "color":
        options.append("color")
    if same_both == 1 and avoid not in ("shape", "color"):
        options.append("both")
    if avoid != "position":
        options.append("position")
    if len(scene.objects) == 1:
        options.append("it")
    return options


def reference_phrase(rng: random.Random, obj: WorldObject, kind: str) -> str:
    if kind == "shape":
        return f"the {shape_word(rng, obj.shape)}"
    if kind == "color":
        return rng.choice([f"the {color_word(rng, obj.color)} one", f"the {color_word(rng, obj.color)} shape"])
    if kind == "both":
        return f"the {color_word(rng, obj.color)} {shape_word(rng, obj.shape)}"
    if kind == "position":
        words = rng.choice(POSITION_WORDS[obj.position])
        return rng.choice([f"the one {position_words(rng, obj.position)}", f"the shape {position_words(rng, obj.position)}",
                           f"the {words} one", f"the thing {position_words(rng, obj.position)}"])
    if kind == "it":
        return "it"
    raise ValueError(kind)


def unknown_reference(rng: random.Random, shape: str) -> str:
    return f"the {shape_word(rng, shape)}"


def fill(rng: random.Random, template: Template, slots: dict[str, str]) -> str:
    text = template.pattern
    for key, value in slots.items():
        text = text.replace("{" + key + "}", value)
    return " ".join(text.split()) if "{" not in text else text


def finish(rng: random.Random, text: str, protected: tuple[str, ...] = (), filler: bool = True) -> str:
    """Add filler words, vary case and sometimes misspell, never touching `protected` words."""
    if filler:
        first = text.split(" ", 1)[0].lower()
        polite = first in IMPERATIVE_VERBS and rng.random() < 0.35
        prefix = rng.choice(POLITE_PREFIXES) if polite else rng.choice(NEUTRAL_PREFIXES)
        question = text.endswith("?")
        suffix = rng.choice(QUESTION_SUFFIXES if question else REQUEST_SUFFIXES)
        if polite and prefix.rstrip() in ("could you", "can you", "would you") and not question and rng.random() < 0.7:
            suffix = "?"
        text = f"{prefix}{text}{suffix}"
    return vary_surface(rng, text, protected)


def choose(rng: random.Random, category: str, held_out: bool) -> Template:
    return rng.choice(templates_for(category, held_out))


def in_picture(rng: random.Random, number: int | None) -> str:
    if number is None:
        return ""
    return rng.choice([" in ", " in ", " of "]) + picture_ref(rng, number)
