"""Multi-turn conversation generator, deterministic by seed.

Each conversation is one JSON object (see tools/world/README.md):

    {"id": "train-1234-000007", "split": "train", "turns": [
      {"role": "user", "segments": [{"type": "text", "text": "draw a red circle"}]},
      {"role": "assistant", "segments": [
          {"type": "text", "text": "Here is picture 1: a small red circle at the top left on a blue background."},
          {"type": "image", "scene": {...}}],
       "check": {"kind": "make", "category": "make_one", "said": {...}, "picture": 1}}]}

Pictures are numbered in order of appearance, counting the user's attached pictures too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from .edits import Edit, EditRefused, apply_edit
from .phrases import (
    CAPABILITIES, COLOR_LIST, POSITION_WORDS, color_word, describe_scene, picture_ref, position_words, shape_word,
)
from .requests import (
    background_phrase, choose, fill, finish, in_picture, object_phrase, objects_phrase, reference_options,
    reference_phrase, word_color_phrase, word_text_phrase,
)
from .scene import (
    Scene, Word, WorldObject, default_ink, free_positions, random_object, random_scene, with_unsaid_colors,
)
from .spec import COLORS, MAX_OBJECTS, POSITIONS, SHAPES, SIZES, sizes_allowed_at
from .templates import IMPOSSIBLE_THINGS, PHOTO_PLACES, UNKNOWN_COLORS
from .words import random_word

OBJECT_EDITS = ("recolor_object", "move", "add", "remove", "bigger", "smaller", "reshape", "recolor_background")
WORD_EDITS = ("change_word", "recolor_word", "recolor_background")


@dataclass
class Conversation:
    """State while generating: the turns so far and every picture by number (1-based)."""

    held_out: bool
    turns: list[dict] = field(default_factory=list)
    pictures: list[Scene] = field(default_factory=list)

    def user(self, text: str, attachment: Scene | None = None, attach_first: bool = True) -> None:
        segments: list[dict] = [{"type": "text", "text": text}]
        if attachment is not None:
            self.pictures.append(attachment)
            image = {"type": "image", "scene": attachment.to_json()}
            segments = [image] + segments if attach_first else segments + [image]
        self.turns.append({"role": "user", "segments": segments})

    def reply(self, text: str, check: dict, picture: Scene | None = None) -> None:
        segments: list[dict] = [{"type": "text", "text": text}]
        if picture is not None:
            self.pictures.append(picture)
            segments.append({"type": "image", "scene": picture.to_json()})
            check = dict(check, picture=len(self.pictures))
        self.turns.append({"role": "assistant", "segments": segments, "check": check})

    def show(self, scene: Scene, check: dict) -> None:
        number = len(self.pictures) + 1
        self.reply(f"Here is picture {number}: {describe_scene(scene)}.", check, scene)


# ----- making pictures -------------------------------------------------------------------------

def _said_flags(rng: random.Random) -> dict[str, bool]:
    return {"color": rng.random() < 0.85, "size": rng.random() < 0.4, "position": rng.random() < 0.6}


def _said_json(obj: WorldObject, said: dict[str, bool]) -> dict:
    data = {"shape": obj.shape}
    for key in ("color", "size", "position"):
        if said[key]:
            data[key] = getattr(obj, key)
    return data


def make_objects(rng: random.Random, conv: Conversation, count: int | None = None) -> None:
    scene = random_scene(rng, word_probability=0.0)
    if count is not None:
        while len(scene.objects) != count:
            scene = random_scene(rng, word_probability=0.0)
    said = [_said_flags(rng) for _ in scene.objects]
    background_said = rng.random() < 0.5
    scene = with_unsaid_colors(scene, background_said, [s["color"] for s in said])
    template = choose(rng, "make", conv.held_out)
    first = "{bgfirst}" in template.pattern
    bg = background_phrase(rng, scene.background if background_said else None, first=first)
    text = fill(rng, template, {"objs": objects_phrase(rng, list(scene.objects), said),
                                "bg": "" if first else bg, "bgfirst": bg if first else ""})
    conv.user(finish(rng, text))
    category = "make_one" if len(scene.objects) == 1 else "make_many"
    check = {"kind": "make", "category": category, "template": template.id,
             "said": {"background": scene.background if background_said else None,
                      "objects": [_said_json(o, s) for o, s in zip(scene.objects, said)]}}
    conv.show(scene, check)


def make_word(rng: random.Random, conv: Conversation) -> None:
    text = random_word(rng)
    background = rng.choice(COLORS)
    color = rng.choice([c for c in COLORS if c != background])
    color_said, background_said = rng.random() < 0.7, rng.random() < 0.5
    scene = with_unsaid_colors(Scene(background, word=Word(text, color)), background_said, [color_said])
    background, color = scene.background, scene.word.color
    template = choose(rng, "make_word", conv.held_out)
    first = "{bgfirst}" in template.pattern
    bg = background_phrase(rng, background if background_said else None, first=first)
    request = fill(rng, template, {"text": word_text_phrase(rng, text),
                                   "wcolor": word_color_phrase(rng, color if color_said else None),
                                   "bg": "" if first else bg, "bgfirst": bg if first else ""})
    conv.user(finish(rng, request, protected=(text,)))
    check = {"kind": "make", "category": "word_short" if len(text) <= 4 else "word_long", "template": template.id,
             "said": {"background": background if background_said else None,
                      "word": {"text": text, "color": color if color_said else None}}}
    conv.show(scene, check)


# ----- edits -----------------------------------------------------------------------------------

def _random_edit(rng: random.Random, scene: Scene, impossible: bool) -> tuple[Edit, dict] | None:
    """An edit of `scene` (and the phrase slots to ask for it). With `impossible`, prefer one
    that the world cannot hold, so the assistant must explain."""
    kinds = WORD_EDITS if scene.word is not None else OBJECT_EDITS
    for _ in range(40):
        kind = rng.choice(kinds)
        slots: dict = {}
        if kind == "recolor_background":
            color = rng.choice(COLORS)
            edit = Edit(kind, color=color)
        elif kind == "change_word":
            edit = Edit(kind, text=random_word(rng, max_letters=9 if impossible else 6))
        elif kind == "recolor_word":
            edit = Edit(kind, color=rng.choice(COLORS))
        elif kind == "add":
            if len(scene.objects) >= MAX_OBJECTS and not impossible:
                continue
            said = _said_flags(rng)
            new = _object_for_add(rng, scene, said, impossible)
            if new is None:
                continue
            slots["added_said"] = said
            edit = Edit(kind, added=new)
        else:
            target = rng.choice(scene.objects)
            if kind == "recolor_object":
                edit = Edit(kind, target=target.position, color=rng.choice(COLORS))
            elif kind == "move":
                edit = Edit(kind, target=target.position, position=rng.choice(POSITIONS))
            elif kind == "reshape":
                edit = Edit(kind, target=target.position, shape=rng.choice(SHAPES))
            else:
                edit = Edit(kind, target=target.position)
        try:
            apply_edit(scene, edit)
            possible = True
        except EditRefused:
            possible = False
        if possible == impossible:
            continue
        return edit, slots
    return None


def _object_for_add(rng: random.Random, scene: Scene, said: dict[str, bool], impossible: bool) -> WorldObject | None:
    if not impossible:
        obj = random_object(rng, scene, scene.background)
        if obj is not None and not said["color"]:
            obj = replace(obj, color=default_ink(scene.background))
        return obj
    shape = rng.choice(SHAPES)
    color = rng.choice(COLORS)
    size = rng.choice(SIZES)
    position = rng.choice(POSITIONS)
    said.update({"color": True, "size": True, "position": True})
    return WorldObject(shape, color, size, position)


def edit_request(rng: random.Random, conv: Conversation, scene: Scene, edit: Edit, slots: dict) -> tuple[str, str, tuple]:
    """(request text, template id, protected words) asking for `edit` on `scene`."""
    template = choose(rng, edit.kind, conv.held_out)
    values: dict[str, str] = {}
    protected: tuple[str, ...] = ()
    if edit.target is not None:
        obj = scene.object_at(edit.target)
        values["ref"] = reference_phrase(rng, obj, rng.choice(reference_options(scene, obj)))
    if edit.color is not None:
        values["color"] = color_word(rng, edit.color)
    if edit.position is not None:
        values["pos"] = rng.choice(POSITION_WORDS[edit.position])
        values["posp"] = position_words(rng, edit.position)
    if edit.shape is not None:
        values["shape"] = edit.shape
    if edit.text is not None:
        values["text"] = word_text_phrase(rng, edit.text)
        protected = (edit.text,)
    if edit.added is not None:
        values["obj"] = object_phrase(rng, edit.added, slots["added_said"], standalone=True)
    return fill(rng, template, values), template.id, protected


def edit_picture(rng: random.Random, conv: Conversation, earlier: bool, impossible: bool) -> bool:
    number = len(conv.pictures)
    if earlier:
        if len(conv.pictures) < 2:
            return False
        number = rng.randrange(1, len(conv.pictures))
    scene = conv.pictures[number - 1]
    chosen = _random_edit(rng, scene, impossible)
    if chosen is None:
        return False
    edit, slots = chosen
    request, template_id, protected = edit_request(rng, conv, scene, edit, slots)
    if earlier:
        wrapper = choose(rng, "earlier", conv.held_out)
        request = fill(rng, wrapper, {"pic": picture_ref(rng, number), "edit": request})
        template_id += "+" + wrapper.id
    conv.user(finish(rng, request, protected))
    check = {"kind": "edit", "category": "edit_earlier" if earlier else "edit_latest", "template": template_id,
             "source": number, "edit": edit.to_json()}
    if edit.added is not None:
        check["said"] = _said_json(edit.added, slots["added_said"])
    try:
        result = apply_edit(scene, edit)
    except EditRefused as refusal:
        conv.reply(str(refusal), dict(check, kind="refuse"))
        return True
    conv.show(result, check)
    return True


def edit_attached(rng: random.Random, conv: Conversation) -> None:
    scene = random_scene(rng, 0.2)
    chosen = _random_edit(rng, scene, impossible=False)
    if chosen is None:
        return
    edit, slots = chosen
    request, template_id, protected = edit_request(rng, conv, scene, edit, slots)
    wrapper = choose(rng, "attach_edit", conv.held_out)
    request = fill(rng, wrapper, {"edit": request})
    conv.user(finish(rng, request, protected, filler=False), attachment=scene, attach_first=rng.random() < 0.7)
    number = len(conv.pictures)
    check = {"kind": "edit", "category": "edit_attached", "template": template_id + "+" + wrapper.id,
             "source": number, "edit": edit.to_json()}
    conv.show(apply_edit(scene, edit), check)


# ----- chat and declines -----------------------------------------------------------------------

GREETING_REPLY = "Hello! I draw simple pictures of shapes and words. What should I draw?"
HELP_REPLY = CAPABILITIES + " I can also change a picture or answer questions about one."
THANKS_REPLY = "You're welcome!"


def chat(rng: random.Random, conv: Conversation, kind: str) -> None:
    template = choose(rng, kind, conv.held_out)
    conv.user(finish(rng, template.pattern, filler=False))
    reply = {"greeting": GREETING_REPLY, "help": HELP_REPLY, "thanks": THANKS_REPLY}[kind]
    conv.reply(reply, {"kind": "chat", "category": kind, "template": template.id})


def decline(rng: random.Random, conv: Conversation) -> None:
    """A request the world cannot hold, answered politely with what can be drawn instead."""
    roll = rng.random()
    check = {"kind": "refuse", "category": "decline"}
    if roll < 0.35:
        thing = rng.choice(IMPOSSIBLE_THINGS)
        template = choose(rng, "decline_thing", conv.held_out)
        text = fill(rng, template, {"thing": thing}).replace("a apple", "an apple")
        reply = f"Sorry, I can't draw a {thing}. {CAPABILITIES}"
    elif roll < 0.5:
        template = choose(rng, "decline_photo", conv.held_out)
        text = fill(rng, template, {"place": rng.choice(PHOTO_PLACES)})
        reply = f"Sorry, I can't make photos. {CAPABILITIES}"
    elif roll < 0.62:
        color = rng.choice(UNKNOWN_COLORS)
        template = choose(rng, "make", conv.held_out)
        shape = shape_word(rng, rng.choice(SHAPES))
        text = fill(rng, template, {"objs": f"a {color} {shape}", "bg": "", "bgfirst": ""})
        reply = f"Sorry, I don't have {color}. My colours are {COLOR_LIST}."
    elif roll < 0.72:
        count = rng.randint(4, 9)
        numbers = {4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
        template = choose(rng, "make", conv.held_out)
        spoken = numbers[count] if rng.random() < 0.6 else str(count)
        text = fill(rng, template, {"objs": f"{spoken} {shape_word(rng, rng.choice(SHAPES))}s", "bg": "", "bgfirst": ""})
        reply = "Sorry, a picture holds at most 3 shapes."
    elif roll < 0.82:
        from .words import LONG_WORDS

        word = rng.choice(LONG_WORDS) if rng.random() < 0.7 else rng.choice(["R2D2", "B4", "NO.1", "HI-FI", "A+B"])
        template = choose(rng, "make_word", conv.held_out)
        text = fill(rng, template, {"text": word_text_phrase(rng, word), "wcolor": "", "bg": "", "bgfirst": ""})
        conv.user(finish(rng, text, protected=(word,)))
        conv.reply("Sorry, a word has 1 to 6 letters from A to Z.", dict(check, template=template.id))
        return
    elif roll < 0.92:
        shape = rng.choice(SHAPES)
        position = rng.choice([p for p in POSITIONS if p != "center"])
        template = choose(rng, "make", conv.held_out)
        size = rng.choice(["large", "big", "huge"])
        color = rng.choice(COLORS)
        text = fill(rng, template, {"objs": f"a {size} {color_word(rng, color)} {shape_word(rng, shape)} "
                                            f"{position_words(rng, position)}", "bg": "", "bgfirst": ""})
        reply = "Sorry, a large shape only fits in the center."
    else:
        color = rng.choice(COLORS)
        shape = rng.choice(SHAPES)
        template = choose(rng, "make", conv.held_out)
        word = color_word(rng, color)
        text = fill(rng, template, {"objs": f"a {word} {shape_word(rng, shape)}",
                                    "bg": f" on a {word} background", "bgfirst": f"on a {word} background, "})
        reply = f"Sorry, the {shape} can't be {color} on a {color} background."
    conv.user(finish(rng, text))
    conv.reply(reply, dict(check, template=template.id))


def missing_picture(rng: random.Random, conv: Conversation) -> None:
    number = len(conv.pictures) + rng.randint(1, 4)
    scene = Scene("white", (WorldObject("circle", "red", "small", "center"),))
    edit, slots = _random_edit(rng, scene, impossible=False) or (Edit("recolor_background", color="blue"), {})
    request, template_id, protected = edit_request(rng, conv, scene, edit, slots)
    wrapper = choose(rng, "earlier", conv.held_out)
    conv.user(finish(rng, fill(rng, wrapper, {"pic": picture_ref(rng, number), "edit": request}), protected))
    conv.reply(f"Sorry, there is no picture {number}.", {"kind": "refuse", "category": "no_such_picture",
                                                         "template": template_id + "+" + wrapper.id})


# ----- conversations ---------------------------------------------------------------------------

def generate_conversation(rng: random.Random, held_out: bool, max_pictures: int = 4, max_turns: int = 6) -> list[dict]:
    """One conversation (a list of turns) mixing every activity of world.md."""
    from .questions import question_about_attached, question_about_made

    conv = Conversation(held_out=held_out)
    user_turns = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
    user_turns = min(user_turns, max_turns)
    while sum(t["role"] == "user" for t in conv.turns) < user_turns:
        room = len(conv.pictures) < max_pictures
        has = bool(conv.pictures)
        options = [("chat_greeting", 0.04 if has else 0.08), ("chat_help", 0.03), ("decline", 0.06)]
        if room:
            options += [("make", 0.22 if has else 0.5), ("make_word", 0.06 if has else 0.12),
                        ("attach_question", 0.06 if has else 0.12)]
            if len(conv.pictures) + 2 <= max_pictures:
                options += [("attach_edit", 0.02 if has else 0.03)]
        if has:
            options += [("question_made", 0.16), ("chat_thanks", 0.02), ("missing_picture", 0.01)]
            if room:
                options += [("edit_latest", 0.24), ("edit_impossible", 0.04)]
                if len(conv.pictures) >= 2:
                    options += [("edit_earlier", 0.12), ("question_earlier", 0.04)]
        names, weights = zip(*options)
        activity = rng.choices(names, weights)[0]
        if activity.startswith("chat_"):
            chat(rng, conv, activity[5:])
        elif activity == "decline":
            decline(rng, conv)
        elif activity == "make":
            make_objects(rng, conv)
        elif activity == "make_word":
            make_word(rng, conv)
        elif activity == "attach_question":
            question_about_attached(rng, conv, random_scene(rng, 0.2))
        elif activity == "attach_edit":
            edit_attached(rng, conv)
        elif activity == "question_made":
            question_about_made(rng, conv, earlier=False)
        elif activity == "question_earlier":
            question_about_made(rng, conv, earlier=True)
        elif activity == "edit_latest":
            edit_picture(rng, conv, earlier=False, impossible=False)
        elif activity == "edit_impossible":
            edit_picture(rng, conv, earlier=rng.random() < 0.3, impossible=True)
        elif activity == "edit_earlier":
            edit_picture(rng, conv, earlier=True, impossible=False)
        elif activity == "missing_picture":
            missing_picture(rng, conv)
    return conv.turns


def generate(seed: int, count: int, split: str = "train", max_pictures: int = 4):
    """Yield `count` conversations as JSON-ready dicts, deterministic by (seed, split)."""
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be 'train' or 'heldout', not {split!r}")
    for index in range(count):
        rng = random.Random(f"{split}:{seed}:{index}")
        turns = generate_conversation(rng, held_out=split == "heldout", max_pictures=max_pictures)
        yield {"id": f"{split}-{seed}-{index:06d}", "split": split, "turns": turns}
