#!/usr/bin/env bash
# Set up this machine for the project.
#   bash setup.sh          Python packages for check / build / send
#   bash setup.sh --test   also the test tools, LibreOffice and CJK fonts (for --pdf and its tests)
# Debian packages are installed only when missing and when apt-get can be used (root or sudo).
set -euo pipefail
cd "$(dirname "$0")"

extras=""
office=0
browser=""  # the tests open the status page (总览.html) in a real headless browser
if [ "${1:-}" = "--test" ]; then extras="[test]"; office=1; browser="chromium chromium-driver"; fi
if [ "${1:-}" = "--pdf" ]; then office=1; fi

# Writer converts reports to PDF; Calc lets the tests open .ods/.xls workbooks; Noto CJK and
# AR PL UKai stand in for the official fonts (仿宋_GB2312, 楷体_GB2312 …) that are not free;
# Liberation Serif, metric-compatible with Times New Roman, sets the digits and Latin letters
# (without it LibreOffice falls back to the much wider DejaVu Serif).
fonts=$(fc-list : family 2>/dev/null || true)  # captured: grep -q on a pipe would SIGPIPE fc-list
if [ "$office" = 1 ] && ! { command -v soffice >/dev/null && command -v pdftotext >/dev/null \
        && [ -e /usr/lib/libreoffice/program/libsclo.so ] \
        && grep -q "Noto Serif CJK" <<<"$fonts" && grep -q "UKai" <<<"$fonts" \
        && grep -q "Liberation Serif" <<<"$fonts" \
        && { [ -z "$browser" ] || { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; }; }; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    if command -v apt-get >/dev/null; then
        echo "安装 LibreOffice、中文字体和 poppler-utils（用于生成和检查 PDF）${browser:+，以及测试用的 Chromium}……"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk fonts-arphic-ukai \
            fonts-liberation poppler-utils $browser >/dev/null
    else
        echo "提示：未找到 apt-get，请自行安装 LibreOffice 和中文字体后再使用 --pdf。" >&2
    fi
fi

python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".${extras}"
echo "安装完成。"
