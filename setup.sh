#!/usr/bin/env bash
# Set up this machine for the project.
#   bash setup.sh          Python packages for check / build / send
#   bash setup.sh --test   also the test tools, LibreOffice and CJK fonts (for --pdf and its tests)
#   bash setup.sh --pdf    also LibreOffice and CJK fonts
# Where pip may not install into the system Python (PEP 668: Debian 12, Ubuntu 23.04 and later),
# everything goes into .venv/ in this folder instead, and `python3 generate.py ...` and
# `python3 -m pytest` move into it by themselves (annual_report/cli/reenter.py, conftest.py).
# Debian packages are installed only when missing and when apt-get can be used (root or sudo).
# Windows and macOS need none of this: see the README (py -m pip install .).
set -euo pipefail
cd "$(dirname "$0")"

extras=""
office=0
browser=""  # the tests open the status page (总览.html) in a real headless browser
case "${1:-}" in
    "") ;;
    --test) extras="[test]"; office=1; browser="chromium chromium-driver" ;;
    --pdf) office=1 ;;
    *) echo "用法：bash setup.sh [--test | --pdf]（不认识的选项：$1）" >&2; exit 2 ;;
esac

say() { echo "$*"; }
die() { echo "错误：$*" >&2; exit 1; }

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
apt_updated=0
# apt_install WHAT PACKAGE...: install Debian packages, saying what for; fails without apt-get.
apt_install() {
    local what=$1
    shift
    if ! command -v apt-get >/dev/null; then return 1; fi
    if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
        echo "提示：安装${what}需要管理员权限，但本机没有 sudo；请用 root 账号运行 bash setup.sh。" >&2
        return 1
    fi
    say "安装${what}……"
    local log
    log=$(mktemp)  # apt's own (English) words are shown only when it fails
    if { [ "$apt_updated" = 1 ] || $sudo apt-get update -qq; } >"$log" 2>&1 \
            && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
                "$@" >"$log" 2>&1; then
        apt_updated=1
        rm -f "$log"
        return 0
    fi
    cat "$log" >&2
    rm -f "$log"
    echo "提示：apt-get 未能安装 $*（原因见上面的输出）。" >&2
    return 1
}

if ! command -v python3 >/dev/null; then
    die "未找到 python3。请先安装 Python 3.11 或更高版本（Debian/Ubuntu：sudo apt-get install python3 python3-venv），再运行 bash setup.sh。"
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    die "需要 Python 3.11 或更高版本，本机的 python3（$(command -v python3)）是 $(python3 -c 'import platform; print(platform.python_version())')。请安装较新的 Python 后再运行。"
fi

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
    # shellcheck disable=SC2086  # $browser: zero or two package names
    if ! apt_install " LibreOffice、中文字体和 poppler-utils（用于生成和检查 PDF）${browser:+，以及测试用的 Chromium}" \
            libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk fonts-arphic-ukai \
            fonts-liberation poppler-utils $browser; then
        echo "提示：未能用 apt-get 安装 LibreOffice 和中文字体，请自行安装后再使用 --pdf。" >&2
    fi
fi

# PEP 668: the distribution manages this Python; pip refuses to install into it (also with --user).
managed=$(python3 - <<'EOF'
import os, sys, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
print(int(sys.prefix == sys.base_prefix and os.path.isfile(marker)))
EOF
)
if [ "$managed" = 1 ] || [ -d .venv ] || ! python3 -m pip --version >/dev/null 2>&1; then
    if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
        if [ "$managed" = 1 ]; then
            say "本机的 Python（$(command -v python3)）由系统管理，不允许用 pip 直接安装（PEP 668）；改为安装到本文件夹的虚拟环境 .venv/ 中。"
        else
            say "本机的 Python（$(command -v python3)）没有 pip；改为安装到本文件夹的虚拟环境 .venv/ 中。"
        fi
        if [ -e .venv ]; then say "已有的 .venv/ 不完整，重新创建。"; rm -rf .venv; fi
        if ! python3 -m venv .venv >/dev/null 2>&1; then
            rm -rf .venv  # venv leaves a half-made folder when ensurepip is missing
            apt_install " Python 虚拟环境模块（python3-venv）" python3-venv \
                || die "无法创建虚拟环境：本机的 Python 缺少 venv 模块。请安装 python3-venv（Debian/Ubuntu：sudo apt-get install python3-venv）后重新运行 bash setup.sh ${1:-}。"
            python3 -m venv .venv >/dev/null 2>&1 || { rm -rf .venv; die "无法在本文件夹创建虚拟环境 .venv/：请检查磁盘空间和文件夹权限后重新运行。"; }
        fi
    fi
    python=.venv/bin/python
else
    python=python3
fi

say "安装 Python 依赖包……"
if ! "$python" -m pip install -qq --disable-pip-version-check --root-user-action=ignore -e ".${extras}"; then
    die "Python 依赖包安装失败（原因见上面 pip 的输出，多为网络不通或磁盘已满）。请检查后重新运行 bash setup.sh ${1:-}。"
fi

# Byte-compile the package now, as pip does for an installed one: every command then starts
# without compiling ~120 modules (also where PYTHONDONTWRITEBYTECODE keeps Python from caching).
"$python" -m compileall -q annual_report generate.py >/dev/null 2>&1 || true

if [ "$python" = .venv/bin/python ] && [ -n "$extras" ] && ! python3 -c 'import pytest' 2>/dev/null; then
    # `python3 -m pytest` needs a pytest that the system Python sees; conftest.py then moves the
    # run into .venv, where the project's own pytest and packages are.
    if [ "$(python3 -c 'import sys; print(sys.prefix)')" = /usr ]; then
        apt_install "系统 Python 的 pytest（python3-pytest，用于启动测试）" python3-pytest || true
    fi
    if ! python3 -c 'import pytest' 2>/dev/null; then
        echo "提示：系统的 python3 没有 pytest，python3 -m pytest 无法启动；请用 .venv/bin/python -m pytest 运行测试。" >&2
    fi
fi

if [ "$python" = .venv/bin/python ]; then
    say "安装完成（在 .venv/ 中）。python3 generate.py 会自动使用它；也可以直接运行 .venv/bin/nianbao。"
else
    say "安装完成。"
fi
