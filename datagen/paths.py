"""Where bundled resources live: fonts/ and recipes/ at the repository root.

The project is installed editable (`make` does it), so the repository root is the
parent of the package. DATAGEN_FONTS / DATAGEN_RECIPES override the locations.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
ASSETS_DIR = PACKAGE_DIR / "assets"


def fonts_dir() -> Path:
    return Path(os.environ.get("DATAGEN_FONTS", REPO_ROOT / "fonts"))


def recipes_dir() -> Path:
    return Path(os.environ.get("DATAGEN_RECIPES", REPO_ROOT / "recipes"))


def corpus_dir() -> Path:
    return ASSETS_DIR / "corpus"
