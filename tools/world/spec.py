"""Constants of the picture world (../../shared/docs/world.md), in one place.

Every other module reads the canvas side, palette, shapes, sizes and positions from here.

Canvas side: S = 64. The image tokenizer is a VQGAN with two down-samplings (factor 4), so a
64x64 picture becomes a 16x16 grid = 256 image codes. The language model has to emit all of them
per picture (twice per step under classifier-free guidance), and the product target is one picture
in at most one second on two CPU cores; 96 or 128 pixels would mean 576 or 1024 codes per picture
and would miss that budget. At 64 pixels the smallest object (extent 0.20 S = 12.8 px) and the
letters (2 px strokes) are still clearly drawn.
"""

from __future__ import annotations

CANVAS_SIZE = 64
"""Side S of the square canvas in pixels. The single place where S is chosen."""

VQ_DOWNSAMPLING = 4
"""Spatial reduction of the image tokenizer (two 2x down-samplings)."""

VQ_GRID = CANVAS_SIZE // VQ_DOWNSAMPLING
"""Side of the code grid: 16, so a picture is 256 image tokens."""

PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "orange": (245, 140, 30),
    "yellow": (245, 215, 50),
    "green": (50, 170, 70),
    "blue": (40, 90, 220),
    "purple": (140, 60, 190),
    "pink": (240, 130, 180),
    "brown": (130, 80, 40),
    "black": (20, 20, 20),
    "white": (240, 240, 240),
    "gray": (128, 128, 128),
    "cyan": (40, 200, 210),
}
"""Exact sRGB drawing values, in the table order of world.md."""

COLORS: tuple[str, ...] = tuple(PALETTE)

DEFAULT_BACKGROUNDS: tuple[str, ...] = ("white", "black")
"""The background a made picture gets when its request leaves it unsaid: the first of these (then
of COLORS) that no colour the request named for an object or word is. A fixed choice rather than
a random one: a model that copies the request's words learns a free colour slot as "any colour of
the request", and drew objects on a background of their own colour (invisible)."""

DEFAULT_INKS: tuple[str, ...] = ("red", "blue")
"""The colour an object or word gets when its request leaves it unsaid: the first of these (then
of COLORS) that is not the background."""

SHAPES: tuple[str, ...] = (
    "circle", "square", "triangle", "diamond", "star", "heart", "ring", "cross",
)

SIZE_FRACTIONS: dict[str, float] = {"small": 0.20, "medium": 0.30, "large": 0.45}
"""Extent of an object's box as a fraction of S."""

SIZES: tuple[str, ...] = ("small", "medium", "large")
"""Sizes in increasing order: one edit step is one place in this tuple."""

POSITIONS: tuple[str, ...] = (
    "top left", "top", "top right",
    "left", "center", "right",
    "bottom left", "bottom", "bottom right",
)
"""The 3x3 grid cells in reading order; index = 3 * row + column."""

CELL_CENTER_FRACTIONS = (1 / 6, 1 / 2, 5 / 6)
"""Centres of the grid cells on each axis as fractions of S."""

MIN_OBJECTS = 1
MAX_OBJECTS = 3

WORD_MIN_LETTERS = 1
WORD_MAX_LETTERS = 6
WORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def position_center(position: str) -> tuple[float, float]:
    """Centre (x, y) in pixels of a named grid cell."""
    index = POSITIONS.index(position)
    row, column = divmod(index, 3)
    return (CELL_CENTER_FRACTIONS[column] * CANVAS_SIZE, CELL_CENTER_FRACTIONS[row] * CANVAS_SIZE)


def extent_pixels(size: str) -> float:
    """Side of an object's box in pixels."""
    return SIZE_FRACTIONS[size] * CANVAS_SIZE


def sizes_allowed_at(position: str) -> tuple[str, ...]:
    """Sizes whose box lies wholly inside the canvas at this cell: large only fits at the center."""
    cx, cy = position_center(position)
    allowed = []
    for size in SIZES:
        half = extent_pixels(size) / 2
        if cx - half >= 0 and cy - half >= 0 and cx + half <= CANVAS_SIZE and cy + half <= CANVAS_SIZE:
            allowed.append(size)
    return tuple(allowed)
