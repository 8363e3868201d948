"""Words of the conversations: the assistant's canonical phrasing and the user's varied vocabulary.

The assistant always speaks the same way (short, one canonical form per fact), so a small model
can learn it; users vary (synonyms, word order, filler, case, typos).
"""

from __future__ import annotations

import random

from .scene import Scene, WorldObject
from .spec import COLORS, SHAPES, WORD_MAX_LETTERS

# ----- assistant (canonical) -------------------------------------------------------------------

POSITION_PHRASE = {
    "top left": "at the top left",
    "top": "at the top",
    "top right": "at the top right",
    "left": "on the left",
    "center": "in the center",
    "right": "on the right",
    "bottom left": "at the bottom left",
    "bottom": "at the bottom",
    "bottom right": "at the bottom right",
}


def describe_object(obj: WorldObject) -> str:
    return f"a {obj.size} {obj.color} {obj.shape} {POSITION_PHRASE[obj.position]}"


def join_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_scene(scene: Scene) -> str:
    """Full canonical description, e.g. 'a small red circle at the top left on a blue background'.

    Objects are named in reading order of their grid cells (top left first, bottom right last),
    the order in which a picture's codes reach them, whatever order they were asked for or made
    in: the k-th object drawn is the k-th named."""
    if scene.word is not None:
        return f"the word {scene.word.text} in {scene.word.color} on {background_text(scene.background)}"
    objects = scene.canonical().objects
    return f"{join_list([describe_object(o) for o in objects])} on {background_text(scene.background)}"


def background_text(color: str) -> str:
    return f"{'an' if color[0] in 'aeiou' else 'a'} {color} background"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


SHAPE_PLURALS = "circles, squares, triangles, diamonds, stars, hearts, rings and crosses"
COLOR_LIST = join_list(list(COLORS))
CAPABILITIES = (
    f"I can draw {SHAPE_PLURALS} in {COLOR_LIST}, one to three shapes per picture, "
    f"or a word of up to {WORD_MAX_LETTERS} letters."
)

# ----- user vocabulary -------------------------------------------------------------------------

SHAPE_WORDS: dict[str, tuple[str, ...]] = {
    "circle": ("circle", "circle", "circle", "disc", "dot"),
    "square": ("square", "square", "square", "box"),
    "triangle": ("triangle",),
    "diamond": ("diamond", "diamond", "rhombus"),
    "star": ("star",),
    "heart": ("heart",),
    "ring": ("ring", "ring", "ring", "donut", "hollow circle"),
    "cross": ("cross", "cross", "plus", "plus sign"),
}

COLOR_WORDS: dict[str, tuple[str, ...]] = {c: (c,) for c in COLORS}
COLOR_WORDS["gray"] = ("gray", "grey")
COLOR_WORDS["purple"] = ("purple", "purple", "violet")

SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("small", "small", "little", "tiny"),
    "medium": ("medium", "medium", "medium-sized", "mid-sized"),
    "large": ("large", "large", "big", "huge"),
}

POSITION_WORDS: dict[str, tuple[str, ...]] = {
    "top left": ("top left", "top-left", "upper left", "top left corner"),
    "top": ("top", "top center", "top middle", "top centre"),
    "top right": ("top right", "top-right", "upper right", "top right corner"),
    "left": ("left", "middle left", "left side", "center left"),
    "center": ("center", "centre", "middle", "center"),
    "right": ("right", "middle right", "right side", "center right"),
    "bottom left": ("bottom left", "bottom-left", "lower left", "bottom left corner"),
    "bottom": ("bottom", "bottom center", "bottom middle", "bottom centre"),
    "bottom right": ("bottom right", "bottom-right", "lower right", "bottom right corner"),
}

POSITION_PREPOSITIONS = ("at the", "in the", "on the")

COMMON_TYPOS: dict[str, tuple[str, ...]] = {
    "circle": ("cirlce", "circel", "cicle"),
    "square": ("sqaure", "squre"),
    "triangle": ("traingle", "triangel", "trianlge"),
    "diamond": ("diamon", "dimond"),
    "heart": ("hart", "heaart"),
    "background": ("backround", "bakground", "backgroud"),
    "picture": ("pciture", "pitcure", "picutre"),
    "purple": ("purpel", "purle"),
    "yellow": ("yelow", "yellwo"),
    "green": ("gren", "grean"),
    "orange": ("ornage", "orang"),
    "please": ("pls", "plz", "pleas"),
    "center": ("cneter", "centr"),
    "bottom": ("bottm", "botom"),
    "right": ("rigth", "rihgt"),
    "colour": ("coulor", "colur"),
    "color": ("colr", "coler"),
    "change": ("chnage", "chang"),
    "remove": ("remvoe", "rmove"),
}

POLITE_PREFIXES = ("please ", "could you ", "can you ", "i'd like you to ", "would you ", "pls ", "kindly ")
"""Only before a request that starts with a verb ('please draw ...')."""
NEUTRAL_PREFIXES = ("", "", "", "", "", "hey, ", "ok ", "now ", "so ", "and ", "hmm, ", "ok, ")
REQUEST_SUFFIXES = ("", "", "", "", " please", " thanks", " thank you", "!", ".", " :)", " now")
QUESTION_SUFFIXES = ("", "", "", " thanks", " :)")
IMPERATIVE_VERBS = frozenset("""
draw make paint show create sketch generate give write spell print put type change colour color recolor turn
move shift place drag relocate add also include take erase delete remove get drop lose enlarge grow increase
reduce shrink decrease scale replace swap morph set use switch insert throw go describe read count tell name
""".split())


def shape_word(rng: random.Random, shape: str) -> str:
    return rng.choice(SHAPE_WORDS[shape])


def color_word(rng: random.Random, color: str) -> str:
    return rng.choice(COLOR_WORDS[color])


def size_word(rng: random.Random, size: str) -> str:
    return rng.choice(SIZE_WORDS[size])


def position_words(rng: random.Random, position: str) -> str:
    """'at the top left', 'in the middle', 'on the left side', ..."""
    words = rng.choice(POSITION_WORDS[position])
    return f"{rng.choice(POSITION_PREPOSITIONS)} {words}"


def picture_ref(rng: random.Random, number: int) -> str:
    ordinals = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
    forms = [f"picture {number}", f"picture {number}", f"picture #{number}", f"image {number}", f"pic {number}"]
    if number in ordinals:
        forms.append(f"the {ordinals[number]} picture")
    return rng.choice(forms)


# ----- surface noise ---------------------------------------------------------------------------

def add_typo(rng: random.Random, text: str, protected: tuple[str, ...] = ()) -> str:
    """One common misspelling of a known word, or a swap of two neighbouring letters elsewhere.
    Words in `protected` (a word the user wants written) are never changed."""
    words = text.split(" ")
    guarded = {p.lower() for p in protected}
    known = [i for i, w in enumerate(words)
             if w.lower().strip(",.?!") in COMMON_TYPOS and w.lower().strip(",.?!'\"") not in guarded]
    if known and rng.random() < 0.7:
        i = rng.choice(known)
        core = words[i].lower().strip(",.?!")
        words[i] = words[i].lower().replace(core, rng.choice(COMMON_TYPOS[core]))
        return " ".join(words)
    long_words = [i for i, w in enumerate(words)
                  if len(w) >= 5 and w.isalpha() and w.islower() and w not in guarded]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    k = rng.randrange(1, len(w) - 2)
    words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    return " ".join(words)


def vary_surface(rng: random.Random, text: str, keep_case: tuple[str, ...] = ()) -> str:
    """Casing, filler words and occasional typos. Words in `keep_case` (e.g. a word to write)
    keep their letters."""
    if rng.random() < 0.07:
        text = add_typo(rng, text, keep_case)
    roll = rng.random()
    if roll < 0.55:
        text = text.lower()
    elif roll < 0.9:
        text = capitalise(text)
    elif roll < 0.95:
        text = text.upper()
    for word in keep_case:
        lowered = word.lower()
        index = text.lower().find(lowered)
        if index >= 0 and rng.random() < 0.5:
            text = text[:index] + word + text[index + len(word):]
    return text
