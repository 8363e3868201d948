"""Scene checker: parse a picture (PNG or RGB array) back into a scene.

Analysis by synthesis, tolerant to reconstruction noise:
1. Snap every pixel to the nearest palette colour; the most frequent colour is the background.
2. Objects: greedily pick the (shape, size, position, colour) template that best explains the
   remaining pixels of one colour (score 2|T and M| - |T|, which the exact template always wins on
   a clean picture), keeping cells distinct and boxes apart, up to three objects.
   Then refine by local search: replace any object by the best template anywhere (other shape,
   size, colour or cell), add one or remove one, while that lowers the number of pixels where
   the rendering differs from the input (each move scored for all templates at once).
3. Word: for every colour and length 1-6, take for each letter slot the glyph whose pixels
   disagree least with the input.
4. Render both candidates and keep the one whose picture differs from the snapped input in the
   fewest pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .font import FONT_SCALE, GLYPH_COLUMNS, GLYPH_ROWS, GLYPHS, letter_origin
from .render import render_indices, shape_mask
from .scene import Scene, Word, WorldObject
from .spec import (
    CANVAS_SIZE, COLORS, MAX_OBJECTS, PALETTE, POSITIONS, SHAPES, WORD_MAX_LETTERS, sizes_allowed_at,
)

PALETTE_ARRAY = np.array([PALETTE[c] for c in COLORS], dtype=np.float32)

MIN_TEMPLATE_COVERAGE = 0.75
"""A template is accepted when at least this fraction of its pixels has the object's colour."""


class CheckerError(ValueError):
    """A picture that cannot be read (wrong size, unreadable file)."""


@dataclass(frozen=True)
class ParseResult:
    scene: Scene
    mismatched_pixels: int
    """Pixels where the rendering of `scene` differs from the palette-snapped input."""


def snap_to_palette(image: np.ndarray) -> np.ndarray:
    """(S, S) array of palette indices (into COLORS) nearest to each pixel of an RGB image."""
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise CheckerError(f"expected an RGB image of shape (H, W, 3), got {pixels.shape}")
    flat = pixels.reshape(-1, 3)
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2; |p|^2 is the same for every colour and can be dropped.
    distances = (PALETTE_ARRAY ** 2).sum(axis=1)[None, :] - 2 * flat @ PALETTE_ARRAY.T
    return distances.argmin(axis=1).reshape(pixels.shape[:2])


def snapped_rgb(image: np.ndarray) -> np.ndarray:
    """The image with every pixel replaced by its nearest palette colour (uint8)."""
    return PALETTE_ARRAY[snap_to_palette(image)].astype(np.uint8)


@lru_cache(maxsize=1)
def _template_boxes() -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) boxes and (N,) cell indices of the templates."""
    keys = _templates()[0]
    return (np.array([k.box() for k in keys], dtype=np.float64),
            np.array([POSITIONS.index(k.position) for k in keys]))


def _allowed_templates(objects: tuple[WorldObject, ...] | list[WorldObject]) -> np.ndarray:
    """Templates that neither share a cell with nor touch any of `objects`."""
    boxes, cells = _template_boxes()
    allowed = np.ones(len(cells), dtype=bool)
    for obj in objects:
        x0, y0, x1, y1 = obj.box()
        touching = (boxes[:, 0] <= x1) & (x0 <= boxes[:, 2]) & (boxes[:, 1] <= y1) & (y0 <= boxes[:, 3])
        allowed &= ~touching & (cells != POSITIONS.index(obj.position))
    return allowed


@lru_cache(maxsize=1)
def _templates() -> tuple[list[WorldObject], np.ndarray, np.ndarray]:
    keys: list[WorldObject] = []
    rows = []
    for position in POSITIONS:
        for size in sizes_allowed_at(position):
            for shape in SHAPES:
                keys.append(WorldObject(shape, "red", size, position))
                rows.append(shape_mask(shape, size, position).reshape(-1))
    matrix = np.array(rows, dtype=np.float32)
    return keys, matrix, matrix.sum(axis=1)


def _parse_objects(indices: np.ndarray, background: int) -> Scene | None:
    keys, matrix, template_sizes = _templates()
    flat = indices.reshape(-1)
    colors = [c for c in range(len(COLORS)) if c != background and np.count_nonzero(flat == c) >= 4]
    if not colors:
        return None
    remaining = np.stack([(flat == c) for c in colors]).astype(np.float32)  # (C, P)
    chosen: list[WorldObject] = []
    for _ in range(MAX_OBJECTS):
        intersections = remaining @ matrix.T  # (C, N)
        scores = 2 * intersections - template_sizes[None, :]
        allowed = _allowed_templates(chosen)
        coverage = intersections / template_sizes[None, :]
        scores = np.where(allowed[None, :] & (coverage >= MIN_TEMPLATE_COVERAGE), scores, -np.inf)
        best = np.unravel_index(int(np.argmax(scores)), scores.shape)
        if not np.isfinite(scores[best]):
            break
        color_row, template = int(best[0]), int(best[1])
        key = keys[template]
        chosen.append(WorldObject(key.shape, COLORS[colors[color_row]], key.size, key.position))
        remaining[:, matrix[template] > 0] = 0
    if not chosen:
        return None
    return _refine_objects(Scene(background=COLORS[background], objects=tuple(chosen)), indices, colors)


def _best_addition(base: Scene, indices: np.ndarray, colors: list[int]) -> tuple[int, WorldObject] | None:
    """The object (any template, any of `colors`) whose addition to `base` leaves the fewest
    mismatched pixels, with that count."""
    keys, matrix, _ = _templates()
    flat = indices.reshape(-1)
    current = render_indices(base).reshape(-1)
    base_cost = int(np.count_nonzero(current != flat))
    correct_now = (current == flat).astype(np.float32)
    wanted = np.stack([(flat == c) for c in colors]).astype(np.float32)  # (C, P)
    costs = base_cost + (matrix @ correct_now)[None, :] - wanted @ matrix.T  # (C, N)
    costs = np.where(_allowed_templates(base.objects)[None, :], costs, np.inf)
    best = np.unravel_index(int(np.argmin(costs)), costs.shape)
    if not np.isfinite(costs[best]):
        return None
    key = keys[int(best[1])]
    return int(round(float(costs[best]))), WorldObject(key.shape, COLORS[colors[int(best[0])]], key.size, key.position)


def _refine_objects(scene: Scene, indices: np.ndarray, colors: list[int]) -> Scene:
    cost = _mismatch(scene, indices)
    for _ in range(8):
        if cost == 0:
            break
        options: list[tuple[int, Scene]] = []
        for index in range(len(scene.objects)):
            rest = scene.objects[:index] + scene.objects[index + 1:]
            base = Scene(scene.background, rest)
            if rest:
                options.append((_mismatch(base, indices), base))
            addition = _best_addition(base, indices, colors)
            if addition is not None:
                options.append((addition[0], Scene(scene.background, rest + (addition[1],))))
        if len(scene.objects) < MAX_OBJECTS:
            addition = _best_addition(scene, indices, colors)
            if addition is not None:
                options.append((addition[0], Scene(scene.background, scene.objects + (addition[1],))))
        if not options:
            break
        best_cost, best = min(options, key=lambda pair: pair[0])
        if best_cost >= cost:
            break
        cost, scene = best_cost, best
    return scene.canonical()


def _parse_word(indices: np.ndarray, background: int) -> Scene | None:
    foreground = indices != background
    if not foreground.any():
        return None
    values, counts = np.unique(indices[foreground], return_counts=True)
    # Noise may make a neighbour colour of the background more frequent than a thin word, so
    # every foreground colour with a few pixels is tried.
    candidate_colors = [int(v) for v, n in zip(values, counts) if n >= 4]
    best: tuple[int, Scene] | None = None
    glyph_names = sorted(GLYPHS)
    glyph_masks = np.stack([
        np.kron(GLYPHS[name], np.ones((FONT_SCALE, FONT_SCALE), dtype=bool)).reshape(-1) for name in glyph_names
    ]).astype(np.float32)  # (26, letter pixels)
    for color in candidate_colors:
        for length in range(1, WORD_MAX_LETTERS + 1):
            letters = []
            for slot in range(length):
                x, y = letter_origin(length, slot)
                region = indices[y:y + GLYPH_ROWS * FONT_SCALE, x:x + GLYPH_COLUMNS * FONT_SCALE].reshape(-1)
                is_ink = (region == color).astype(np.float32)
                is_background = (region == background).astype(np.float32)
                # disagreements: glyph pixels not in the word colour + other pixels not background
                costs = glyph_masks @ (1 - is_ink) + (1 - glyph_masks) @ (1 - is_background)
                letters.append(glyph_names[int(np.argmin(costs))])
            scene = Scene(background=COLORS[background], word=Word("".join(letters), COLORS[color]))
            cost = _mismatch(scene, indices)
            if best is None or cost < best[0]:
                best = (cost, scene)
    return None if best is None else best[1]


def _mismatch(scene: Scene, indices: np.ndarray) -> int:
    return int(np.count_nonzero(render_indices(scene) != indices))


def parse_image(image: np.ndarray) -> ParseResult:
    """Read an (S, S, 3) RGB picture (uint8 or float in 0-255) back into a scene."""
    image = np.asarray(image)
    if image.shape != (CANVAS_SIZE, CANVAS_SIZE, 3):
        raise CheckerError(f"expected a {CANVAS_SIZE}x{CANVAS_SIZE} RGB picture, got shape {image.shape}")
    indices = snap_to_palette(image)
    counts = np.bincount(indices.reshape(-1), minlength=len(COLORS))
    background = int(np.argmax(counts))
    candidates = [c for c in (_parse_objects(indices, background), _parse_word(indices, background)) if c]
    if not candidates:
        # A blank canvas is not a valid world picture; report it as a scene with no objects.
        empty = Scene(background=COLORS[background])
        return ParseResult(empty, int(np.count_nonzero(indices != background)))
    scored = [(_mismatch(scene, indices), scene) for scene in candidates]
    cost, scene = min(scored, key=lambda pair: pair[0])
    return ParseResult(scene, cost)


def parse_png(path: str) -> ParseResult:
    """Read a PNG file into a scene; raises CheckerError for unreadable or wrongly sized files."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            rgb = np.asarray(picture.convert("RGB"))
    except (OSError, UnidentifiedImageError) as error:
        raise CheckerError(f"{path}: cannot read picture ({error})") from error
    return parse_image(rgb)
