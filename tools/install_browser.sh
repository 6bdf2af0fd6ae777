#!/usr/bin/env bash
# Install a headless browser for the gallery test (tests/test_qa_browser.py): Debian's
# chromium + chromium-driver, plus two small font packages so that gallery text in
# Chinese/Japanese (wqy-microhei) and Hebrew/Arabic/Devanagari/Thai (freefont) renders
# instead of boxes. Only from the distribution's archive: no browser download by test
# tools. Installs only what is missing; when not root (or without apt-get/dpkg) it says
# so and changes nothing, and the browser test then skips with that reason.
# Always exits 0: a missing browser is not a build failure, the skip message reports it.
set -uo pipefail

PACKAGES=(chromium chromium-driver fonts-wqy-microhei fonts-freefont-ttf)

have_browser() { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    if have_browser; then
        echo "install_browser: chromium present: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
    else
        echo "install_browser: no apt-get/dpkg and no /usr/bin/chromium; the browser test will be skipped"
    fi
    exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install_browser: already installed: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "install_browser: missing ${missing[*]} and not root; changed nothing (install them with apt-get to run the browser test)"
    exit 0
fi
echo "install_browser: apt-get install ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "install_browser: installed ${missing[*]}: $(/usr/bin/chromium --version 2>/dev/null | head -n1)," \
         "$(/usr/bin/chromedriver --version 2>/dev/null | cut -d' ' -f1-2)"
else
    echo "install_browser: apt-get failed; the browser test will be skipped if chromium is missing"
fi
exit 0
