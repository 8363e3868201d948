"""Words that users ask to have written: common short English words and random letter strings."""

from __future__ import annotations

import random

from .spec import WORD_ALPHABET, WORD_MAX_LETTERS

COMMON_WORDS = tuple("""
A I HI OK GO NO YES UP ON IT AM AT BE BY DO HE IF IN IS ME MY OF OR SO TO US WE OH OX
CAT DOG SUN SKY RED BOX HAT CAR BUS MAP CUP PEN TOY JOY ART FUN ZOO ICE KEY BEE OWL FOX
EGG LOVE HOPE COOL WOW YAY HELLO WORLD PEACE HAPPY SMILE DREAM MUSIC PIZZA APPLE LEMON MANGO
TIGER ZEBRA PANDA KOALA HORSE MOUSE RIVER OCEAN STORM CLOUD LIGHT NIGHT MAGIC OMNI CHAT BYE
STAR BLUE PINK GRAY CYAN GREEN BROWN BLACK WHITE ORANGE YELLOW PURPLE HEART CROSS RING CIRCLE
SQUARE DIAMOND TREE FISH BIRD FROG CAKE MILK TEA COFFEE BREAD HONEY JAZZ ROCK GAME PLAY WIN
HOME LAKE SNOW RAIN WIND FIRE GOLD SAND MOON NOVA ECHO ATOM CODE DATA BYTE PIXEL ROBOT SPACE
""".split())

VALID_WORDS = tuple(w for w in COMMON_WORDS if len(w) <= WORD_MAX_LETTERS)
LONG_WORDS = ("ELEPHANT", "COMPUTER", "BUTTERFLY", "RAINBOWS", "TRIANGLE", "SUNSHINE", "DINOSAUR", "MOUNTAIN")


def random_word(rng: random.Random, max_letters: int = WORD_MAX_LETTERS) -> str:
    """A word to write: 60% a common word, else random letters; length up to `max_letters`
    (above the world's limit only when asking for an impossible word)."""
    if max_letters > WORD_MAX_LETTERS and rng.random() < 0.5:
        return rng.choice(LONG_WORDS)
    if rng.random() < 0.6:
        return rng.choice(VALID_WORDS)
    length = rng.randint(1, min(max_letters, WORD_MAX_LETTERS))
    if max_letters > WORD_MAX_LETTERS:
        length = rng.randint(WORD_MAX_LETTERS + 1, max_letters)
    return "".join(rng.choice(WORD_ALPHABET) for _ in range(length))
