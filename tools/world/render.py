"""Deterministic, alias-free rendering of scenes to palette-exact RGB pixels.

A pixel belongs to a shape when its centre (x + 0.5, y + 0.5) lies inside the shape's geometry
(world.md "Objects"), so every pixel is exactly one palette colour. Shape masks depend only on
(shape, size, position) and are cached.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .font import word_mask
from .scene import Scene, WorldObject
from .spec import CANVAS_SIZE, COLORS, PALETTE, extent_pixels, position_center

PALETTE_UINT8 = np.array([PALETTE[c] for c in COLORS], dtype=np.uint8)
"""Palette as a (12, 3) array indexed like COLORS."""


def _pixel_centres() -> tuple[np.ndarray, np.ndarray]:
    coords = np.arange(CANVAS_SIZE, dtype=np.float64) + 0.5
    ys, xs = np.meshgrid(coords, coords, indexing="ij")
    return xs, ys


def _inside_polygon(xs: np.ndarray, ys: np.ndarray, vertices: list[tuple[float, float]]) -> np.ndarray:
    """Even-odd rule point-in-polygon test for arrays of points."""
    inside = np.zeros(xs.shape, dtype=bool)
    count = len(vertices)
    for i in range(count):
        x1, y1 = vertices[i]
        x2, y2 = vertices[(i + 1) % count]
        if y1 == y2:
            continue
        crosses = (ys >= min(y1, y2)) & (ys < max(y1, y2))
        x_at = x1 + (ys - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (xs < x_at)
    return inside


def _star_vertices(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = 0.4 * outer
    vertices = []
    for k in range(10):
        angle = -math.pi / 2 + k * math.pi / 5  # first point straight up (y grows downwards)
        radius = outer if k % 2 == 0 else inner
        vertices.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return vertices


def _tangent_point(centre: tuple[float, float], radius: float, external: tuple[float, float],
                   outer_sign: float) -> tuple[float, float]:
    """Tangent point on a circle seen from an external point, on the side given by outer_sign
    (+1 picks the tangent with the larger x)."""
    vx, vy = external[0] - centre[0], external[1] - centre[1]
    distance = math.hypot(vx, vy)
    alpha = math.acos(radius / distance)
    base = math.atan2(vy, vx)
    candidates = [
        (centre[0] + radius * math.cos(base + s * alpha), centre[1] + radius * math.sin(base + s * alpha))
        for s in (1.0, -1.0)
    ]
    return max(candidates, key=lambda p: outer_sign * p[0])


def _heart_mask(xs: np.ndarray, ys: np.ndarray, cx: float, cy: float, half: float) -> np.ndarray:
    """Two lobes of radius half/2 centred at (cx -+ half/2, cy - half/2), touching the box top and
    sides, joined by tangent lines to the point at the bottom centre of the box."""
    radius = half / 2
    left = (cx - radius, cy - radius)
    right = (cx + radius, cy - radius)
    point = (cx, cy + half)
    lobes = ((xs - left[0]) ** 2 + (ys - left[1]) ** 2 <= radius ** 2) | (
        (xs - right[0]) ** 2 + (ys - right[1]) ** 2 <= radius ** 2
    )
    tangent_left = _tangent_point(left, radius, point, -1.0)
    tangent_right = _tangent_point(right, radius, point, +1.0)
    body = _inside_polygon(xs, ys, [left, right, tangent_right, point, tangent_left])
    return lobes | body


@lru_cache(maxsize=None)
def shape_mask(shape: str, size: str, position: str) -> np.ndarray:
    """(S, S) bool mask of one object's pixels (read-only, cached)."""
    xs, ys = _pixel_centres()
    cx, cy = position_center(position)
    half = extent_pixels(size) / 2
    dx, dy = xs - cx, ys - cy
    if shape == "circle":
        mask = dx ** 2 + dy ** 2 <= half ** 2
    elif shape == "square":
        mask = (np.abs(dx) <= half) & (np.abs(dy) <= half)
    elif shape == "triangle":
        mask = (dy <= half) & (np.abs(dx) <= (dy + half) / 2)
    elif shape == "diamond":
        mask = np.abs(dx) + np.abs(dy) <= half
    elif shape == "star":
        mask = _inside_polygon(xs, ys, _star_vertices(cx, cy, half))
    elif shape == "heart":
        mask = _heart_mask(xs, ys, cx, cy, half)
    elif shape == "ring":
        distance2 = dx ** 2 + dy ** 2
        mask = (distance2 <= half ** 2) & (distance2 >= (half / 2) ** 2)
    elif shape == "cross":
        arm = half / 3  # arms are extent/3 thick
        mask = ((np.abs(dx) <= arm) & (np.abs(dy) <= half)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= half))
    else:
        raise ValueError(f"unknown shape {shape!r}")
    mask.setflags(write=False)
    return mask


def object_mask(obj: WorldObject) -> np.ndarray:
    return shape_mask(obj.shape, obj.size, obj.position)


@lru_cache(maxsize=4096)
def _cached_word_mask(text: str) -> np.ndarray:
    mask = word_mask(text)
    mask.setflags(write=False)
    return mask


def render_indices(scene: Scene) -> np.ndarray:
    """The scene as an (S, S) array of palette indices (into COLORS)."""
    indices = np.full((CANVAS_SIZE, CANVAS_SIZE), COLORS.index(scene.background), dtype=np.int64)
    if scene.word is not None:
        indices[_cached_word_mask(scene.word.text)] = COLORS.index(scene.word.color)
    for obj in scene.objects:
        indices[object_mask(obj)] = COLORS.index(obj.color)
    return indices


def render(scene: Scene) -> np.ndarray:
    """The scene as an (S, S, 3) uint8 RGB array (rows top to bottom)."""
    return PALETTE_UINT8[render_indices(scene)]


def save_png(scene: Scene, path: str) -> None:
    from PIL import Image

    Image.fromarray(render(scene), mode="RGB").save(path)
