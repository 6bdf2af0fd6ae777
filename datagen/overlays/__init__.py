"""Graphics shared by the logo and icon layers.

- `sprite`: RGB + exact 8-bit alpha sprites; premultiplied painting, resizing, rotation,
  halos, hue shifts, a small LRU of finished sprites (all deterministic, no randomness);
- `colors`, `names`, `lettering`: palettes, procedural station / brand names, logo text;
- `blocks`, `emblems`, `symbols`: procedural logo and icon generators, each a
  `design(rng, ...) -> dict` (scale-free, JSON-able) and `draw(design, height) -> Sprite`;
- `image_files`: user PNG/WebP/GIF logos from a folder (broken files counted, never used);
- `sources`: the recipe specs of all of the above plus the reusable logo library;
- `placement`, `effects`, `pattern`, `motion`: where a logo sits, shadow / glow / tint,
  tiled watermarks, how an icon moves.
"""
