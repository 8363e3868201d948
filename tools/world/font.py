"""The blocky pixel font for words: 4x6 glyphs drawn at 2x scale (8x12 pixels per letter).

Each glyph is one 4-connected blob (checked by the tests), and letters are separated by
`LETTER_GAP` background columns. With S = 64 a six-letter word is 6*8 + 5*2 = 58 pixels wide.
"""

from __future__ import annotations

import numpy as np

from .spec import CANVAS_SIZE

GLYPH_COLUMNS = 4
GLYPH_ROWS = 6
FONT_SCALE = 2
LETTER_WIDTH = GLYPH_COLUMNS * FONT_SCALE
LETTER_HEIGHT = GLYPH_ROWS * FONT_SCALE
LETTER_GAP = 2
"""Background columns between neighbouring letters (world.md asks for at least one)."""

_GLYPH_ROWS_TEXT: dict[str, tuple[str, ...]] = {
    "A": ("XXXX", "X..X", "X..X", "XXXX", "X..X", "X..X"),
    "B": ("XXX.", "X..X", "XXXX", "X..X", "X..X", "XXXX"),
    "C": ("XXXX", "X...", "X...", "X...", "X...", "XXXX"),
    "D": ("XXX.", "X.XX", "X..X", "X..X", "X.XX", "XXX."),
    "E": ("XXXX", "X...", "XXX.", "X...", "X...", "XXXX"),
    "F": ("XXXX", "X...", "XXX.", "X...", "X...", "X..."),
    "G": ("XXXX", "X...", "X...", "X.XX", "X..X", "XXXX"),
    "H": ("X..X", "X..X", "XXXX", "X..X", "X..X", "X..X"),
    "I": ("XXXX", ".XX.", ".XX.", ".XX.", ".XX.", "XXXX"),
    "J": ("...X", "...X", "...X", "...X", "X..X", "XXXX"),
    "K": ("X..X", "X.XX", "XXX.", "X.X.", "X.XX", "X..X"),
    "L": ("X...", "X...", "X...", "X...", "X...", "XXXX"),
    "M": ("X..X", "XXXX", "XXXX", "X..X", "X..X", "X..X"),
    "N": ("X..X", "XX.X", "XXXX", "X.XX", "X..X", "X..X"),
    "O": ("XXXX", "X..X", "X..X", "X..X", "X..X", "XXXX"),
    "P": ("XXXX", "X..X", "XXXX", "X...", "X...", "X..."),
    "Q": ("XXXX", "X..X", "X..X", "X.XX", "XXXX", "...X"),
    "R": ("XXXX", "X..X", "XXXX", "X.X.", "X.XX", "X..X"),
    "S": ("XXXX", "X...", "XXXX", "...X", "...X", "XXXX"),
    "T": ("XXXX", ".XX.", ".XX.", ".XX.", ".XX.", ".XX."),
    "U": ("X..X", "X..X", "X..X", "X..X", "X..X", "XXXX"),
    "V": ("X..X", "X..X", "X..X", "X..X", "XXXX", ".XX."),
    "W": ("X..X", "X..X", "X..X", "XXXX", "XXXX", "X..X"),
    "X": ("X..X", "XXXX", ".XX.", ".XX.", "XXXX", "X..X"),
    "Y": ("X..X", "X..X", "XXXX", ".XX.", ".XX.", ".XX."),
    "Z": ("XXXX", "...X", "..XX", ".XX.", "XX..", "XXXX"),
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
    """Top-left pixel (x, y) of a centred word; rounded down to even pixels so font pixels
    (2x2 blocks) align with the 4x4 patches of the image tokenizer as often as possible."""
    x0 = (CANVAS_SIZE - word_width(length)) // 2
    y0 = (CANVAS_SIZE - LETTER_HEIGHT) // 2
    return x0 - x0 % 2, y0 - y0 % 2


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
