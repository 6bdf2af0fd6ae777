"""Per-process caches shared by the components of one recipe (fonts, corpora, indexes).

Loading a font catalogue or a corpus once per worker instead of once per sample is
most of what keeps generation fast. Components ask `resources.get(key, factory)`.
"""
from __future__ import annotations

from typing import Any, Callable


class Resources:
    """`out`: the run's output location (a path or URL) or None outside a run; sources
    may keep caches next to it (e.g. a video index). It never changes sample bytes."""

    def __init__(self, out: str | None = None, clip=None) -> None:
        self.out = out
        self.clip = clip  # the recipe's ClipSpec when known (preflight counts sources too short for one clip)
        self._cache: dict[Any, Any] = {}

    def get(self, key: Any, factory: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]
