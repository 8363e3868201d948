"""The blocky pixel font for words: 3x6 glyphs drawn at 2x scale (6x12 pixels per letter).

Each glyph is one 4-connected blob (checked by the tests), and letters are separated by
`LETTER_GAP` background columns. With S = 64 a six-letter word is 6*6 + 5*2 = 46 pixels wide.

The letter advance (6 + 2 = 8 pixels) is a multiple of the image tokenizer's 4-pixel patch and
every word starts on a patch boundary, so a letter always covers the same patches in the same way,
wherever it stands in whichever word: each letter is the same 2x4 block of codes everywhere. (The
first font, 4 columns with advance 10, put a letter at four different phases against the patch
grid, and the model never learned to write.)
"""

from __future__ import annotations

import numpy as np

from .spec import CANVAS_SIZE, VQ_DOWNSAMPLING

GLYPH_COLUMNS = 3
GLYPH_ROWS = 6
FONT_SCALE = 2
LETTER_WIDTH = GLYPH_COLUMNS * FONT_SCALE
LETTER_HEIGHT = GLYPH_ROWS * FONT_SCALE
LETTER_GAP = 2
"""Background columns between neighbouring letters (world.md asks for at least one)."""

_GLYPH_ROWS_TEXT: dict[str, tuple[str, ...]] = {
    "A": ("XXX", "X.X", "X.X", "XXX", "X.X", "X.X"),
    "B": ("XX.", "X.X", "XXX", "X.X", "X.X", "XXX"),
    "C": ("XXX", "X..", "X..", "X..", "X..", "XXX"),
    "D": ("XX.", "XXX", "X.X", "X.X", "XXX", "XX."),
    "E": ("XXX", "X..", "XXX", "X..", "X..", "XXX"),
    "F": ("XXX", "X..", "XX.", "X..", "X..", "X.."),
    "G": ("XXX", "X..", "X..", "X.X", "X.X", "XXX"),
    "H": ("X.X", "X.X", "XXX", "X.X", "X.X", "X.X"),
    "I": ("XXX", ".X.", ".X.", ".X.", ".X.", "XXX"),
    "J": ("..X", "..X", "..X", "..X", "X.X", "XXX"),
    "K": ("X.X", "XXX", "XX.", "XX.", "XXX", "X.X"),
    "L": ("X..", "X..", "X..", "X..", "X..", "XXX"),
    "M": ("XXX", "XXX", "X.X", "X.X", "X.X", "X.X"),
    "N": ("X.X", "XXX", "XXX", "XXX", "XXX", "X.X"),
    "O": ("XXX", "X.X", "X.X", "X.X", "X.X", "XXX"),
    "P": ("XXX", "X.X", "XXX", "X..", "X..", "X.."),
    "Q": ("XXX", "X.X", "X.X", "X.X", "XXX", "..X"),
    "R": ("XXX", "X.X", "XXX", "XX.", "XXX", "X.X"),
    "S": ("XXX", "X..", "XXX", "..X", "..X", "XXX"),
    "T": ("XXX", ".X.", ".X.", ".X.", ".X.", ".X."),
    "U": ("X.X", "X.X", "X.X", "X.X", "XXX", "XXX"),
    "V": ("X.X", "X.X", "X.X", "X.X", "XXX", ".X."),
    "W": ("X.X", "X.X", "X.X", "XXX", "XXX", "X.X"),
    "X": ("X.X", "XXX", ".X.", ".X.", "XXX", "X.X"),
    "Y": ("X.X", "X.X", "XXX", ".X.", ".X.", ".X."),
    "Z": ("XXX", "..X", ".XX", ".X.", "XX.", "XXX"),
}


def glyph_bitmap(letter: str) -> np.ndarray:
    """The unscaled glyph of a capital letter as a (GLYPH_ROWS, GLYPH_COLUMNS) bool array."""
    rows = _GLYPH_ROWS_TEXT[letter]
    return np.array([[c == "X" for c in row] for row in rows], dtype=bool)


GLYPHS: dict[str, np.ndarray] = {letter: glyph_bitmap(letter) for letter in _GLYPH_ROWS_TEXT}


def word_width(length: int) -> int:
    """Width in pixels of a word of `length` letters."""
    return length * LETTER_WIDTH + (length - 1) * LETTER_GAP


def word_origin(length: int) -> tuple[int, int]:
    """Top-left pixel (x, y) of a centred word: x rounded down to a multiple of the 4-pixel patch
    (at most 2 pixels left of centre), y rounded down to even pixels, so that font pixels (2x2
    blocks) fall on the patch grid the same way for every letter of every word."""
    x0 = (CANVAS_SIZE - word_width(length)) // 2
    y0 = (CANVAS_SIZE - LETTER_HEIGHT) // 2
    return x0 - x0 % VQ_DOWNSAMPLING, y0 - y0 % 2


def letter_origin(length: int, index: int) -> tuple[int, int]:
    """Top-left pixel (x, y) of letter `index` in a word of `length` letters."""
    x0, y0 = word_origin(length)
    return x0 + index * (LETTER_WIDTH + LETTER_GAP), y0


def word_mask(text: str) -> np.ndarray:
    """(S, S) bool mask of a word's pixels."""
    mask = np.zeros((CANVAS_SIZE, CANVAS_SIZE), dtype=bool)
    for index, letter in enumerate(text):
        x, y = letter_origin(len(text), index)
        scaled = np.kron(GLYPHS[letter], np.ones((FONT_SCALE, FONT_SCALE), dtype=bool))
        mask[y:y + LETTER_HEIGHT, x:x + LETTER_WIDTH] = scaled
    return mask
