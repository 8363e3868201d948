"""Questions about pictures (made or attached) and their canonical short answers."""

from __future__ import annotations

import random

from .phrases import POSITION_PHRASE, capitalise, describe_scene
from .requests import choose, fill, finish, in_picture, reference_options, reference_phrase, unknown_reference
from .scene import Scene
from .spec import SHAPES

QUESTION_KINDS = ("color", "shape", "position", "count", "background", "word", "describe")


def answer(scene: Scene, kind: str, target_position: str | None, number: int) -> tuple[str, str]:
    """(answer text, the value it states) for a question about picture `number`."""
    if kind == "count":
        if scene.word is not None:
            return f"There are no shapes, only the word {scene.word.text}.", "0"
        count = len(scene.objects)
        return (f"There is 1 shape." if count == 1 else f"There are {count} shapes."), str(count)
    if kind == "background":
        return f"The background is {scene.background}.", scene.background
    if kind == "word":
        if scene.word is None:
            return "There is no word, only shapes.", ""
        return f"It says {scene.word.text}.", scene.word.text
    if kind == "describe":
        return f"Picture {number} shows {describe_scene(scene)}.", describe_scene(scene)
    obj = scene.object_at(target_position)
    if kind == "color":
        return f"It is {obj.color}.", obj.color
    if kind == "shape":
        return f"It is a {obj.shape}.", obj.shape
    if kind == "position":
        return f"It is {POSITION_PHRASE[obj.position]}.", obj.position
    raise ValueError(kind)


def question_kinds_for(scene: Scene) -> tuple[str, ...]:
    if scene.word is not None:
        return ("word", "word", "background", "describe", "count")
    return ("color", "shape", "position", "count", "background", "describe", "color", "shape", "position")


def ask(rng: random.Random, scene: Scene, number: int, held_out: bool, name_picture: bool) -> tuple[str, str, dict]:
    """(question text before filler, answer text, check) about `scene` = picture `number`."""
    kind = rng.choice(question_kinds_for(scene))
    if kind in ("color", "shape", "position") and not any(reference_options(scene, o, avoid=kind) for o in scene.objects):
        kind = "count"  # e.g. two identical shapes: nothing singles one out without naming the answer
    inpic = in_picture(rng, number) if name_picture else ""
    template = choose(rng, f"q_{kind}", held_out)
    check = {"kind": "question", "question": kind, "template": template.id, "picture": number}
    if kind in ("color", "shape", "position"):
        if scene.objects and rng.random() < 0.06 and kind != "shape":
            missing = [s for s in SHAPES if all(o.shape != s for o in scene.objects)]
            shape = rng.choice(missing)
            text = fill(rng, template, {"ref": unknown_reference(rng, shape), "inpic": inpic})
            reply = f"There is no {shape} in picture {number}."
            return text, reply, dict(check, answer="none")
        obj = rng.choice([o for o in scene.objects if reference_options(scene, o, avoid=kind)])
        options = reference_options(scene, obj, avoid=kind)
        ref_kind = rng.choice(options)
        ref = reference_phrase(rng, obj, ref_kind)
        text = fill(rng, template, {"ref": ref, "inpic": inpic})
        reply, value = answer(scene, kind, obj.position, number)
        return text, reply, dict(check, target=obj.position, answer=value)
    text = fill(rng, template, {"inpic": inpic})
    reply, value = answer(scene, kind, None, number)
    return text, reply, dict(check, answer=value)


def question_about_made(rng: random.Random, conv, earlier: bool) -> bool:
    if not conv.pictures:
        return False
    number = len(conv.pictures)
    if earlier and len(conv.pictures) >= 2:
        number = rng.randrange(1, len(conv.pictures))
    name = earlier or rng.random() < 0.2
    text, reply, check = ask(rng, conv.pictures[number - 1], number, conv.held_out, name)
    conv.user(finish(rng, text))
    conv.reply(reply, dict(check, category="question_made"))
    return True


def question_about_attached(rng: random.Random, conv, scene: Scene) -> None:
    number = len(conv.pictures) + 1
    text, reply, check = ask(rng, scene, number, conv.held_out, name_picture=False)
    wrapper = choose(rng, "attach_question", conv.held_out)
    text = fill(rng, wrapper, {"question": text})
    conv.user(finish(rng, text, filler=False), attachment=scene, attach_first=rng.random() < 0.7)
    conv.reply(reply, dict(check, category="question_attached", template=check["template"] + "+" + wrapper.id))


__all__ = ["answer", "ask", "question_about_made", "question_about_attached", "QUESTION_KINDS", "capitalise"]
