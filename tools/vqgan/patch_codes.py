"""The designed code assignment: one code per 4x4 patch, a function of that patch alone.

A world picture is a background colour with objects (or one word) in other colours, so a 4x4
patch is either one colour, or a binary mask of "ink" (the object's or word's colour) over the
background. Each code therefore names

* a plain patch of one colour (codes 0-11, in `COLORS` order), or
* a mask and the colour of its ink (code 12 + 12 * mask + colour); the background colour is not in
  the code, it is the picture's: the most common colour of the plain patches.

The masks are every mixed 4x4 mask that the world's objects and words can produce, enumerated from
the renderer (`enumerate_masks`); a patch whose mask is not among them (a third colour where two
objects touch one patch, a picture from outside the world) takes the nearest mask by Hamming
distance. So the language model sees codes that depend only on what is drawn in each patch, never
on the patch's neighbours: a learned VQGAN's codes carry context (the same patch content had
~1.5 nats of code entropy with the previous tokenizer), which the language model then has to
predict too.

The VQGAN (`tools/vqgan`) is trained to reproduce this assignment (encoder) and invert it
(decoder); this module is its target and its reference.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tools.world.font import word_mask
from tools.world.render import shape_mask
from tools.world.spec import CANVAS_SIZE, COLORS, POSITIONS, SHAPES, VQ_DOWNSAMPLING, VQ_GRID, WORD_ALPHABET, \
    WORD_MAX_LETTERS, sizes_allowed_at

PATCH = VQ_DOWNSAMPLING
"""Side of a patch in pixels (4)."""

COLOR_COUNT = len(COLORS)


def _patches(mask: np.ndarray) -> np.ndarray:
    """(VQ_GRID * VQ_GRID, PATCH * PATCH) bool rows of a (S, S) mask, patches in raster order."""
    return mask.reshape(VQ_GRID, PATCH, VQ_GRID, PATCH).transpose(0, 2, 1, 3).reshape(VQ_GRID * VQ_GRID, PATCH * PATCH)


@lru_cache(maxsize=1)
def enumerate_masks() -> np.ndarray:
    """(M, 16) bool: every mixed patch mask of a single object or word, in a fixed order
    (fewest ink pixels first, then by bit pattern)."""
    found: set[bytes] = set()

    def collect(mask: np.ndarray) -> None:
        for row in _patches(mask):
            if row.any() and not row.all():
                found.add(np.packbits(row).tobytes())

    for shape in SHAPES:
        for position in POSITIONS:
            for size in sizes_allowed_at(position):
                collect(shape_mask(shape, size, position))
    # Letters start on the 4-pixel patch grid 8 pixels apart and a patch never reaches two of them,
    # so every letter in any one slot covers all word masks.
    for length in range(1, WORD_MAX_LETTERS + 1):
        for letter in WORD_ALPHABET:
            collect(word_mask(letter * length))
    rows = [np.unpackbits(np.frombuffer(b, dtype=np.uint8))[:PATCH * PATCH].astype(bool) for b in found]
    rows.sort(key=lambda r: (int(r.sum()), np.packbits(r).tobytes()))
    masks = np.stack(rows)
    masks.setflags(write=False)
    return masks


def code_count() -> int:
    """Codes in the assignment: 12 plain colours + 12 ink colours per mask."""
    return COLOR_COUNT * (1 + len(enumerate_masks()))


def background_of(indices: np.ndarray) -> int:
    """A picture's background: its most common colour (lowest index on a tie)."""
    return int(np.bincount(indices.ravel(), minlength=COLOR_COUNT).argmax())


def encode_indices(indices: np.ndarray) -> np.ndarray:
    """(256,) int codes, raster order, of an (S, S) array of palette indices."""
    if indices.shape != (CANVAS_SIZE, CANVAS_SIZE):
        raise ValueError(f"expected a {CANVAS_SIZE}x{CANVAS_SIZE} picture, got {indices.shape}")
    masks = enumerate_masks()
    background = background_of(indices)
    patches = indices.reshape(VQ_GRID, PATCH, VQ_GRID, PATCH).transpose(0, 2, 1, 3).reshape(VQ_GRID * VQ_GRID, -1)
    codes = np.empty(len(patches), dtype=np.int64)
    for i, patch in enumerate(patches):
        counts = np.bincount(patch, minlength=COLOR_COUNT)
        if counts.max() == PATCH * PATCH:
            codes[i] = int(patch[0])
            continue
        counts[background] = 0
        ink = int(counts.argmax())
        if counts[ink] == 0:  # no background in a mixed patch: the commoner colour stands in for it
            ink = int(np.argsort(np.bincount(patch, minlength=COLOR_COUNT))[-2])
        mask = patch == ink
        mask_id = int(np.count_nonzero(masks != mask, axis=1).argmin())
        codes[i] = COLOR_COUNT * (1 + mask_id) + ink
    return codes


def decode_codes(codes: np.ndarray) -> np.ndarray:
    """(S, S) palette indices of 256 codes (raster order): the inverse of `encode_indices` on
    world pictures."""
    codes = np.asarray(codes, dtype=np.int64).ravel()
    if codes.shape != (VQ_GRID * VQ_GRID,):
        raise ValueError(f"expected {VQ_GRID * VQ_GRID} codes, got {codes.shape}")
    masks = enumerate_masks()
    plain = codes[codes < COLOR_COUNT]
    background = int(np.bincount(plain, minlength=COLOR_COUNT).argmax()) if len(plain) else COLORS.index("white")
    patches = np.empty((len(codes), PATCH * PATCH), dtype=np.int64)
    for i, code in enumerate(codes):
        if code < COLOR_COUNT:
            patches[i] = code
        else:
            mask_id, ink = divmod(int(code) - COLOR_COUNT, COLOR_COUNT)
            patches[i] = np.where(masks[mask_id], ink, background)
    return patches.reshape(VQ_GRID, VQ_GRID, PATCH, PATCH).transpose(0, 2, 1, 3).reshape(CANVAS_SIZE, CANVAS_SIZE)
