"""Procedural names for logos and watermarks: station call letters, brand names, handles.

Real marks are short: call letters ("KTV", "N24", "RTX 2"), a station word ("NEWS",
"SPORT"), a made-up brand ("Velora"), a handle ("@velora_tv") or a stock-site line
("© Velora Stock"). Names are built from syllables so no real brand is reproduced.
A few non-Latin station words are included; they are only drawn with a font whose
cmap covers them.
"""
from __future__ import annotations

import numpy as np

from datagen.overlays.colors import pick

CONSONANTS = "bcdfgklmnprstvxz"
ONSETS = ["br", "cl", "dr", "fl", "gr", "kr", "pl", "pr", "st", "tr", "v", "z", "n", "m", "l", "r", "k", "s", "t", "d"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
ENDINGS = ["", "", "", "n", "x", "s", "ra", "ia", "on", "ix", "us", "ly", "ex", "o", "a"]
STATION_WORDS = ["NEWS", "SPORT", "SPORTS", "TV", "HD", "ONE", "PLUS", "KIDS", "MUSIC", "CINEMA", "LIVE", "24",
                 "MAX", "WORLD", "LIFE", "MOVIES", "PLAY", "FM", "NOW", "GO", "FAMILY", "DRAMA", "ACTION"]
WORLD_WORDS = ["新闻", "体育", "卫视", "电影", "综艺", "НОВОСТИ", "ТВ", "СПОРТ", "أخبار", "رياضة", "समाचार", "חדשות",
               "ข่าว", "ニュース", "뉴스"]
STOCK_WORDS = ["PREVIEW", "SAMPLE", "stock", "footage", "DEMO", "WATERMARK", "preview only"]


def brand(rng: np.random.Generator) -> str:
    """A pronounceable made-up brand name, e.g. 'Velora', 'Trixon'."""
    n = int(pick(rng, [1, 2, 2, 2, 3]))
    word = "".join(pick(rng, ONSETS) + pick(rng, VOWELS) for _ in range(n))
    if len(word) < 7:
        word += pick(rng, ENDINGS)
    return word.capitalize()


def call_letters(rng: np.random.Generator) -> str:
    """Station letters: 'KTV', 'N24', 'RTX 2', 'TV5', 'CH 9', '7'."""
    kind = pick(rng, ["letters", "letters_digit", "prefix_digit", "k_letters", "digit"], [4, 3, 2, 2, 1])
    letters = "".join(chr(ord("A") + int(rng.integers(26))) for _ in range(int(rng.integers(2, 4))))
    digit = str(int(pick(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 24, 10, 12])))
    if kind == "letters":
        return letters
    if kind == "letters_digit":
        return letters[:2] + (" " if rng.random() < 0.3 else "") + digit
    if kind == "prefix_digit":
        return pick(rng, ["TV", "CH", "N", "RT", "TV "]) + digit
    if kind == "k_letters":
        return pick(rng, ["K", "W", "C"]) + letters[:3]
    return digit


def station_word(rng: np.random.Generator, world_p: float = 0.0) -> str:
    if world_p > 0 and rng.random() < world_p:
        return pick(rng, WORLD_WORDS)
    return pick(rng, STATION_WORDS)


def handle(rng: np.random.Generator) -> str:
    """A social-media handle: '@velora', '@trixon_tv', '@zanio.official'."""
    tail = pick(rng, ["", "", "_tv", "tv", ".official", "_official", str(int(rng.integers(1, 999))), "_clips"])
    return "@" + brand(rng).lower() + tail


def watermark_text(rng: np.random.Generator) -> str:
    """A stock-footage or re-upload watermark line."""
    b = brand(rng)
    kind = pick(rng, ["copyright", "stock", "domain", "handle", "word"], [3, 3, 2, 2, 2])
    if kind == "copyright":
        return "© " + b + pick(rng, ["", " Stock", " Media", " Films", " Studio"])
    if kind == "stock":
        return b.lower() + pick(rng, ["stock", "footage", "clips", "video"])
    if kind == "domain":
        return b.lower() + pick(rng, [".com", ".tv", ".net", ".io"])
    if kind == "handle":
        return handle(rng)
    return pick(rng, STOCK_WORDS)


def logo_text(rng: np.random.Generator, world_p: float = 0.1) -> tuple[str, str | None]:
    """Main text of an emblem (1-4 letters or a short word) and an optional second line."""
    kind = pick(rng, ["letters", "word", "brand", "letters_word"], [4, 2, 2, 2])
    if kind == "letters":
        return call_letters(rng), None
    if kind == "word":
        return station_word(rng, world_p), None
    if kind == "brand":
        b = brand(rng)
        return (b.upper() if rng.random() < 0.5 else b), None
    return call_letters(rng), station_word(rng, world_p)
