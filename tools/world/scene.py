"""Scene representation: what a world picture shows, serialisable to JSON.

A scene is a background colour plus either 1-3 objects or one word. JSON form:

    {"background": "blue",
     "objects": [{"shape": "circle", "color": "red", "size": "small", "position": "top left"}]}
    {"background": "white", "word": {"text": "HELLO", "color": "red"}}

Object order is the order in which objects were made (edits append); two scenes are equal when
they show the same things, whatever the order (`Scene.canonical`).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace

from .spec import (
    COLORS, DEFAULT_BACKGROUNDS, DEFAULT_INKS, MAX_OBJECTS, MIN_OBJECTS, POSITIONS, SHAPES, SIZES, WORD_ALPHABET,
    WORD_MAX_LETTERS, WORD_MIN_LETTERS, extent_pixels, position_center, sizes_allowed_at,
)


class SceneError(ValueError):
    """A scene that breaks a rule of the world, or JSON that is not a scene."""


@dataclass(frozen=True)
class WorldObject:
    shape: str
    color: str
    size: str
    position: str

    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the object's square box in pixels."""
        cx, cy = position_center(self.position)
        half = extent_pixels(self.size) / 2
        return cx - half, cy - half, cx + half, cy + half

    def to_json(self) -> dict:
        return {"shape": self.shape, "color": self.color, "size": self.size, "position": self.position}


@dataclass(frozen=True)
class Word:
    text: str
    color: str

    def to_json(self) -> dict:
        return {"text": self.text, "color": self.color}


@dataclass(frozen=True)
class Scene:
    background: str
    objects: tuple[WorldObject, ...] = field(default_factory=tuple)
    word: Word | None = None

    # ----- serialisation -------------------------------------------------------------------
    def to_json(self) -> dict:
        if self.word is not None:
            return {"background": self.background, "word": self.word.to_json()}
        return {"background": self.background, "objects": [o.to_json() for o in self.objects]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)

    @staticmethod
    def from_json(data: dict) -> "Scene":
        """Parse and validate a scene; raises SceneError with a one-line reason."""
        if not isinstance(data, dict) or "background" not in data:
            raise SceneError("scene JSON must be an object with a 'background'")
        try:
            if "word" in data:
                word = data["word"]
                scene = Scene(background=data["background"], word=Word(str(word["text"]), word["color"]))
            else:
                objects = tuple(
                    WorldObject(o["shape"], o["color"], o["size"], o["position"]) for o in data["objects"]
                )
                scene = Scene(background=data["background"], objects=objects)
        except (KeyError, TypeError) as error:
            raise SceneError(f"scene JSON is missing or mistypes a field: {error}") from error
        scene.validate()
        return scene

    @staticmethod
    def loads(text: str) -> "Scene":
        return Scene.from_json(json.loads(text))

    # ----- rules ---------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise SceneError if the scene breaks a rule of world.md."""
        problem = self.problem()
        if problem is not None:
            raise SceneError(problem)

    def problem(self) -> str | None:
        """The first broken rule in words, or None when the scene is valid."""
        if self.background not in COLORS:
            return f"unknown background colour {self.background!r}"
        if self.word is not None:
            if self.objects:
                return "a picture shows either objects or a word, not both"
            text = self.word.text
            if not (WORD_MIN_LETTERS <= len(text) <= WORD_MAX_LETTERS):
                return f"a word has {WORD_MIN_LETTERS} to {WORD_MAX_LETTERS} letters, not {len(text)}"
            if any(c not in WORD_ALPHABET for c in text):
                return f"a word uses only capital letters A-Z: {text!r}"
            if self.word.color not in COLORS:
                return f"unknown word colour {self.word.color!r}"
            if self.word.color == self.background:
                return "the word's colour must differ from the background"
            return None
        if not (MIN_OBJECTS <= len(self.objects) <= MAX_OBJECTS):
            return f"a picture holds {MIN_OBJECTS} to {MAX_OBJECTS} objects, not {len(self.objects)}"
        for obj in self.objects:
            if obj.shape not in SHAPES:
                return f"unknown shape {obj.shape!r}"
            if obj.color not in COLORS:
                return f"unknown colour {obj.color!r}"
            if obj.size not in SIZES:
                return f"unknown size {obj.size!r}"
            if obj.position not in POSITIONS:
                return f"unknown position {obj.position!r}"
            if obj.color == self.background:
                return f"the {obj.shape}'s colour must differ from the background"
            if obj.size not in sizes_allowed_at(obj.position):
                return f"a {obj.size} object does not fit at the {obj.position}"
        positions = [o.position for o in self.objects]
        if len(set(positions)) != len(positions):
            return "two objects share a grid cell"
        for i, a in enumerate(self.objects):
            for b in self.objects[i + 1:]:
                if boxes_overlap(a.box(), b.box()):
                    return f"the {a.size} {a.shape} and the {b.size} {b.shape} would overlap"
        return None

    def is_valid(self) -> bool:
        return self.problem() is None

    # ----- helpers -------------------------------------------------------------------------
    def canonical(self) -> "Scene":
        """The same scene with objects sorted by grid cell, for order-free comparison."""
        ordered = tuple(sorted(self.objects, key=lambda o: POSITIONS.index(o.position)))
        return replace(self, objects=ordered)

    def same_as(self, other: "Scene") -> bool:
        return self.canonical() == other.canonical()

    def object_at(self, position: str) -> WorldObject | None:
        for obj in self.objects:
            if obj.position == position:
                return obj
        return None


def boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two closed boxes (x0, y0, x1, y1) share any point."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def free_positions(scene: Scene, size: str, ignore: WorldObject | None = None) -> list[str]:
    """Cells where an object of `size` could be placed without breaking a rule."""
    others = [o for o in scene.objects if o is not ignore]
    result = []
    for position in POSITIONS:
        if size not in sizes_allowed_at(position):
            continue
        probe = WorldObject("square", "red", size, position)
        if any(o.position == position or boxes_overlap(o.box(), probe.box()) for o in others):
            continue
        result.append(position)
    return result


# ----- random scenes ----------------------------------------------------------------------

def random_object(rng: random.Random, scene: Scene, background: str) -> WorldObject | None:
    """A random object that fits into `scene` (None when nothing fits)."""
    options = [(size, pos) for size in SIZES for pos in free_positions(scene, size)]
    if not options:
        return None
    # Draw the size first so large objects are not rare just because they fit in one cell.
    sizes = sorted({s for s, _ in options}, key=SIZES.index)
    size = rng.choice(sizes)
    position = rng.choice([p for s, p in options if s == size])
    color = rng.choice([c for c in COLORS if c != background])
    return WorldObject(rng.choice(SHAPES), color, size, position)


def default_background(inks: list[str]) -> str:
    """The background chosen for a request that leaves it unsaid, given the colours it did name
    for its objects or word (`inks`)."""
    return next(c for c in DEFAULT_BACKGROUNDS + COLORS if c not in inks)


def default_ink(background: str) -> str:
    """The colour chosen for an object or word whose request leaves its colour unsaid."""
    return next(c for c in DEFAULT_INKS + COLORS if c != background)


def with_unsaid_colors(scene: Scene, background_said: bool, colors_said: list[bool]) -> Scene:
    """`scene` with the colours its request left unsaid replaced by the defaults: the background
    (when not `background_said`) and each object's or the word's colour (`colors_said`, one flag per
    object, or one for the word)."""
    inks = [o.color for o, said in zip(scene.objects, colors_said) if said]
    if scene.word is not None and colors_said[0]:
        inks.append(scene.word.color)
    background = scene.background if background_said else default_background(inks)
    objects = tuple(o if said else replace(o, color=default_ink(background))
                    for o, said in zip(scene.objects, colors_said))
    word = scene.word
    if word is not None and not colors_said[0]:
        word = replace(word, color=default_ink(background))
    return replace(scene, background=background, objects=objects, word=word)


def random_word_text(rng: random.Random, length: int | None = None) -> str:
    if length is None:
        length = rng.randint(WORD_MIN_LETTERS, WORD_MAX_LETTERS)
    return "".join(rng.choice(WORD_ALPHABET) for _ in range(length))


def random_scene(rng: random.Random, word_probability: float = 0.2) -> Scene:
    """A uniformly varied valid scene: 1-3 objects (or a word), every attribute at random."""
    background = rng.choice(COLORS)
    if rng.random() < word_probability:
        color = rng.choice([c for c in COLORS if c != background])
        return Scene(background=background, word=Word(random_word_text(rng), color))
    count = rng.randint(MIN_OBJECTS, MAX_OBJECTS)
    scene = Scene(background=background)
    for _ in range(count):
        obj = random_object(rng, scene, background)
        if obj is None:
            break
        scene = replace(scene, objects=scene.objects + (obj,))
    return scene
