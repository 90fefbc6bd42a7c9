#!/usr/bin/env bash
# Redraws the app icons with ImageMagick 6 (`convert`): an orange rounded square, a white "run" triangle and
# speed lines. Tauri wants RGBA PNGs, hence PNG32: everywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

convert -size 512x512 gradient:'#f59e0b'-'#ea580c' "$tmp/gradient.png"
convert -size 512x512 xc:none -fill white -draw "roundrectangle 16,16 495,495 112,112" "$tmp/mask.png"
convert "$tmp/gradient.png" "$tmp/mask.png" -alpha off -compose CopyOpacity -composite \
  -fill white -stroke none -draw "polygon 200,136 200,376 384,256" \
  -fill none -stroke white -strokewidth 30 \
  -draw "line 104,176 160,176" -draw "line 80,256 160,256" -draw "line 104,336 160,336" \
  -define png:exclude-chunk=date,time PNG32:icon.png
convert icon.png -resize 32x32 -define png:exclude-chunk=date,time PNG32:32x32.png
convert icon.png -resize 128x128 -define png:exclude-chunk=date,time PNG32:128x128.png
convert icon.png -resize 256x256 -define png:exclude-chunk=date,time PNG32:128x128@2x.png
# The UI shows the same mark in its sidebar.
cp 128x128.png ../ui/public/icon.png
