"""datagen index: probe footage once and write the source index a recipe can reuse."""
from __future__ import annotations

from collections import Counter


def cmd_index(args) -> int:
    from datagen.errors import UserError
    from datagen.footage import discover
    from datagen.footage.index import FootageIndex, skip_counts

    kinds = {"auto": discover.KINDS, "video": ("video",), "frames": ("frames",), "stills": ("still",)}[args.kind]
    found = discover.discover(args.sources, kinds)
    for p in found.unmatched:
        print(f"datagen index: warning: nothing matches {p!r}")
    if not found.items:
        raise UserError(f"no footage found in {args.sources}")
    index = FootageIndex() if args.rebuild else FootageIndex.load(args.out)
    entries, probed = index.update(found.items, args.timeout, jobs=args.jobs, progress=not args.quiet)
    try:
        index.save(args.out)
    except OSError as e:
        raise UserError(f"cannot write the index ({e.strerror or e})", path=args.out) from None
    usable = [e for e in entries if "skip" not in e]
    by_kind = Counter(e["kind"] for e in usable)
    hours = sum(e["frames"] / e["fps"] for e in usable if e["kind"] == "video") / 3600
    skipped = skip_counts(entries)
    if found.unreadable:
        skipped["unreadable"] = skipped.get("unreadable", 0) + len(found.unreadable)
    kinds_txt = ", ".join(f"{by_kind[k]} {discover_label(k)}" for k in discover.KINDS if by_kind[k]) or "none"
    skipped_txt = ", ".join(f"{r} {n}" for r, n in sorted(skipped.items())) or "none"
    print(f"{len(usable)} usable sources ({kinds_txt}; {hours:.2f} h of video), {probed} probed, "
          f"{len(entries) - probed} from cache; skipped: {skipped_txt} -> {args.out}")
    if args.verbose:
        for e in entries:
            if "skip" in e:
                print(f"  skipped {e['skip']}: {e['path']}  {e.get('detail', '')}")
    return 0


def discover_label(kind: str) -> str:
    return {"video": "videos", "frames": "frame folders", "still": "stills"}[kind]


def register(sub) -> None:
    from datagen.footage.index import INDEX_NAME

    p = sub.add_parser(
        "index", help="probe background footage once and write its index",
        description="Find video files, frame folders and still images under SOURCES (files, folders or globs), "
                    "probe each (frames, fps, size, keyframes; broken ones are recorded with the reason) and write "
                    "the index. Point a recipe's background at it with `index: PATH`; unchanged sources are not "
                    "probed again.")
    p.add_argument("sources", nargs="+", help="files, folders or glob patterns")
    p.add_argument("--out", default=INDEX_NAME, help=f"index file to write or update (default ./{INDEX_NAME})")
    p.add_argument("--kind", choices=["auto", "video", "frames", "stills"], default="auto",
                   help="what to look for (default auto: all three)")
    p.add_argument("--jobs", type=int, default=None, help="probes run at once (default: 2 per core, at most 8)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per probe (default 60)")
    p.add_argument("--rebuild", action="store_true", help="probe everything again, ignoring the existing index")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", "-v", action="store_true", help="list every skipped source with the reason")
    p.set_defaults(func=cmd_index)
