"""Which shards and samples a QA command looks at: shard specs, `--filter`, sample counts.

Shards are named as for training: directories (their `*.tar`), globs, brace patterns
or URLs (`datagen.reader.expand_urls`). Filters are checked on a sample's `json` alone,
so samples that do not match are never decoded.
"""
from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass, field
from typing import Iterator

from datagen.errors import UserError
from datagen.qa.describe import background_type, describe_layers, layer_types
from datagen.reader import expand_urls, iter_raw, load_manifest

FILTER_KEYS = ("layer", "label", "background")


@dataclass(frozen=True)
class Filter:
    key: str
    values: frozenset

    def matches(self, meta: dict) -> bool:
        if self.key == "layer":
            have = set(layer_types(meta))
        elif self.key == "label":
            have = {i.label for i in describe_layers(meta) if i.label}
        else:
            have = {background_type(meta)}
        return bool(have & self.values)


def parse_filters(items: list[str] | None) -> list[Filter]:
    """`layer=subtitle`, `layer=logo,icon` (either), `label=NAME`, `background=procedural`."""
    out = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in FILTER_KEYS or not value.strip():
            raise UserError(f"--filter '{item}': expected KEY=VALUE with KEY one of {', '.join(FILTER_KEYS)}")
        out.append(Filter(key, frozenset(v.strip() for v in value.split(",") if v.strip())))
    return out


def shard_urls(specs: list[str]) -> list[str]:
    """Expand shard specs; a user error when they name no shard at all."""
    urls = expand_urls(specs)
    if not urls:
        raise UserError(f"no shards (*.tar) found in {' '.join(specs)}")
    missing = [u for u in urls if "://" not in u and not os.path.isfile(u)]
    if missing:
        raise UserError("no such shard or folder", path=missing[0])
    return urls


def expected_samples(specs: list[str]) -> int | None:
    """Sample count from manifest.json when every spec is a dataset directory (for progress bars)."""
    total = 0
    for s in specs:
        if not os.path.isfile(os.path.join(s, "manifest.json")):
            return None
        try:
            total += int(load_manifest(s).get("samples", 0))
        except (OSError, ValueError, TypeError):
            return None
    return total or None


def sample_meta(files: dict[str, bytes]) -> dict:
    """A sample's json, or {} when it is missing or unreadable (verify reports those)."""
    try:
        meta = json.loads(files["json"].decode("utf-8"))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


@dataclass
class Skipped:
    """Shards and samples a QA pass could not read: skipped, counted, reported at the end."""

    items: list[tuple[str, str]] = field(default_factory=list)  # (shard or key, reason)

    def add(self, where: str, reason: str) -> None:
        self.items.append((where, reason))

    def summary(self) -> str:
        if not self.items:
            return ""
        where, reason = self.items[0]
        more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
        return f"skipped {len(self.items)} unreadable shard(s)/sample(s): {where}: {reason}{more}; run `datagen verify`"


def iter_selected(
    urls: list[str], filters: list[Filter], skipped: Skipped, limit: int | None = None
) -> Iterator[tuple[str, str, dict[str, bytes], dict]]:
    """(shard, key, files, meta) for samples that pass every filter, in shard order.

    A shard that stops being readable (truncated, not a tar) is skipped from that point
    on and recorded in `skipped`; the samples before the damage are still used.
    """
    n = 0
    for url in urls:
        try:
            for key, files in iter_raw(url):
                meta = sample_meta(files)
                if all(f.matches(meta) for f in filters):
                    yield url, key, files, meta
                    n += 1
                    if limit is not None and n >= limit:
                        return
        except (tarfile.TarError, OSError, EOFError) as e:
            skipped.add(os.path.basename(url), f"unreadable tar ({e})")
