"""Shared fixtures: small recipes written to temp files, generated datasets."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# keep worker processes single-threaded and quiet in tests
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def write_recipe(tmp_path):
    """write_recipe(dict or yaml text, name=...) -> path of a recipe file in tmp_path."""

    def _write(content, name: str = "r") -> Path:
        p = tmp_path / f"{name}.yaml"
        p.write_text(content if isinstance(content, str) else yaml.safe_dump(content), encoding="utf-8")
        return p

    return _write


def small_subtitle_recipe(**over) -> dict:
    """A fast recipe: 6 frames at 96x64 over a flat background, subtitles always on."""
    r = {
        "name": "tiny",
        "clip": {"frames": 6, "width": 96, "height": 64, "fps": 12},
        "background": {"type": "solid"},
        "layers": [{"type": "subtitle", "texts": [{"corpus": "en"}],
                    "layout": {"size": 0.16, "max_width": 0.95}}],
    }
    r.update(over)
    return r
