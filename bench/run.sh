#!/usr/bin/env bash
# Remux benchmark: camrec against `ffmpeg -c copy` and the user-space copy floor `dd bs=4M`,
# on a 10-minute and a 1-hour 720p30 H.264 stream (a 20 s x264 clip concatenated), all in
# one run so the ratios compare like with like. Then the micro-benchmarks.
#   bash bench/run.sh [BUILD_DIR]      (BENCH_LONG=0 skips the 1-hour file)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
camrec="$root/$build/camrec"
measure="$root/$build/bench/bench_measure"
work=${BENCH_DIR:-$root/bench/out}
mkdir -p "$work"

clip="$work/clip20s.h264"
if [ ! -s "$clip" ]; then
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 20 -pix_fmt yuv420p \
    -c:v libx264 -preset veryfast -profile:v main -b:v 4M -maxrate 4M -bufsize 8M -g 30 -bf 0 "$clip"
fi
make_long() {  # $1 = copies, $2 = output
  [ -s "$2" ] && return
  local tmp="$2.tmp"
  : >"$tmp"
  for _ in $(seq "$1"); do cat "$clip" >>"$tmp"; done
  mv "$tmp" "$2"
}
make_long 30 "$work/10min.h264"
inputs=("$work/10min.h264")
if [ "${BENCH_LONG:-1}" != 0 ]; then
  make_long 180 "$work/1h.h264"
  inputs+=("$work/1h.h264")
fi

row() {  # name, input size, measure line
  local name=$1 size=$2 line=$3
  printf '%-18s %s\n' "$name" "$line"
}

for input in "${inputs[@]}"; do
  size=$(stat -c %s "$input")
  label=$(basename "$input" .h264)
  echo "== $label: $size bytes"
  cat "$input" >/dev/null  # cached, as every tool below sees it
  out="$work/out.mp4"
  declare -A wall
  for tool in dd ffmpeg camrec camrec-fmp4 camrec-fsync; do
    rm -f "$out"
    case $tool in
      dd) cmd=(dd if="$input" of="$out" bs=4M status=none) ;;
      ffmpeg) cmd=(ffmpeg -nostdin -v error -y -framerate 30 -i "$input" -c copy -f mp4 "$out") ;;
      camrec) cmd=("$camrec" remux -q --fps 30 "$input" "$out") ;;
      camrec-fmp4) cmd=("$camrec" remux -q --fps 30 --fmp4 "$input" "$out") ;;
      camrec-fsync) cmd=("$camrec" remux -q --fps 30 --fsync fragment "$input" "$out") ;;
    esac
    line=$("$measure" "${cmd[@]}")
    outsize=$(stat -c %s "$out")
    w=$(sed -E 's/.*wall_s=([0-9.]+).*/\1/' <<<"$line")
    wb=$(sed -E 's/.*write_bytes=([0-9]+).*/\1/' <<<"$line")
    wall[$tool]=$w
    ratio=$(awk -v a="$w" -v b="${wall[dd]}" 'BEGIN { printf "%.2f", a / b }')
    amp=$(awk -v a="$wb" -v b="$outsize" 'BEGIN { printf "%.4f", a / b }')
    row "$tool" "$size" "$line out_bytes=$outsize written/out=$amp wall/dd=$ratio"
  done
  unset wall
done
rm -f "$work/out.mp4"

echo "== micro-benchmarks"
"$root/$build/bench/bench_micro" --benchmark_min_time=0.5
