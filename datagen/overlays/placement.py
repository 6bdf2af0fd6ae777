"""Where a logo (or a still icon) sits: a corner with margin jitter, an edge, the centre or anywhere.

Station bugs live in corners, top-right most often; channel watermarks sometimes sit
at an edge or in the middle. Margins are drawn per axis (relative to the frame
height), so two clips with the "same" corner differ by a few pixels, as real ones do.
A graphic that fits in the frame is always placed fully inside it.
"""
from __future__ import annotations

import numpy as np

from datagen.recipe.dist import Cat, Num
from datagen.recipe.schema import Strict

WHERE = ["corner", "edge", "center", "anywhere"]
CORNERS = ["top-right", "top-left", "bottom-right", "bottom-left"]
EDGES = ["top", "bottom", "left", "right"]


class PlacementSpec(Strict):
    where: Cat(WHERE) = {"choice": ["corner", "edge", "center", "anywhere"], "weights": [0.8, 0.08, 0.04, 0.08]}
    corner: Cat(CORNERS) = {"choice": CORNERS, "weights": [0.45, 0.25, 0.2, 0.1]}
    edge: Cat(EDGES) = {"choice": EDGES, "weights": [0.35, 0.35, 0.15, 0.15]}
    margin: Num(0, 0.5) = {"uniform": [0.02, 0.07]}  # x frame height, drawn per axis


def place(rng: np.random.Generator, spec: PlacementSpec, W: int, H: int, w: int, h: int) -> dict:
    """Top-left (x, y) of a w x h graphic in a W x H frame, and how it was chosen."""
    where = spec.where.sample(rng)
    mx = int(round(spec.margin.sample(rng) * H))
    my = int(round(spec.margin.sample(rng) * H))
    free_x, free_y = max(W - w, 0), max(H - h, 0)
    mx, my = min(mx, free_x // 2), min(my, free_y // 2)
    out: dict = {"where": where}
    if where == "corner":
        corner = spec.corner.sample(rng)
        x = mx if corner.endswith("left") else free_x - mx
        y = my if corner.startswith("top") else free_y - my
        out.update(corner=corner, margin_px=[mx, my])
    elif where == "edge":
        edge = spec.edge.sample(rng)
        jitter = float(rng.uniform(-0.3, 0.3))
        if edge in ("top", "bottom"):
            x = int(round(free_x * (0.5 + jitter)))
            y = my if edge == "top" else free_y - my
        else:
            x = mx if edge == "left" else free_x - mx
            y = int(round(free_y * (0.5 + jitter)))
        out.update(edge=edge, margin_px=[mx, my])
    elif where == "center":
        x = int(round(free_x / 2 + rng.uniform(-0.03, 0.03) * W))
        y = int(round(free_y / 2 + rng.uniform(-0.03, 0.03) * H))
    else:
        x = int(rng.integers(0, free_x + 1))
        y = int(rng.integers(0, free_y + 1))
    out.update(x=int(min(max(x, 0), free_x)), y=int(min(max(y, 0), free_y)))
    return out
