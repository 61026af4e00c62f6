"""Shapes the site draws with Pillow in more than one place."""

import math


def heart_points(
    cx: float, cy: float, size: float, *, steps: int = 72
) -> list[tuple[float, float]]:
    """The campaign's heart as a polygon of `steps` points around (cx, cy), `size`
    wide from the centre to each side (the classic parametric heart curve)."""
    points = []
    for step in range(steps):
        a = 2 * math.pi * step / steps
        x = 16 * math.sin(a) ** 3
        y = (
            13 * math.cos(a)
            - 5 * math.cos(2 * a)
            - 2 * math.cos(3 * a)
            - math.cos(4 * a)
        )
        points.append((cx + x * size / 16, cy - y * size / 16))
    return points
