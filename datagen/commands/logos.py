"""`datagen logos`: export the procedural logo library as RGBA PNG files.

Logo i of library SEED is the one a recipe's `{type: library, seed: SEED}` source uses,
so the exported files show what a dataset contains, and the folder can itself be
used as a `{type: files, dir: ...}` source (or edited and used instead).
"""
from __future__ import annotations

from pathlib import Path


def cmd_logos(args) -> int:
    from datagen.errors import UserError
    from datagen.overlays.sources import FontSelect, library_design
    from datagen.overlays.sources import draw as draw_design
    from datagen.overlays.sprite import to_pil

    if args.count < 1:
        raise UserError(f"--count must be >= 1, got {args.count}")
    if not 8 <= args.height <= 2048:
        raise UserError(f"--height must be between 8 and 2048, got {args.height}")
    if args.blocks < 0 or args.emblem < 0 or args.blocks + args.emblem <= 0:
        raise UserError("--blocks and --emblem must be >= 0 and not both 0")
    fonts = FontSelect(dir=args.fonts_dir).fonts()
    if not fonts and args.emblem > 0:
        raise UserError("no usable fonts for emblem logos", path=args.fonts_dir or "fonts/")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create output directory ({e.strerror})", path=str(out)) from None
    for i in range(args.count):
        design = library_design(args.seed, i, args.blocks, args.emblem, fonts)
        sprite = draw_design(design, args.height)
        to_pil(sprite).save(out / f"{design['library']['id']}.png", optimize=False)
    print(f"{args.count} logos of library seed {args.seed} at {args.height} px -> {out}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("logos", help="export the procedural logo library as RGBA PNGs",
                       description="Write logo i of library --seed as OUT/library-SEED-i.png (RGBA), i < --count. "
                                   "These are the logos a recipe's {type: library, seed: SEED} source draws from.")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--count", type=int, default=64, help="number of logos (default 64)")
    p.add_argument("--seed", type=int, default=0, help="library seed (default 0)")
    p.add_argument("--height", type=int, default=128, help="logo height in pixels (default 128)")
    p.add_argument("--blocks", type=float, default=1.0, help="share of pixel-block logos (default 1, as in recipes)")
    p.add_argument("--emblem", type=float, default=3.0, help="share of emblem logos (default 3, as in recipes)")
    p.add_argument("--fonts-dir", help="font folder (default: the bundled fonts/)")
    p.set_defaults(func=cmd_logos)
