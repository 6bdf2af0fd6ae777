"""The gallery as a user sees it: index.html opened from disk in headless Chromium.

Uses Debian's chromium and chromedriver (tools/install_browser.sh installs them; nothing
is downloaded at run time: selenium is pointed at /usr/bin/chromedriver, so
selenium-manager never runs). Skips only when that browser is not installed.
The screenshot goes to $DATAGEN_QA_SCREENSHOT if set, else into the test's tmp folder;
its path is printed (pytest -s, or -rA) so a reviewer can open it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from datagen.engine import generate
from datagen.qa.preview import make_previews
from datagen.qa.stats import make_stats
from datagen.recipe.load import recipe_from_dict

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason=f"no Debian chromium + chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); run tools/install_browser.sh",
)

RECIPE = {
    "name": "qagallery",
    "clip": {"frames": 8, "width": 192, "height": 108, "fps": 12},
    "background": {"type": "procedural"},
    "layers": [{"type": "subtitle", "p": 0.6, "texts": [{"corpus": "en"}, {"corpus": "zh_hans"}]}],
}


@pytest.fixture(scope="module")
def gallery(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gallery")
    generate(recipe_from_dict(RECIPE), str(root / "data"), samples=9, shard_size=5, seed=2, progress=False)
    out = root / "qa"
    make_previews([str(root / "data")], str(out), samples=9, workers=1, progress=False)
    make_stats([str(root / "data")], str(out), progress=False)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--allow-file-access-from-files", "--window-size=1400,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_images(driver, timeout: float = 20.0) -> list[dict]:
    script = "return [...document.images].map(i => ({src: i.getAttribute('src'), done: i.complete, w: i.naturalWidth}))"
    end = time.monotonic() + timeout
    while True:
        imgs = driver.execute_script(script)
        if all(i["done"] for i in imgs) or time.monotonic() > end:
            return imgs
        time.sleep(0.1)


def _visible_cards(driver) -> list[dict]:
    return driver.execute_script(
        "return [...document.querySelectorAll('.card')].filter(c => !c.hidden && c.offsetParent !== null)"
        ".map(c => ({layers: c.dataset.layers, text: c.innerText}))")


def test_gallery_renders_every_image_and_filters(gallery, browser):
    from selenium.webdriver.common.by import By

    browser.get((gallery / "index.html").resolve().as_uri())
    imgs = _wait_images(browser)
    previews = [i for i in imgs if i["src"].startswith("previews/")]
    plots = [i for i in imgs if i["src"].startswith("plots/")]
    assert len(previews) == 9 and len(plots) >= 6
    broken = [i["src"] for i in imgs if not (i["done"] and i["w"] > 0)]
    assert not broken, f"images that did not render: {broken}"
    assert all(i["w"] == 3 * 192 + 2 * 4 for i in previews)

    cards = _visible_cards(browser)
    assert len(cards) == 9
    kinds = {c["layers"] for c in cards}
    assert kinds == {"subtitle", "none"}, kinds  # both classes present, or the filter test proves nothing
    n_none = sum(c["layers"] == "none" for c in cards)

    browser.find_element(By.CSS_SELECTOR, 'button[data-layer="none"]').click()
    shown = _visible_cards(browser)
    assert len(shown) == n_none and all(c["layers"] == "none" for c in shown)
    assert browser.find_element(By.ID, "count").text == f"showing {n_none} of 9"
    assert browser.execute_script("return location.hash") == "#layer=none"

    browser.find_element(By.CSS_SELECTOR, 'button[data-layer="subtitle"]').click()
    shown = _visible_cards(browser)
    assert len(shown) == 9 - n_none and all(c["layers"] == "subtitle" for c in shown)

    # free-text search narrows further: the start of one card's subtitle text
    first_text = browser.execute_script(
        "return [...document.querySelectorAll('.card')].find(c => !c.hidden && c.querySelector('.t'))"
        ".querySelector('.t').textContent")
    word = first_text.split("\n")[0][:6]
    box = browser.find_element(By.ID, "search")
    box.send_keys(word)
    narrowed = _visible_cards(browser)
    assert 1 <= len(narrowed) <= len(shown) and all(word.lower() in c["text"].lower() for c in narrowed)
    box.clear()
    browser.find_element(By.CSS_SELECTOR, 'button[data-layer="all"]').click()
    assert len(_visible_cards(browser)) == 9

    # a bookmarked filter opens filtered
    browser.get((gallery / "index.html").resolve().as_uri() + "#layer=none")
    assert len(_visible_cards(browser)) == n_none


def test_screenshot_for_review(gallery, browser, tmp_path):
    browser.get((gallery / "index.html").resolve().as_uri())
    _wait_images(browser)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, min(height + 120, 9000))
    time.sleep(0.3)
    target = Path(os.environ.get("DATAGEN_QA_SCREENSHOT") or tmp_path / "gallery.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    shot = np.asarray(Image.open(target).convert("RGB"))
    assert shot.shape[0] > 1000 and shot.std() > 20  # a page with pictures, not a blank window
    # the mask tint (magenta) of the previews is on screen
    r, g, b = (shot[..., i].astype(int) for i in range(3))
    assert ((r > 150) & (g < 90) & (b > 120)).sum() > 50
    print(f"\ngallery screenshot: {target}")
