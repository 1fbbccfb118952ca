#!/usr/bin/env bash
# Install everything svodka needs on a fresh Debian machine: system packages
# (only when missing; needs root or sudo) and the Python environment in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# Debian packages the test suite needs, each checked by the command it provides.
need_apt=()
# PostgreSQL server binaries (initdb, pg_ctl): the store tests start a real server.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  need_apt+=(postgresql)
fi
# Tesseract with the Russian model: OCR of scanned (image-only) PDF pages.
if ! command -v tesseract >/dev/null; then
  need_apt+=(tesseract-ocr)
fi
if ! tesseract --list-langs 2>/dev/null | grep -x rus >/dev/null; then
  need_apt+=(tesseract-ocr-rus)
fi
# A Cyrillic TrueType font: tests draw their own PDFs of Russian tables (reportlab).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  need_apt+=(fonts-dejavu-core)
fi
# Chromium (headless): the test of the HTML report for QA opens it in a real browser.
if ! command -v chromium >/dev/null; then
  need_apt+=(chromium)
fi
# TrueType fonts with Cyrillic: the style generator (tests/synth) renders reports with them.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  need_apt+=(fonts-dejavu-core)
fi
if [ ! -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]; then
  need_apt+=(fonts-liberation)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
