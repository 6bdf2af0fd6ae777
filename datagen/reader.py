"""Read shards back: the one place that knows how sample files map to arrays.

QA and training only read shards, through this module or stock webdataset:

    import webdataset as wds
    ds = wds.WebDataset(urls).decode("rgb")   # masks come back as 3 channels there;
                                               # use read_samples() for (T, H, W) masks
"""
from __future__ import annotations

import io
import json
import re
import tarfile
from dataclasses import dataclass
from typing import Iterable, Iterator

import cv2
import numpy as np

FIELD_RE = re.compile(r"^(clean|corrupted|mask|alpha)\.(\d+)\.(jpg|jpeg|png|webp)$")


@dataclass
class Sample:
    key: str
    meta: dict
    clean: np.ndarray  # (T, H, W, 3) uint8 RGB
    corrupted: np.ndarray  # (T, H, W, 3) uint8 RGB
    mask: np.ndarray  # (T, H, W) uint8
    alpha: np.ndarray | None = None  # (T, H, W) uint8
    shard: str = ""


def decode_image(data: bytes, gray: bool = False) -> np.ndarray:
    buf = np.frombuffer(data, np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("undecodable image")
    return img if gray else cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def split_name(name: str) -> tuple[str, str]:
    """webdataset convention: the key is everything before the first dot."""
    base = name.rsplit("/", 1)[-1]
    prefix = name[: len(name) - len(base)]
    key, _, field = base.partition(".")
    return prefix + key, field


def iter_raw(path_or_url: str) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(key, {field: bytes}) for each sample of one shard, in tar order, streaming."""
    import fsspec

    with fsspec.open(path_or_url, "rb") as f, tarfile.open(fileobj=f, mode="r|") as tf:
        key, files = None, {}
        for m in tf:
            if not m.isfile():
                continue
            k, field = split_name(m.name)
            data = tf.extractfile(m).read()
            if key is not None and k != key:
                yield key, files
                files = {}
            key = k
            files[field] = data
        if key is not None:
            yield key, files


def decode_sample(key: str, files: dict[str, bytes], shard: str = "") -> Sample:
    streams: dict[str, dict[int, np.ndarray]] = {"clean": {}, "corrupted": {}, "mask": {}, "alpha": {}}
    for field, data in files.items():
        m = FIELD_RE.match(field)
        if m:
            kind, idx = m.group(1), int(m.group(2))
            streams[kind][idx] = decode_image(data, gray=kind in ("mask", "alpha"))
    meta = json.loads(files["json"].decode("utf-8")) if "json" in files else {}

    def stack(kind: str) -> np.ndarray | None:
        d = streams[kind]
        if not d:
            return None
        if sorted(d) != list(range(len(d))):
            raise ValueError(f"{key}: {kind} frames are not numbered 0..{len(d) - 1}")
        return np.stack([d[i] for i in range(len(d))])

    clean, corrupted, mask = stack("clean"), stack("corrupted"), stack("mask")
    if clean is None or corrupted is None or mask is None:
        raise ValueError(f"{key}: missing clean, corrupted or mask frames")
    counts = {k: len(v) for k, v in streams.items() if v}
    if len(set(counts.values())) != 1:
        raise ValueError(f"{key}: streams have different frame counts {counts}")
    return Sample(key, meta, clean, corrupted, mask, stack("alpha"), shard)


def read_samples(paths: Iterable[str]) -> Iterator[Sample]:
    for p in paths:
        for key, files in iter_raw(str(p)):
            yield decode_sample(key, files, shard=str(p))


def expand_urls(specs: Iterable[str]) -> list[str]:
    """Expand brace patterns (shard-{000000..000003}.tar), globs and directories into shard paths."""
    import glob
    import os

    from braceexpand import braceexpand

    out: list[str] = []
    for s in specs:
        s = str(s)
        if os.path.isdir(s):
            out.extend(sorted(glob.glob(os.path.join(s, "*.tar"))))
        elif any(c in s for c in "*?[") and "://" not in s:
            out.extend(sorted(glob.glob(s)))
        else:
            for part in s.split("::"):  # webdataset's separator for several patterns
                out.extend(braceexpand(part))
    return out


def load_manifest(out_dir: str) -> dict:
    import fsspec

    with fsspec.open(f"{out_dir.rstrip('/')}/manifest.json", "rt", encoding="utf-8") as f:
        return json.load(f)


def meta_of(files: dict[str, bytes]) -> dict:
    return json.loads(io.BytesIO(files["json"]).read().decode("utf-8"))
