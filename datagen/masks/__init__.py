"""Hole geometry for the inpainting layers (`freeform`, `object`).

Everything here is numpy/OpenCV: shapes are planned from an explicit
`numpy.random.Generator` into small JSON-able dicts and rasterised from those
dicts alone, so a layer's `render` is a pure function of its plan.

- `holes`       per-layer dilation spec, fills, cutting (T, H, W) masks into a canvas
- `raster`      polygons and thick polylines -> uint8 masks (sub-pixel, per frame)
- `motion`      random walks with Gaussian kicks that bounce at the frame borders
- `sttn_shapes` STTN's random Bezier blobs and motion, reproduced with numpy/OpenCV
- `strokes`     DeepFill-style brush strokes
- `silhouettes` procedural person / car / dog / horse / bird outlines with articulated poses
- `davis`       DAVIS / YouTube-VOS annotation folders: index, palette PNGs, windows
"""
