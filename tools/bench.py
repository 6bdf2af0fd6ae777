#!/usr/bin/env python
"""`make bench`: run every benchmark case in tools/bench_cases/ and print one table.

Each case module has `run(args) -> list[dict]`; a row holds `case`, `metric`, `value`,
`unit` and optionally `note`. Numbers are meant to be read as ratios measured in the
same run (e.g. end-to-end vs the encode floor), not as absolute timings.
Results also go to .bench/results.json.  `python tools/bench.py --only subtitles` runs one case.
"""
from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", help="run only cases whose module name contains this")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    args = ap.parse_args()
    import bench_cases

    rows = []
    for mod in sorted(pkgutil.iter_modules(bench_cases.__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or (args.only and not any(o in mod.name for o in args.only)):
            continue
        m = importlib.import_module(f"bench_cases.{mod.name}")
        t0 = time.perf_counter()
        print(f"== {mod.name}", flush=True)
        try:
            got = m.run(args)
        except ImportError as e:  # optional extra missing (torch, ray)
            print(f"   skipped: {e}")
            continue
        for r in got:
            r.setdefault("case", mod.name)
            print(f"   {r['metric']:<58} {r['value']:>12.4g} {r.get('unit', ''):<14} {r.get('note', '')}")
        rows.extend(got)
        print(f"   ({time.perf_counter() - t0:.1f} s)")
    out = ROOT / ".bench"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(
        {"machine": platform.platform(), "python": platform.python_version(), "rows": rows}, indent=1))
    print(f"results -> {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
