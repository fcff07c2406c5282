#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Several channels on one machine, in real time (test pattern, 30 fps, x264 with the settings
# of bench/record.sh):
#  1. main (1280x720) + sub (640x360) channels of one sensor, each to its own MP4, by
#     `bench_channels mainsub`, beside one ffmpeg that splits and scales a 1280x720 testsrc2
#     into the same two files; then each channel alone (its memory, and a check of the CPU
#     attributed to it when both run);
#  2. N independent 640x360 recordings in one process (`bench_channels many N`) beside N
#     `ffmpeg -re` processes at once: the largest N at which a tool loses no frame (camrec)
#     or falls no more than 5 frames behind the clock (ffmpeg, which never drops but lags),
#     found per tool by doubling N, then halving the interval (a failure is confirmed by a
#     second run at the same N); the tools take turns.
#   bench/channels.sh BUILD_DIR WORK_DIR
# BENCH_CHANNELS_SECONDS (scenario 1, default 20), BENCH_CHANNELS_ALONE_SECONDS (each channel
# alone, default 10), BENCH_MANY_SECONDS (each run of scenario 2, default 10),
# BENCH_MANY_BUDGET (seconds after which scenario 2 starts no new N, default 260: the last N
# and the 16-frame check may add 55 s), BENCH_MANY_MAX (largest N tried, default 32).
set -euo pipefail
build=$1
work=$2
prog="$build/bench/bench_channels"
measure="$build/bench/bench_measure"
seconds=${BENCH_CHANNELS_SECONDS:-20}
alone_seconds=${BENCH_CHANNELS_ALONE_SECONDS:-10}
many_seconds=${BENCH_MANY_SECONDS:-10}
budget=${BENCH_MANY_BUDGET:-260}
max_n=${BENCH_MANY_MAX:-32}
out=$(mktemp -d "${TMPDIR:-/tmp}/camrec-bench-channels.XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir -p "$work"

x264_opts="keyint-min=30:scenecut=0:vbv-maxrate=4000:vbv-bufsize=4000:repeat-headers=1"
x264=(-pix_fmt yuv420p -c:v libx264 -preset veryfast -tune zerolatency -profile:v main -b:v 4000k -maxrate 4000k
  -bufsize 4000k -g 30 -bf 0 -x264-params "$x264_opts")
# An ffmpeg run keeps up when it writes every frame and is never more than 5 frames (167 ms)
# behind the clock at a progress report (every 0.1 s): camrec's queue of 4 frames plus the one being encoded
# drops a frame there. Its final speed is not the test: it counts the start-up too, so a run
# that keeps up ends at 0.98-0.99x.
max_lag_ms=167

frames_in() {  # FILE -> video frames ffprobe counts
  ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null || echo 0
}
field() {  # FILE KEY -> the last KEY=value in FILE
  grep -oE "(^| )$2=[^ ]+" "$1" | tail -1 | sed 's/.*=//; s/x$//'
}
# ff_lag PROGRESS -> the most ffmpeg was behind the clock at a progress report, ms: its wall
# time since it began (out_time / speed) less the media time it had written (out_time).
ff_lag() {
  awk -F= '$1 == "out_time_us" { t = $2 / 1e6 } $1 == "speed" && $2 + 0 > 0 { l = t / ($2 + 0) - t; if (l > m) m = l }
    END { printf "%.0f", m * 1000 }' "$1"
}
load1() { cut -d' ' -f1 /proc/loadavg; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
per_s() { awk -v c="$1" -v s="$2" 'BEGIN { printf "%.3f", c / s }'; }

# ---- 1. main + sub of one sensor ----
frames=$((seconds * 30))
mkdir -p "$out/ms-camrec" "$out/ms-ffmpeg" "$out/ms-alone"
load_ms=$(load1)
status=0
"$prog" mainsub "$seconds" "$out/ms-camrec" >"$out/ms-camrec.txt" 2>"$out/ms-camrec.err" || status=$?
if [ "$status" -gt 1 ]; then cat "$out/ms-camrec.err" >&2; exit 1; fi
"$measure" ffmpeg -nostdin -v error -y -re -t "$seconds" -f lavfi -i "testsrc2=size=1280x720:rate=30" \
  -filter_complex "[0:v]split=2[m][s0];[s0]scale=640:360[s]" \
  -map "[m]" "${x264[@]}" "$out/ms-ffmpeg/main.mp4" -map "[s]" "${x264[@]}" "$out/ms-ffmpeg/sub.mp4" \
  -stats_period 0.1 -progress "$out/ms-ffmpeg.progress" >"$out/ms-ffmpeg.txt" 2>"$out/ms-ffmpeg.err" || {
  cat "$out/ms-ffmpeg.err" >&2
  exit 1
}
for ch in main sub; do
  status_alone=0
  "$prog" mainsub "$alone_seconds" "$out/ms-alone" "$ch" >"$out/ms-$ch.txt" 2>"$out/ms-$ch.err" || status_alone=$?
  if [ "$status_alone" -gt 1 ]; then cat "$out/ms-$ch.err" >&2; exit 1; fi
done

echo
echo "### main + sub of one sensor, $seconds s in real time, each channel alone $alone_seconds s (load average $load_ms at the start)"
printf '| %-17s | %9s | %8s | %8s | %7s | %10s | %11s | %9s |\n' channel size expected recorded dropped "latency ms" "CPU s per s" "RSS MB"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-------------------" "-----------" "---------:" "---------:" "--------:" "-----------:" "------------:" "----------:"
cpu_channels=0
for ch in main sub; do
  line=$(grep "name=$ch " "$out/ms-camrec.txt")
  probed=$(frames_in "$out/ms-camrec/$ch.mp4")
  recorded=$(field <(echo "$line") recorded)
  [ "$probed" = "$recorded" ] || { echo "bench: camrec $ch.mp4 holds $probed frames, the muxer wrote $recorded" >&2; exit 1; }
  cpu=$(field <(echo "$line") cpu_s)
  cpu_channels=$(awk -v a="$cpu_channels" -v b="$cpu" 'BEGIN { print a + b }')
  printf '| %-17s | %9s | %8s | %8s | %7s | %10.0f | %11s | %9s |\n' "camrec $ch" "$(field <(echo "$line") size)" \
    "$(field <(echo "$line") expected)" "$probed" "$(field <(echo "$line") dropped)" \
    "$(field <(echo "$line") max_latency_ms)" "$(per_s "$cpu" "$seconds")" ""
done
total_cpu=$(field "$out/ms-camrec.txt" cpu_s)
printf '| %-17s | %9s | %8s | %8s | %7s | %10s | %11s | %9s |\n' "camrec shared" "" "" "" "" "" \
  "$(per_s "$(awk -v t="$total_cpu" -v c="$cpu_channels" 'BEGIN { print t - c }')" "$seconds")" ""
printf '| %-17s | %9s | %8s | %8s | %7s | %10s | %11s | %9s |\n' "camrec process" "" "$((2 * frames))" \
  "$(($(frames_in "$out/ms-camrec/main.mp4") + $(frames_in "$out/ms-camrec/sub.mp4")))" \
  "$(grep -oE 'dropped=[0-9]+' "$out/ms-camrec.txt" | awk -F= '{ s += $2 } END { print s }')" "" \
  "$(per_s "$total_cpu" "$seconds")" "$(mb "$(field "$out/ms-camrec.txt" max_rss_kb)")"
ff_frames=$(($(frames_in "$out/ms-ffmpeg/main.mp4") + $(frames_in "$out/ms-ffmpeg/sub.mp4")))
printf '| %-17s | %9s | %8s | %8s | %7s | %10s | %11s | %9s |\n' "ffmpeg process" "both" "$((2 * frames))" "$ff_frames" \
  "-" "$(ff_lag "$out/ms-ffmpeg.progress")" "$(per_s "$(field "$out/ms-ffmpeg.txt" cpu_s)" "$seconds")" \
  "$(mb "$(field "$out/ms-ffmpeg.txt" max_rss_kb)")"
for ch in main sub; do
  f="$out/ms-$ch.txt"
  probed=$(frames_in "$out/ms-alone/$ch.mp4")
  [ "$probed" = "$(field "$f" recorded)" ] || { echo "bench: camrec $ch.mp4 (alone) holds $probed frames" >&2; exit 1; }
  printf '| %-17s | %9s | %8s | %8s | %7s | %10.0f | %11s | %9s |\n' "camrec $ch alone" "$(field "$f" size)" \
    "$(field "$f" expected)" "$probed" "$(field "$f" dropped)" "$(field "$f" max_latency_ms)" \
    "$(per_s "$(field <(grep '^total' "$f") cpu_s)" "$alone_seconds")" "$(mb "$(field "$f" max_rss_kb)")"
done
echo
echo "camrec: capture at most $(field "$out/ms-camrec.txt" max_lag_ms) ms late, exit $status;" \
  "ffmpeg: speed $(field "$out/ms-ffmpeg.progress" speed)x; ffprobe of the files:"
for t in camrec ffmpeg; do
  for ch in main sub; do
    echo "  $t/$ch.mp4: $(ffprobe -v error -select_streams v:0 -count_packets -show_entries \
      stream=codec_name,profile,width,height,nb_read_packets:format=duration -of compact=p=0 "$out/ms-$t/$ch.mp4" | tr '\n' ' ')"
  done
done

# ---- 2. N independent 640x360 recordings ----
many_frames=$((many_seconds * 30))
# run_camrec N [QUEUE] -> sets ok, detail, cpu, rss
run_camrec() {
  local n=$1 d="$out/many-camrec-$1" st=0
  rm -rf "$d" && mkdir -p "$d"
  "$prog" many "$n" "$many_seconds" "$d" "${2:-4}" >"$d.txt" 2>"$d.err" || st=$?
  if [ "$st" -gt 1 ]; then cat "$d.err" >&2; exit 1; fi
  local short=0 i c
  for i in $(seq 0 $((n - 1))); do
    c=$(frames_in "$d/rec-$i.mp4")
    [ "$c" = "$many_frames" ] || short=$((short + 1))
  done
  local dropped lag
  dropped=$(grep -oE 'dropped=[0-9]+' "$d.txt" | awk -F= '{ s += $2 } END { print s + 0 }')
  lag=$(grep -oE 'max_latency_ms=[0-9.]+' "$d.txt" | awk -F= '$2 > m { m = $2 } END { printf "%.0f", m }')
  ok=$([ "$st" = 0 ] && [ "$short" = 0 ] && echo yes || echo no)
  detail="dropped $dropped, latency $lag ms"
  cpu=$(field "$d.txt" cpu_s)
  rss=$(field "$d.txt" max_rss_kb)
  rm -rf "$d"
}
# run_ffmpeg N -> sets ok, detail, cpu (summed), rss (summed)
run_ffmpeg() {
  local n=$1 d="$out/many-ffmpeg-$1" i
  rm -rf "$d" && mkdir -p "$d"
  for i in $(seq 0 $((n - 1))); do
    "$measure" ffmpeg -nostdin -v error -y -re -t "$many_seconds" -f lavfi -i "testsrc2=size=640x360:rate=30" \
      "${x264[@]}" -stats_period 0.1 -progress "$d/$i.progress" "$d/$i.mp4" >"$d/$i.txt" 2>"$d/$i.err" &
  done
  wait
  local short=0 slow=0 speed min=9 c lag=0
  cpu=0 rss=0
  for i in $(seq 0 $((n - 1))); do
    [ -s "$d/$i.txt" ] || { cat "$d/$i.err" >&2; exit 1; }
    c=$(frames_in "$d/$i.mp4")
    [ "$c" = "$many_frames" ] || short=$((short + 1))
    speed=$(field "$d/$i.progress" speed)
    min=$(awk -v s="$speed" -v m="$min" 'BEGIN { print (s < m) ? s : m }')
    slow=$(awk -v l="$(ff_lag "$d/$i.progress")" -v m="$max_lag_ms" -v n="$slow" 'BEGIN { print n + (l > m) }')
    cpu=$(awk -v a="$cpu" -v b="$(field "$d/$i.txt" cpu_s)" 'BEGIN { print a + b }')
    rss=$((rss + $(field "$d/$i.txt" max_rss_kb)))
    lag=$(awk -v a="$lag" -v b="$(ff_lag "$d/$i.progress")" 'BEGIN { print (b > a) ? b : a }')
  done
  ok=$([ "$short" = 0 ] && [ "$slow" = 0 ] && echo yes || echo no)
  detail="lag $lag ms, speed ${min}x"
  [ "$short" = 0 ] || detail="$detail, $short short"
  rm -rf "$d"
}

echo
echo "### N independent 640x360 recordings, $many_seconds s each in real time"
printf '| %3s | %5s | %-6s | %3s | %-26s | %11s | %12s | %8s |\n' N load tool ok detail "CPU s per s" "per record." "RSS MB"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "----:" "------:" "--------" "-----" "----------------------------" "------------:" "-------------:" "---------:"
start=$SECONDS
# Each tool's N is searched on its own: doubled while it passes (1, 2, 4, 8, ...), then halved
# between the largest N passed and the smallest failed, so an idle machine that runs a dozen
# recordings is measured in about as many steps as a busy one that runs two. A failure is
# confirmed by a second run at the same N; the tools take turns.
declare -A best=([camrec]=0 [ffmpeg]=0) failed=([camrec]=0 [ffmpeg]=0) rss_at=([camrec]=- [ffmpeg]=-) cpu_at=([camrec]=- [ffmpeg]=-)
next_n() {  # TOOL -> the next N to try, or 0 when its N is known
  local lo=${best[$1]} hi=${failed[$1]}
  if [ "$hi" = 0 ]; then
    [ "$lo" -lt "$max_n" ] || { echo 0; return; }
    local n=$((lo == 0 ? 1 : lo * 2))
    echo $((n > max_n ? max_n : n))
  elif ((hi - lo > 1)); then
    echo $(((lo + hi) / 2))
  else
    echo 0
  fi
}
ended="every N up to $max_n passed"
turn=0
while :; do
  tools=(camrec ffmpeg)
  ((turn++ % 2 == 0)) || tools=(ffmpeg camrec)
  progressed=0
  for tool in "${tools[@]}"; do
    n=$(next_n "$tool")
    [ "$n" != 0 ] || continue
    if ((SECONDS - start > budget)); then ended="time budget (${budget} s) reached before N=$n"; break 2; fi
    progressed=1
    for _ in 1 2; do
      l=$(load1)
      "run_$tool" "$n"
      printf '| %3s | %5s | %-6s | %3s | %-26s | %11s | %12s | %8s |\n' "$n" "$l" "$tool" "$ok" "$detail" \
        "$(per_s "$cpu" "$many_seconds")" "$(per_s "$cpu" "$((many_seconds * n))")" "$(mb "$rss")"
      [ "$ok" = no ] || break
    done
    if [ "$ok" = yes ]; then
      best[$tool]=$n
      rss_at[$tool]=$(mb "$rss")
      cpu_at[$tool]=$(per_s "$cpu" "$((many_seconds * n))")
    else
      failed[$tool]=$n
    fi
  done
  [ "$progressed" = 1 ] || break
done
echo
echo "largest N recorded in real time without a lost frame (a failure confirmed by a second run):"
for tool in camrec ffmpeg; do
  note=""
  if [ "${failed[$tool]}" != 0 ]; then note="failed at N=${failed[$tool]}"; else note="$ended"; fi
  echo "  $tool: N=${best[$tool]} ($note); at that N: ${cpu_at[$tool]} CPU s per recorded second per recording, ${rss_at[$tool]} MB"
done
# Throughput or stalls? The first N camrec failed at, again with a queue of 16 frames (533 ms)
# instead of 4: when every frame then gets through, the CPU sufficed and what lost frames were
# moments when the recordings did not run for longer than 4 frames.
if [ "${failed[camrec]}" != 0 ]; then
  run_camrec "${failed[camrec]}" 16
  echo "  camrec at N=${failed[camrec]} with a 16-frame queue: all frames recorded: $ok ($detail," \
    "$(per_s "$cpu" "$((many_seconds * failed[camrec]))") CPU s per recorded second per recording, $(mb "$rss") MB)"
fi
echo "scenario 2 took $((SECONDS - start)) s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
