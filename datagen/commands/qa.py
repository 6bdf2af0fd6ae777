"""datagen preview / stats / verify: look at, measure and check generated shards."""
from __future__ import annotations

import sys

from datagen.engine.run import default_workers

SHARDS_HELP = "dataset folders, shard files, globs or brace patterns (shard-{000000..000003}.tar)"


def cmd_preview(args) -> int:
    import time

    from datagen.qa.preview import make_previews

    t0 = time.perf_counter()
    index, cards, skipped = make_previews(
        args.shards, args.out, samples=args.samples, filters=args.filter, fmt=args.format,
        panel_width=args.panel_width, workers=args.workers, progress=not args.quiet,
    )
    if skipped.items:
        print(f"datagen: warning: {skipped.summary()}", file=sys.stderr)
    if not cards:
        print(f"datagen: warning: no sample matched {' '.join('--filter ' + f for f in args.filter or [])}",
              file=sys.stderr)
    size = sum(c["bytes"] for c in cards) / 1e6
    print(f"{len(cards)} previews ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    print(index.resolve())
    return 0


def cmd_stats(args) -> int:
    import time

    from datagen.qa.stats import make_stats

    t0 = time.perf_counter()
    index, stats, skipped = make_stats(args.shards, args.out, plots=not args.no_plots, progress=not args.quiet)
    if skipped.items:
        print(f"datagen: warning: {skipped.summary()}", file=sys.stderr)
    h = stats["headline"]
    print(f"{h['samples']} samples, {h['frames']} frames, {h['sample bytes']} in {time.perf_counter() - t0:.1f} s")
    print(index.resolve())
    return 0


def cmd_verify(args) -> int:
    from datagen.qa.verify import run_verify

    return run_verify(args.out_dir, fix=args.fix, workers=args.workers, progress=not args.quiet)


def register(sub) -> None:
    p = sub.add_parser("preview", help="animated previews of samples and a gallery (index.html)",
                       description="For each chosen sample write an animated side-by-side preview "
                                   "(corrupted | mask on corrupted | clean) and a still of the middle frame, "
                                   "plus OUT/index.html, a gallery that opens from disk.")
    p.add_argument("shards", nargs="+", metavar="SHARDS", help=SHARDS_HELP)
    p.add_argument("--out", required=True, help="folder for index.html and previews/")
    p.add_argument("--samples", type=int, default=24, help="samples to preview (default 24, the first that match)")
    p.add_argument("--filter", action="append", metavar="KEY=VALUE",
                   help="only samples with layer=TYPE[,TYPE], label=NAME or background=TYPE "
                        "(repeatable: all must hold)")
    p.add_argument("--format", choices=["webp", "gif"], default="webp", help="animation format (default webp)")
    p.add_argument("--panel-width", type=int, default=480, help="scale panels down to at most this width (default 480)")
    p.add_argument("--workers", type=int, default=default_workers(), help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_preview)

    p = sub.add_parser("stats", help="statistics of shards: stats.json, plots, index.html",
                       description="One pass over the shards: sizes, mask coverage, layer types, fonts, texts, "
                                   "opacity, motion and a mask heat map, as OUT/stats.json and PNG plots "
                                   "linked from OUT/index.html.")
    p.add_argument("shards", nargs="+", metavar="SHARDS", help=SHARDS_HELP)
    p.add_argument("--out", required=True, help="folder for stats.json, plots/ and index.html")
    p.add_argument("--no-plots", action="store_true", help="only stats.json (no matplotlib needed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("verify", help="check shards against manifest.json and every sample for completeness",
                       description="Check every shard against OUT_DIR/manifest.json (size, sha256, sample count) "
                                   "and every sample (all frames of every stream present, decodable, same size; "
                                   "json valid). Exits 1 and lists the problems; --fix regenerates the broken shards.")
    p.add_argument("out_dir", metavar="OUT_DIR", help="a dataset folder written by `datagen generate`")
    p.add_argument("--fix", action="store_true", help="regenerate the broken shards (same recipe, seed, shard size)")
    p.add_argument("--workers", type=int, default=default_workers(), help="processes (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_verify)
