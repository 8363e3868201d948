"""Edits of a picture: each changes only what was asked and keeps every world rule.

`apply_edit(scene, edit)` returns the edited scene or raises `EditRefused` whose message is the
assistant's polite, canonical explanation. Objects are addressed by their grid cell, which is
unique within a picture. The evaluation uses the same function to know what an edit must give.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .phrases import POSITION_PHRASE
from .scene import Scene, Word, WorldObject, boxes_overlap
from .spec import COLORS, MAX_OBJECTS, SHAPES, SIZES, WORD_ALPHABET, WORD_MAX_LETTERS, sizes_allowed_at

EDIT_KINDS = (
    "recolor_object", "recolor_background", "move", "add", "remove", "bigger", "smaller",
    "reshape", "change_word", "recolor_word",
)


class EditRefused(Exception):
    """An edit the world cannot hold; `str(error)` is what the assistant says."""


@dataclass(frozen=True)
class Edit:
    kind: str
    target: str | None = None
    """Grid cell of the object the edit is about (object edits)."""
    color: str | None = None
    position: str | None = None
    shape: str | None = None
    text: str | None = None
    added: WorldObject | None = None

    def to_json(self) -> dict:
        data = {"kind": self.kind}
        for key in ("target", "color", "position", "shape", "text"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.added is not None:
            data["added"] = self.added.to_json()
        return data

    @staticmethod
    def from_json(data: dict) -> "Edit":
        added = data.get("added")
        return Edit(
            kind=data["kind"], target=data.get("target"), color=data.get("color"),
            position=data.get("position"), shape=data.get("shape"), text=data.get("text"),
            added=WorldObject(**added) if added else None,
        )


def _replace_object(scene: Scene, old: WorldObject, new: WorldObject) -> Scene:
    return replace(scene, objects=tuple(new if o is old else o for o in scene.objects))


def _fits(scene: Scene, candidate: WorldObject, ignore: WorldObject | None) -> bool:
    if candidate.size not in sizes_allowed_at(candidate.position):
        return False
    for other in scene.objects:
        if other is ignore:
            continue
        if other.position == candidate.position or boxes_overlap(other.box(), candidate.box()):
            return False
    return True


def _target(scene: Scene, edit: Edit) -> WorldObject:
    if scene.word is not None:
        raise EditRefused("Sorry, that picture shows a word, not shapes.")
    obj = scene.object_at(edit.target) if edit.target else None
    if obj is None:
        raise EditRefused(f"Sorry, there is nothing {POSITION_PHRASE.get(edit.target or '', 'there')}.")
    return obj


def apply_edit(scene: Scene, edit: Edit) -> Scene:
    kind = edit.kind
    if kind == "recolor_background":
        if edit.color not in COLORS:
            raise EditRefused(f"Sorry, I only have these colours: {', '.join(COLORS)}.")
        if edit.color == scene.background:
            raise EditRefused(f"Sorry, the background is already {edit.color}.")
        clash = [o for o in scene.objects if o.color == edit.color]
        if clash or (scene.word is not None and scene.word.color == edit.color):
            thing = f"the {clash[0].shape}" if clash else "the word"
            raise EditRefused(f"Sorry, {thing} is {edit.color}, so the background can't be {edit.color} too.")
        return replace(scene, background=edit.color)
    if kind in ("change_word", "recolor_word"):
        if scene.word is None:
            raise EditRefused("Sorry, that picture has no word, only shapes.")
        if kind == "change_word":
            text = (edit.text or "").upper()
            if not (1 <= len(text) <= WORD_MAX_LETTERS) or any(c not in WORD_ALPHABET for c in text):
                raise EditRefused(f"Sorry, a word has 1 to {WORD_MAX_LETTERS} letters from A to Z.")
            if text == scene.word.text:
                raise EditRefused(f"Sorry, the word is already {text}.")
            return replace(scene, word=Word(text, scene.word.color))
        if edit.color == scene.word.color:
            raise EditRefused(f"Sorry, the word is already {edit.color}.")
        if edit.color == scene.background:
            raise EditRefused(f"Sorry, the word can't be {edit.color} on a {edit.color} background.")
        return replace(scene, word=Word(scene.word.text, edit.color))
    if kind == "add":
        if scene.word is not None:
            raise EditRefused("Sorry, a picture shows either a word or shapes, not both.")
        if len(scene.objects) >= MAX_OBJECTS:
            raise EditRefused(f"Sorry, a picture holds at most {MAX_OBJECTS} shapes.")
        new = edit.added
        assert new is not None, "add edits carry the resolved object"
        if new.color == scene.background:
            raise EditRefused(f"Sorry, the {new.shape} can't be {new.color} on a {new.color} background.")
        if new.size not in sizes_allowed_at(new.position):
            raise EditRefused("Sorry, a large shape only fits in the center.")
        if scene.object_at(new.position) is not None:
            raise EditRefused(f"Sorry, there is already a {scene.object_at(new.position).shape} "
                              f"{POSITION_PHRASE[new.position]}.")
        if not _fits(scene, new, None):
            raise EditRefused(f"Sorry, there is no room for a {new.size} {new.shape} {POSITION_PHRASE[new.position]}.")
        return replace(scene, objects=scene.objects + (new,))
    obj = _target(scene, edit)
    if kind == "remove":
        if len(scene.objects) == 1:
            raise EditRefused(f"Sorry, the {obj.shape} is the only shape, and a picture needs at least one.")
        return replace(scene, objects=tuple(o for o in scene.objects if o is not obj))
    if kind == "recolor_object":
        if edit.color == obj.color:
            raise EditRefused(f"Sorry, the {obj.shape} is already {obj.color}.")
        if edit.color == scene.background:
            raise EditRefused(f"Sorry, the {obj.shape} can't be {edit.color} on a {edit.color} background.")
        return _replace_object(scene, obj, replace(obj, color=edit.color))
    if kind == "reshape":
        if edit.shape not in SHAPES:
            raise EditRefused("Sorry, I can only draw " + ", ".join(SHAPES) + ".")
        if edit.shape == obj.shape:
            raise EditRefused(f"Sorry, it is already a {obj.shape}.")
        return _replace_object(scene, obj, replace(obj, shape=edit.shape))
    if kind in ("bigger", "smaller"):
        index = SIZES.index(obj.size) + (1 if kind == "bigger" else -1)
        if index < 0:
            raise EditRefused(f"Sorry, the {obj.shape} is already as small as it gets.")
        if index >= len(SIZES):
            raise EditRefused(f"Sorry, the {obj.shape} is already as large as it gets.")
        resized = replace(obj, size=SIZES[index])
        if resized.size not in sizes_allowed_at(obj.position):
            raise EditRefused(f"Sorry, a large shape only fits in the center.")
        if not _fits(scene, resized, obj):
            raise EditRefused(f"Sorry, there is no room to make the {obj.shape} bigger.")
        return _replace_object(scene, obj, resized)
    if kind == "move":
        if edit.position == obj.position:
            raise EditRefused(f"Sorry, the {obj.shape} is already {POSITION_PHRASE[obj.position]}.")
        moved = replace(obj, position=edit.position)
        occupant = scene.object_at(edit.position)
        if occupant is not None:
            raise EditRefused(f"Sorry, there is already a {occupant.shape} {POSITION_PHRASE[edit.position]}.")
        if moved.size not in sizes_allowed_at(edit.position):
            raise EditRefused(f"Sorry, a large shape only fits in the center.")
        if not _fits(scene, moved, obj):
            raise EditRefused(f"Sorry, there is no room for the {obj.shape} {POSITION_PHRASE[edit.position]}.")
        return _replace_object(scene, obj, moved)
    raise ValueError(f"unknown edit kind {kind!r}")
