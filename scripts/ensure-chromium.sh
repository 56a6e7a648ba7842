#!/usr/bin/env bash
# Makes sure a Chromium for the report's browser test (test/report.browser.ts) is installed:
# does nothing when /usr/bin/chromium (or $CHROMIUM_PATH) exists, otherwise installs Debian's
# `chromium` package with apt-get (needs root, or sudo). Prints what it does.
set -euo pipefail
target="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$target" ]; then
  echo "ensure-chromium: found $target ($("$target" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $target is missing and apt-get is not available; install Chromium yourself and set CHROMIUM_PATH to its binary" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ensure-chromium: $target is missing and installing it needs root (apt-get install -y chromium)" >&2
    exit 1
  fi
fi
echo "ensure-chromium: $target is missing; installing Debian's chromium package: $sudo apt-get update && $sudo apt-get install -y chromium"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q chromium
if [ ! -x "$target" ]; then
  echo "ensure-chromium: installed the chromium package but $target still does not exist; set CHROMIUM_PATH to the binary" >&2
  exit 1
fi
echo "ensure-chromium: installed $("$target" --version 2>/dev/null || echo "$target")"
