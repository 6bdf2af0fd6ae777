"""Per-process caches shared by the components of one recipe (fonts, corpora, indexes).

Loading a font catalogue or a corpus once per worker instead of once per sample is
most of what keeps generation fast. Components ask `resources.get(key, factory)`.
"""
from __future__ import annotations

from typing import Any, Callable


class Resources:
    def __init__(self) -> None:
        self._cache: dict[Any, Any] = {}

    def get(self, key: Any, factory: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]
