"""Checks that need the file system (fonts, text files, folders), run before any work.

Each spec may define `check_files(self) -> list[tuple[str, str]]` returning
(key path inside the spec, problem) pairs; they become one-line recipe errors.
"""
from __future__ import annotations

from datagen.errors import RecipeError


def check_resources(recipe, source: str) -> None:
    problems: list[str] = []
    for i, spec in enumerate(recipe.background):
        for key, msg in getattr(spec, "check_files", lambda: [])():
            problems.append(f"{source}: background[{i}].{key}: {msg}")
    for i, spec in enumerate(recipe.layers):
        for key, msg in getattr(spec, "check_files", lambda: [])():
            problems.append(f"{source}: layers[{i}].{key}: {msg}")
    if problems:
        raise RecipeError(problems[0] + "".join(f"\n  also {p}" for p in problems[1:]))


def preflight_counts(recipe, resources=None) -> dict[str, int]:
    """Inputs skipped at setup (unreadable fonts or logo files in a folder...), counted once.

    A spec may define `preflight(self, resources) -> dict[str, int]` ({"reason": count});
    it runs once, in the driver, before any worker starts (e.g. to scan a folder or build
    an index next to `resources.out`). Keys are prefixed with the component type. The engine adds these to the manifest's
    `skipped_inputs` and the summary, and components skip those inputs silently later.
    """
    from collections import Counter

    from datagen.resources import Resources

    resources = resources if resources is not None else Resources()

    total: Counter = Counter()
    for spec in [*recipe.background, *recipe.layers]:
        fn = getattr(spec, "preflight", None)
        if fn is None:
            continue
        import inspect

        takes_resources = len(inspect.signature(fn).parameters) >= 1
        for reason, n in ((fn(resources) if takes_resources else fn()) or {}).items():
            if n:
                total[f"{spec.type}:{reason}"] += int(n)
    return dict(sorted(total.items()))
