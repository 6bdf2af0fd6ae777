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
