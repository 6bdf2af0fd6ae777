"""datagen generate / validate / recipes."""
from __future__ import annotations

import argparse

from datagen.engine.run import default_workers


def _background_override(value: str | None) -> str | None:
    """--background PATH|GLOB: shorthand for a video/frames/stills source over those files."""
    if not value:
        return None
    import json

    return json.dumps([{"type": "auto", "paths": [value]}])


def cmd_generate(args) -> int:
    from datagen.engine.run import generate
    from datagen.recipe import load_recipe

    overrides = list(args.set or [])
    if args.background:
        overrides.insert(0, f"background={_background_override(args.background)}")
    recipe = load_recipe(args.recipe, overrides)
    out = args.out or f"data/{recipe.name}"
    result = generate(
        recipe, out, samples=args.samples, workers=args.workers, seed=args.seed, shard_size=args.shard_size,
        backend=args.backend, progress=not args.quiet, ray_address=args.ray_address,
    )
    print(result.summary())
    return 0


def cmd_validate(args) -> int:
    from datagen.recipe import load_recipe, recipe_sha256, to_yaml

    recipe = load_recipe(args.recipe, list(args.set or []))
    print(f"# {args.recipe}: valid (sha256 {recipe_sha256(recipe)[:16]})")
    print(to_yaml(recipe), end="")
    return 0


def cmd_recipes(args) -> int:
    from datagen.recipe.load import bundled_recipes, _read_yaml
    from datagen.text.corpus import bundled_corpora

    print("bundled recipes:")
    for name, path in bundled_recipes().items():
        desc = str(_read_yaml(path).get("description", "")).strip().splitlines()
        print(f"  {name:<14} {desc[0] if desc else ''}")
    print("bundled corpora: " + ", ".join(bundled_corpora()))
    return 0


def add_recipe_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("recipe", help="bundled recipe name (see `datagen recipes`) or path to a YAML file")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a recipe value, e.g. --set clip.frames=8 (repeatable)")


def register(sub) -> None:
    p = sub.add_parser("generate", help="generate samples into WebDataset shards",
                       description="Generate paired corrupted/clean/mask clips into OUT/shard-*.tar + manifest.json. "
                                   "Re-running the same command resumes: intact shards are kept.")
    add_recipe_args(p)
    p.add_argument("--out", help="output directory or fsspec URL, e.g. s3://bucket/prefix (default data/<recipe name>)")
    p.add_argument("--samples", type=int, default=200, help="number of samples (default 200)")
    p.add_argument("--workers", type=int, default=default_workers(),
                   help="worker processes, or the CPUs of the local Ray with --backend ray (default: all cores)")
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument("--shard-size", type=int, default=50, help="samples per shard (default 50)")
    p.add_argument("--background", help="use these videos/frame folders/images (path or glob) as backgrounds")
    p.add_argument("--backend", choices=["local", "ray"], default="local", help="where shards are made")
    p.add_argument("--ray-address", help="Ray cluster to join, e.g. auto or HEAD_IP:6379 "
                                         "(default: $RAY_ADDRESS, else start a local Ray)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("validate", help="check a recipe and print it fully resolved")
    add_recipe_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("recipes", help="list the bundled recipes and corpora")
    p.set_defaults(func=cmd_recipes)
