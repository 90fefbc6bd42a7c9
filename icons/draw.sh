#!/usr/bin/env bash
# Redraws the app icon set from one 1024 px source, in two steps:
#   1. ImageMagick 6 (`convert`) draws icon-source.png: an orange rounded square, a white "run" triangle and speed
#      lines (PNG32: Tauri wants RGBA);
#   2. the Tauri CLI's `tauri icon` derives every size and format the bundles need from it (.icns for macOS, .ico
#      for Windows, the PNGs for Linux and the Windows Store logos).
# Run from anywhere after `npm --prefix ui install`; commit the result.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

convert -size 1024x1024 gradient:'#f59e0b'-'#ea580c' "$tmp/gradient.png"
convert -size 1024x1024 xc:none -fill white -draw "roundrectangle 32,32 991,991 224,224" "$tmp/mask.png"
convert "$tmp/gradient.png" "$tmp/mask.png" -alpha off -compose CopyOpacity -composite \
  -fill white -stroke none -draw "polygon 400,272 400,752 768,512" \
  -fill none -stroke white -strokewidth 60 \
  -draw "line 208,352 320,352" -draw "line 160,512 320,512" -draw "line 208,672 320,672" \
  -define png:exclude-chunk=date,time PNG32:icon-source.png

"$here/../ui/node_modules/.bin/tauri" icon icon-source.png --output "$here"
# Mobile icons are not ours to ship.
rm -rf "$here/android" "$here/ios"
# The UI shows the same mark in its sidebar.
cp 128x128.png ../ui/public/icon.png
