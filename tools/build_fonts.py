#!/usr/bin/env python3
"""Rebuild fonts/ (the fonts the subtitle generator renders with) from pinned upstream packages.

    python tools/build_fonts.py --print-downloads CACHE   # the commands that fill CACHE
    python tools/build_fonts.py CACHE [--out fonts]       # extract, instance, subset; write fonts/README.md

CACHE holds the Debian .deb files and PyPI wheels listed in DEBS and WHEELS. Latin and
other-script fonts are copied unmodified where the upstream files are static; variable fonts
become static instances (fontTools.varLib.instancer); CJK faces are taken out of their .ttc by
name and subset (all OpenType layout features kept, hinting dropped) to the national character
sets below plus every character of datagen/assets/corpus/*.txt, so re-run it after the corpus
changes. Needs fontTools (the project venv has it). Not run in CI.
"""
import argparse
import datetime
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib import instancer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_GLOB = os.path.join(ROOT, "datagen", "assets", "corpus", "*.txt")

# Pinned sources (Debian bookworm; PyPI fontpkg-* wheels hold unmodified Google Fonts files).
DEBS = {
    "fonts-lato": "2.0-2.1",
    "fonts-liberation2": "2.1.5-1",
    "fonts-dejavu-core": "2.37-6",
    "fonts-dejavu-extra": "2.37-6",
    "fonts-noto-core": "20201225-1",
    "fonts-noto-cjk": "1:20220127+repack1-1",
    "fonts-arphic-ukai": "0.2.20080216.2-5",
    "fonts-wqy-microhei": "0.2.0-beta-3.1",
}
WHEELS = {
    "fontpkg-roboto": "3.15",
    "fontpkg-roboto-condensed": "3.8",
    "fontpkg-roboto-slab": "2.2",
    "fontpkg-open-sans": "3.3",
    "fontpkg-montserrat": "9.0",
    "fontpkg-noto-sans-thai": "2.2",
}

# ---------------------------------------------------------------- character sets
def _dbcs(codec, lead, trail=range(0xA1, 0xFF)):
    """Characters of a double-byte charset whose lead byte is in `lead`."""
    out = set()
    for a in lead:
        for b in trail:
            try:
                out.add(ord(bytes([a, b]).decode(codec)))
            except UnicodeDecodeError:
                pass
    return out


def _is_han(cp):
    return unicodedata.name(chr(cp), "").startswith("CJK UNIFIED IDEOGRAPH")


BASIC = (set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))   # ASCII, Latin-1
         | set(range(0x2000, 0x2070))                         # general punctuation
         | set(range(0x20A0, 0x20C0))                         # currency symbols
         | set(range(0x3000, 0x3040))                         # CJK symbols and punctuation
         | set(range(0xFE10, 0xFE20)) | set(range(0xFE30, 0xFE50))  # vertical forms
         | set(range(0xFF00, 0xFFF0)))                        # full-/half-width forms
KANA = set(range(0x3040, 0x3100)) | set(range(0x31F0, 0x3200))
GB_L1 = _dbcs("gb2312", range(0xB0, 0xD8))
GB_L2 = _dbcs("gb2312", range(0xD8, 0xF8))
BIG5_L1 = {c for c in _dbcs("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]) if _is_han(c)}
JIS_L1 = _dbcs("euc_jp", range(0xB0, 0xD0))
KS_HANGUL = _dbcs("euc_kr", range(0xB0, 0xC9))
ZH_HANS, ZH_HANT = ("zh", "zh_hans", "zh_cn", "zh_sg"), ("zh_hant", "zh_tw", "zh_hk")
CHARSETS = {  # name -> (description for the README, code points, corpus files (<lang>.txt) whose text is added)
    "gb2312": ("GB 2312 level 1+2 (6,763 hanzi) + GB 2312 symbol rows",
               GB_L1 | GB_L2 | _dbcs("gb2312", range(0xA1, 0xAA)), ZH_HANS),
    "gb2312-l1": ("GB 2312 level 1 (3,755 hanzi) + GB 2312 symbol rows",
                  GB_L1 | _dbcs("gb2312", range(0xA1, 0xAA)), ZH_HANS),
    "big5-l1": ("Big5 level 1 (5,401 common hanzi, A440-C67E) + Big5 symbol/bopomofo rows",
                BIG5_L1 | _dbcs("big5", range(0xA1, 0xA4), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]), ZH_HANT),
    "jis-l1": ("JIS X 0208 level 1 (2,965 kanji) + JIS X 0208 rows 1-8 + all kana incl. half-width",
               JIS_L1 | _dbcs("euc_jp", range(0xA1, 0xA9)) | KANA, ("ja",)),
    "ksx1001-hangul": ("KS X 1001 Hangul (2,350 syllables) + compatibility jamo + KS X 1001 symbol rows",
                       KS_HANGUL | _dbcs("euc_kr", range(0xA1, 0xAD)) | set(range(0x3130, 0x3190)), ("ko",)),
}
COMMON_DESC = ("ASCII, Latin-1, U+2000-206F, U+20A0-20BF, U+3000-303F, U+FE10-FE1F, U+FE30-FE4F, U+FF00-FFEF; "
               "all characters of corpus/%s.txt and the punctuation/symbols of every corpus file")

# ---------------------------------------------------------------- what goes in fonts/
# family slug -> dict(family, source package, licence file inside it, scripts note, files)
# file entry: (output name, style, how) with how one of
#   ("copy", path inside package)
#   ("instance", path inside wheel, {axis: value})
#   ("subset", path of .ttc/.ttf inside package, face family name (name ID 1), charset)
D = "usr/share/fonts/"
NOTO_CJK = D + "opentype/noto/NotoSansCJK-%s.ttc"
FAMILIES = {
    "roboto": ("Roboto", "fontpkg-roboto", "fontpkg_roboto/LICENSE", [
        ("Roboto-%s.ttf" % s, s, ("instance", "fontpkg_roboto/files/Roboto%s[wdth,wght].ttf" % it,
                                  {"wght": w, "wdth": 100}))
        for s, it, w in [("Regular", "", 400), ("Bold", "", 700), ("Italic", "-Italic", 400),
                         ("BoldItalic", "-Italic", 700)]]),
    "roboto-condensed": ("Roboto Condensed", "fontpkg-roboto-condensed", "fontpkg_roboto_condensed/LICENSE", [
        ("RobotoCondensed-%s.ttf" % s, s,
         ("instance", "fontpkg_roboto_condensed/files/RobotoCondensed%s[wght].ttf" % it, {"wght": w}))
        for s, it, w in [("Regular", "", 400), ("Bold", "", 700), ("Italic", "-Italic", 400),
                         ("BoldItalic", "-Italic", 700)]]),
    "roboto-slab": ("Roboto Slab", "fontpkg-roboto-slab", "fontpkg_roboto_slab/LICENSE", [
        ("RobotoSlab-%s.ttf" % s, s, ("instance", "fontpkg_roboto_slab/files/RobotoSlab[wght].ttf", {"wght": w}))
        for s, w in [("Regular", 400), ("Bold", 700)]]),
    "open-sans": ("Open Sans", "fontpkg-open-sans", "fontpkg_open_sans/LICENSE", [
        ("OpenSans-%s.ttf" % s, s, ("instance", "fontpkg_open_sans/files/OpenSans%s[wdth,wght].ttf" % it,
                                    {"wght": w, "wdth": 100}))
        for s, it, w in [("Regular", "", 400), ("Bold", "", 700), ("Italic", "-Italic", 400),
                         ("BoldItalic", "-Italic", 700)]]),
    "montserrat": ("Montserrat", "fontpkg-montserrat", "fontpkg_montserrat/LICENSE", [
        ("Montserrat-%s.ttf" % s, s, ("instance", "fontpkg_montserrat/files/Montserrat%s[wght].ttf" % it,
                                      {"wght": w}))
        for s, it, w in [("Regular", "", 400), ("Bold", "", 700), ("Italic", "-Italic", 400),
                         ("BoldItalic", "-Italic", 700)]]),
    "lato": ("Lato", "fonts-lato", "usr/share/doc/fonts-lato/copyright", [
        ("Lato-%s.ttf" % s, s, ("copy", D + "truetype/lato/Lato-%s.ttf" % s))
        for s in ["Regular", "Bold", "Italic"]]),  # BoldItalic (700 KB) left out for the size budget
    "noto-sans": ("Noto Sans", "fonts-noto-core", "usr/share/doc/fonts-noto-core/copyright", [
        ("NotoSans-%s.ttf" % s, s, ("copy", D + "truetype/noto/NotoSans-%s.ttf" % s))
        for s in ["Regular", "Bold", "Italic"]]),  # BoldItalic (520 KB) left out for the size budget
    "noto-serif": ("Noto Serif", "fonts-noto-core", "usr/share/doc/fonts-noto-core/copyright", [
        ("NotoSerif-%s.ttf" % s, s, ("copy", D + "truetype/noto/NotoSerif-%s.ttf" % s))
        for s in ["Regular", "Bold", "Italic"]]),  # BoldItalic (640 KB) left out for the size budget
    "liberation-sans": ("Liberation Sans", "fonts-liberation2", "usr/share/doc/fonts-liberation2/copyright", [
        ("LiberationSans-%s.ttf" % s, s, ("copy", D + "truetype/liberation2/LiberationSans-%s.ttf" % s))
        for s in ["Regular", "Bold", "Italic", "BoldItalic"]]),
    "liberation-serif": ("Liberation Serif", "fonts-liberation2", "usr/share/doc/fonts-liberation2/copyright", [
        ("LiberationSerif-%s.ttf" % s, s, ("copy", D + "truetype/liberation2/LiberationSerif-%s.ttf" % s))
        for s in ["Regular", "Bold", "Italic", "BoldItalic"]]),
    "dejavu-sans": ("DejaVu Sans", "fonts-dejavu-core", "usr/share/doc/fonts-dejavu-core/copyright", [
        ("DejaVuSans.ttf", "Regular", ("copy", D + "truetype/dejavu/DejaVuSans.ttf")),
        ("DejaVuSans-Bold.ttf", "Bold", ("copy", D + "truetype/dejavu/DejaVuSans-Bold.ttf")),
        ("DejaVuSans-Oblique.ttf", "Oblique",
         ("copy", D + "truetype/dejavu/DejaVuSans-Oblique.ttf", "fonts-dejavu-extra"))]),
    # --- CJK (subset)
    "noto-sans-cjk-sc": ("Noto Sans CJK SC", "fonts-noto-cjk", "usr/share/doc/fonts-noto-cjk/copyright", [
        ("NotoSansCJKsc-%s.otf" % s, s, ("subset", NOTO_CJK % s, "Noto Sans CJK SC", "gb2312"))
        for s in ["Regular", "Bold"]]),
    "noto-serif-cjk-sc": ("Noto Serif CJK SC", "fonts-noto-cjk", "usr/share/doc/fonts-noto-cjk/copyright", [
        ("NotoSerifCJKsc-Regular.otf", "Regular",
         ("subset", D + "opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "gb2312-l1"))]),
    "wqy-microhei": ("WenQuanYi Micro Hei", "fonts-wqy-microhei", "usr/share/doc/fonts-wqy-microhei/copyright", [
        ("WenQuanYiMicroHei-Regular.ttf", "Regular",
         ("subset", D + "truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei", "gb2312"))]),
    "ar-pl-ukai": ("AR PL UKai CN", "fonts-arphic-ukai", "usr/share/doc/fonts-arphic-ukai/copyright", [
        ("ARPLUKaiCN-Book.ttf", "Book",
         ("subset", D + "truetype/arphic/ukai.ttc", "AR PL UKai CN", "gb2312-l1"))]),
    "noto-sans-cjk-tc": ("Noto Sans CJK TC", "fonts-noto-cjk", "usr/share/doc/fonts-noto-cjk/copyright", [
        ("NotoSansCJKtc-Regular.otf", "Regular", ("subset", NOTO_CJK % "Regular", "Noto Sans CJK TC", "big5-l1"))]),
    "noto-sans-cjk-jp": ("Noto Sans CJK JP", "fonts-noto-cjk", "usr/share/doc/fonts-noto-cjk/copyright", [
        ("NotoSansCJKjp-%s.otf" % s, s, ("subset", NOTO_CJK % s, "Noto Sans CJK JP", "jis-l1"))
        for s in ["Regular", "Bold"]]),
    "noto-sans-cjk-kr": ("Noto Sans CJK KR", "fonts-noto-cjk", "usr/share/doc/fonts-noto-cjk/copyright", [
        ("NotoSansCJKkr-%s.otf" % s, s, ("subset", NOTO_CJK % s, "Noto Sans CJK KR", "ksx1001-hangul"))
        for s in ["Regular", "Bold"]]),
    # --- other scripts (unmodified). Debian's 2020 Noto Thai/Hebrew fonts have no ASCII digits or
    # punctuation (Noto expects a fallback font), so Noto Sans Thai comes from the newer wheel.
    "noto-sans-thai": ("Noto Sans Thai", "fontpkg-noto-sans-thai", "fontpkg_noto_sans_thai/LICENSE", [
        ("NotoSansThai-%s.ttf" % s, s, ("instance", "fontpkg_noto_sans_thai/files/NotoSansThai[wdth,wght].ttf",
                                        {"wght": w, "wdth": 100}))
        for s, w in [("Regular", 400), ("Bold", 700)]]),
    **{slug: (fam, "fonts-noto-core", "usr/share/doc/fonts-noto-core/copyright", [
        ("%s-%s.ttf" % (fam.replace(" ", ""), s), s, ("copy", D + "truetype/noto/%s-%s.ttf" % (fam.replace(" ", ""), s)))
        for s in styles])
       for slug, fam, styles in [
           ("noto-sans-arabic", "Noto Sans Arabic", ["Regular", "Bold"]),
           ("noto-naskh-arabic", "Noto Naskh Arabic", ["Regular", "Bold"]),
           ("noto-sans-hebrew", "Noto Sans Hebrew", ["Regular", "Bold"]),
           ("noto-sans-devanagari", "Noto Sans Devanagari", ["Regular", "Bold"]),
           ("noto-serif-thai", "Noto Serif Thai", ["Regular", "Bold"]),
           ("noto-looped-thai", "Noto Looped Thai", ["Regular"]),
       ]},
}
EXTRA_LICENCE = {  # slug -> (package, path, name in fonts/<slug>/)
    # Debian's copyright file only points at /usr/share/common-licenses/Apache-2.0; the same text
    # ships in the Roboto Slab wheel.
    "wqy-microhei": ("fontpkg-roboto-slab", "fontpkg_roboto_slab/LICENSE", "LICENSE-Apache-2.0"),
    # The Arphic PL asks for its licence file to travel, unaltered, with every copy.
    "ar-pl-ukai": ("fonts-arphic-ukai", "usr/share/doc/fonts-arphic-ukai/license/english/ARPHICPL.TXT.gz",
                   "ARPHICPL.TXT"),
}

# Scripts reported in the README: a font "covers" a script when its cmap has every probe character.
PROBES = {
    "Latin (ASCII + Latin-1)": "AZaz09ÀÉÑÖÜßàéñöüÿ",
    "Latin-Ext (pl/tr/vi)": "ąćęłńśźżĄĘŁŚŻğışİŞĞăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƠƯ",
    "Greek": "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρςστυφχψωάέήίόύώ",
    "Cyrillic": "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяІЇЄҐіїєґ",
    "Hebrew": "".join(map(chr, range(0x5D0, 0x5EB))),
    "Arabic": "".join(map(chr, range(0x621, 0x64B))) + "پچژگ",
    "Devanagari": "".join(map(chr, range(0x905, 0x915))) + "".join(map(chr, range(0x915, 0x93A))),
    "Thai": "".join(map(chr, range(0xE01, 0xE2F))),
    "Han (GB 2312 L1)": "".join(map(chr, GB_L1)),
    "Han (GB 2312 L2)": "".join(map(chr, GB_L2)),
    "Han (Big5 L1)": "".join(map(chr, BIG5_L1)),
    "Kana": "".join(map(chr, range(0x3041, 0x3097))) + "".join(map(chr, range(0x30A1, 0x30FB))),
    "Kanji (JIS L1)": "".join(map(chr, JIS_L1)),
    "Hangul (KS X 1001)": "".join(map(chr, KS_HANGUL)),
}


def corpus_chars():
    """{language tag (file stem, lower case, '-' -> '_'): set of code points} of the subtitle corpus."""
    out = {}
    for path in sorted(glob.glob(CORPUS_GLOB)):
        lang = os.path.splitext(os.path.basename(path))[0].lower().replace("-", "_")
        with open(path, encoding="utf-8") as f:
            out[lang] = {ord(c) for c in f.read() if c.isprintable()}
    return out


def corpus_for(corpus, langs):
    """All characters of the corpus files of `langs`, plus punctuation and symbols of every file."""
    chars = set().union(*(cps for lang, cps in corpus.items() if lang in langs))
    for cps in corpus.values():
        chars |= {c for c in cps if unicodedata.category(chr(c))[0] in "PS"}
    return chars


def deb_file(cache, pkg):
    """The cached .deb of `pkg`, checked against the pinned version."""
    found = glob.glob(os.path.join(cache, pkg + "_*.deb"))
    for path in found:
        ver = subprocess.run(["dpkg-deb", "-f", path, "Version"], check=True, capture_output=True, text=True)
        if ver.stdout.strip() == DEBS[pkg]:
            return path
    sys.exit("%s=%s not in %s (found %s); run --print-downloads" % (pkg, DEBS[pkg], cache, found))


def extract_all(cache, work):
    """Unpack every pinned package; returns {package: dir}."""
    dirs = {}
    for pkg in DEBS:
        d = dirs[pkg] = os.path.join(work, pkg)
        subprocess.run(["dpkg-deb", "-x", deb_file(cache, pkg), d], check=True)
    for pkg, ver in WHEELS.items():
        d = dirs[pkg] = os.path.join(work, pkg)
        with zipfile.ZipFile(os.path.join(cache, "%s-%s-py3-none-any.whl" % (pkg.replace("-", "_"), ver))) as z:
            z.extractall(d)
    return dirs


def face_by_name(path, family):
    """Index of the face whose name ID 1 is `family` (a .ttc holds JP/KR/SC/TC/HK faces)."""
    faces = TTCollection(path, lazy=True).fonts if path.endswith(".ttc") else [TTFont(path, lazy=True)]
    names = [f["name"].getDebugName(1) for f in faces]
    if family not in names:
        sys.exit("%s: no face named %r (have %s)" % (path, family, names))
    return names.index(family)


def add_notice(font, text):
    """Modified files say how they were changed (Apache-2.0 §4b, Arphic PL §2a); name ID 10."""
    font["name"].setName(text, 10, 3, 1, 0x409)


def subset_face(src, family, unicodes, notice):
    idx = face_by_name(src, family)
    font = TTFont(src, fontNumber=idx, recalcTimestamp=False)
    opts = subset.Options()
    opts.layout_features = ["*"]   # everything: locl, vert/vrt2, hwid/fwid, ljmo/vjmo/tjmo ...
    opts.layout_scripts = ["*"]
    opts.hinting = False           # drops glyf instructions / CFF hints and fpgm/prep/cvt
    opts.name_IDs = ["*"]          # keep copyright/licence name records
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    add_notice(font, notice)
    return font, idx


def build(cache, out):
    today = datetime.date.today().isoformat()
    corpus = corpus_chars()
    print("corpus: %s" % ", ".join("%s %d chars" % kv for kv in ((k, len(v)) for k, v in corpus.items())))
    rows, manifest = [], []
    with tempfile.TemporaryDirectory() as work:
        dirs = extract_all(cache, work)
        if os.path.isdir(out):
            for slug in os.listdir(out):
                if os.path.isdir(os.path.join(out, slug)):
                    shutil.rmtree(os.path.join(out, slug))
        for slug, (family, pkg, licence, files) in FAMILIES.items():
            dst = os.path.join(out, slug)
            os.makedirs(dst, exist_ok=True)
            lic_name = "LICENSE" if pkg in WHEELS else "COPYRIGHT"  # Debian copyright file, full licence text
            shutil.copy(os.path.join(dirs[pkg], licence), os.path.join(dst, lic_name))
            lic_files = [lic_name]
            if slug in EXTRA_LICENCE:
                xpkg, xpath, xname = EXTRA_LICENCE[slug]
                opener = gzip.open if xpath.endswith(".gz") else open
                with opener(os.path.join(dirs[xpkg], xpath), "rb") as fi, open(os.path.join(dst, xname), "wb") as fo:
                    shutil.copyfileobj(fi, fo)
                lic_files.append(xname)
            for name, style, how in files:
                kind, path = how[0], how[1]
                src_pkg = how[2] if kind == "copy" and len(how) > 2 else pkg
                src = os.path.join(dirs[src_pkg], path)
                target = os.path.join(dst, name)
                origin = ("Debian bookworm %s %s" % (src_pkg, DEBS[src_pkg]) if src_pkg in DEBS
                          else "PyPI %s %s" % (src_pkg, WHEELS[src_pkg]))
                if kind == "copy":
                    shutil.copy(src, target)
                    change = "unmodified"
                elif kind == "instance":
                    font = instancer.instantiateVariableFont(TTFont(src), how[2], updateFontNames=True)
                    loc = ", ".join("%s=%g" % kv for kv in how[2].items())
                    add_notice(font, "Static instance (%s) of %s from %s, made with fontTools.varLib.instancer "
                                     "by datagen tools/build_fonts.py on %s." % (loc, os.path.basename(src), origin, today))
                    font.save(target)
                    change = "static instance of %s at %s" % (os.path.basename(src), loc)
                else:
                    desc, cps, langs = CHARSETS[how[3]]
                    common = COMMON_DESC % "|".join(langs)
                    wanted = cps | BASIC | corpus_for(corpus, langs)
                    face = how[2]
                    note = ("Subset of %s (%s) from %s by datagen tools/build_fonts.py on %s: %s; %s; "
                            "all OpenType layout features kept, hinting removed."
                            % (face, os.path.basename(path), origin, today, desc, common))
                    font, idx = subset_face(src, face, wanted, note)
                    font.save(target)
                    change = "subset of face %d (%s) of %s: %s; %s; hinting removed" % (
                        idx, face, os.path.basename(path), desc, common)
                cmap = TTFont(target, lazy=True).getBestCmap()
                scripts = [s for s, probe in PROBES.items() if all(ord(c) in cmap for c in probe)]
                size = os.path.getsize(target)
                print("%-22s %-34s %8.0f KB %6d cps  %s" % (slug, name, size / 1024, len(cmap), ", ".join(scripts)))
                rows.append((slug, family, style, name, scripts, origin, lic_files, change, size, len(cmap)))
                manifest.append({"family": family, "style": style, "path": "%s/%s" % (slug, name),
                                 "scripts": scripts, "codepoints": len(cmap), "bytes": size})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    write_readme(out, rows, corpus)
    total = sum(r[8] for r in rows)
    print("total %.2f MB in %d font files" % (total / 1e6, len(rows)))


LICENCE_NAMES = {"roboto-slab": "Apache-2.0", "dejavu-sans": "Bitstream Vera (DejaVu changes: public domain)",
                 "wqy-microhei": "Apache-2.0 (dual: or GPL-3+ with font exception)", "ar-pl-ukai": "Arphic PL"}
NOTES = """\
## Notes for the generator

- Script-only fonts: `noto-sans-hebrew`, `noto-serif-thai` and `noto-looped-thai` (Debian's 2020 Noto
  builds) have no ASCII digits or punctuation (Noto Naskh Arabic lacks `-`); render those characters with
  a fallback font (e.g. Noto Sans) or pick fonts whose `scripts` in `manifest.json` include
  "Latin (ASCII + Latin-1)". Hebrew with ASCII punctuation: Liberation Sans/Serif, DejaVu Sans, Open Sans.
- CJK subsets keep every GSUB/GPOS feature of the source face (`vert`/`vrt2` for vertical text, `locl`,
  `hwid`/`fwid`, ...) and the vertical metrics (`vhea`/`vmtx`/`VORG`); WenQuanYi Micro Hei has no GSUB at
  all upstream (no vertical punctuation forms), AR PL UKai only `vert`, `fwid`, `frac`.
- Characters outside the subset render as .notdef boxes: check `font.getBestCmap()` (fontTools) before
  drawing text that is not from the corpus.
- Left out on purpose: BoldItalic of Lato / Noto Sans / Noto Serif (size); IBM Plex (Reserved Font Name
  "Plex": static instances of its variable font would be Modified Versions that may not keep the name);
  Nanum (Reserved Font Names: a subset would need a new name); WenQuanYi Zen Hei (GPL); Noto Sans CJK TC Bold,
  Noto Serif CJK SC Bold and GB 2312 level 2 for Noto Serif CJK SC / AR PL UKai (size; the 38 MB budget).
"""


def write_readme(out, rows, corpus):
    total = sum(r[8] for r in rows)
    per_family = {}
    for r in rows:
        per_family[r[0]] = per_family.get(r[0], 0) + r[8]
    lines = [
        "# Bundled fonts",
        "",
        "Fonts the subtitle generator renders with. Generated by `tools/build_fonts.py`: do not edit by hand;",
        "this README and `manifest.json` (family, style, path, scripts, code points, bytes per file) are written",
        "by the script. Licences: SIL OFL 1.1, Apache 2.0 and Bitstream Vera, all permissive font licences,",
        "and the Arphic Public License of AR PL UKai, a copyleft font licence (modified copies must carry a",
        "notice of the change and stay under the APL; the subset carries it in name ID 10, and",
        "`ar-pl-ukai/ARPHICPL.TXT` travels with it). Each family's licence sits next to its fonts: `LICENSE`",
        "(the wheel's licence file) or `COPYRIGHT` (the Debian package's copyright file, with the full licence",
        "text), plus `LICENSE-Apache-2.0` / `ARPHICPL.TXT` where named. Every modified file (instance or",
        "subset) says how and when it was made in its name table (ID 10).",
        "",
        "Total: **%.2f MB** (%d font files, %d families)." % (total / 1e6, len(rows), len(per_family)),
        "",
        "Scripts are listed when the font's cmap contains every probe character of that script",
        "(see `PROBES` in the script; the CJK probes are whole character sets). Subset fonts also contain the",
        "characters of their language's corpus file (`datagen/assets/corpus/<lang>.txt`; present at build",
        "time: %s) and the punctuation/symbols of all corpus files, where the source" % ", ".join(sorted(corpus)),
        "font has them; re-run the build after the corpus changes.",
        "",
        "| file | family | style | scripts | source | licence | modification | code points | size |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for slug, family, style, name, scripts, origin, lic, change, size, ncp in rows:
        lines.append("| `%s/%s` | %s | %s | %s | %s | %s: %s | %s | %d | %.0f KB |" % (
            slug, name, family, style, ", ".join(scripts), origin, LICENCE_NAMES.get(slug, "OFL-1.1"),
            ", ".join("`%s`" % x for x in lic), change, ncp, size / 1024))
    lines += ["", "Size per family:", "", "| family folder | files | size |", "|---|---|---|"]
    lines += ["| `%s` | %d | %.2f MB |" % (k, sum(r[0] == k for r in rows), v / 1e6) for k, v in per_family.items()]
    lines += ["", NOTES, "## Rebuild", "", "```sh",
              "mkdir -p /tmp/fontcache",
              "python tools/build_fonts.py --print-downloads /tmp/fontcache | sh   # apt-get download + pip download",
              "python tools/build_fonts.py /tmp/fontcache                         # rewrites fonts/ (~4 min)",
              "```", "",
              "Needs Debian/Ubuntu `apt-get` and `dpkg-deb` for the .deb files and fontTools (in the project venv).",
              "CJK faces are found in their .ttc collections by name (name ID 1), never by a fixed index.", ""]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines))


def print_downloads(cache):
    print("cd %s" % cache)
    print("apt-get update")
    print("apt-get download " + " ".join("%s=%s" % kv for kv in DEBS.items()))
    print("pip download --no-deps -d . " + " ".join("%s==%s" % kv for kv in WHEELS.items()))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cache", help="folder with the downloaded .deb and .whl files")
    ap.add_argument("--out", default=os.path.join(ROOT, "fonts"))
    ap.add_argument("--print-downloads", action="store_true", help="print the commands that fill CACHE and exit")
    a = ap.parse_args()
    if a.print_downloads:
        print_downloads(a.cache)
    else:
        build(a.cache, a.out)
