# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers shared by the benchmark scripts (sourced, not run). Every number is the median of
# BENCH_ROUNDS runs; the tools of one table run in alternation, round after round, so a
# burst of load from elsewhere on the machine hits them all alike and the ratios stay fair.
#   needs: $measure (bench_measure), $results (a directory for the raw lines)

# keyfile KEY: the file holding KEY's lines (any text may be a key).
keyfile() { echo "$results/$(tr -c 'A-Za-z0-9.\n-' _ <<<"$1")"; }

# bench_once KEY CMD...: one run of CMD; its measure line is appended to $results/KEY.
bench_once() {
  local key=$1 line file
  file=$(keyfile "$1")
  shift
  if ! line=$("$measure" "$@" 2>"$file.err"); then
    echo "bench: '$key' failed ($line):" >&2
    tail -5 "$file.err" >&2
    return 1
  fi
  echo "$line" >>"$file"
}

# median KEY FIELD: the median of FIELD (wall_s, cpu_s, max_rss_kb, write_bytes) over the runs.
median() {
  grep -oE "(^| )$2=[0-9.]+" "$(keyfile "$1")" | sed 's/.*=//' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B [DIGITS]: A / B.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "-"; else printf "%." d "f", a / b }'; }

# table_header TITLE
table_header() {
  echo
  echo "### $1"
  printf '| %-26s | %7s | %7s | %8s | %10s | %7s | %7s |\n' tool "wall s" "CPU s" "RSS MB" "written/out" "wall/fl" "CPU/fl"
  printf '|%s|%s|%s|%s|%s|%s|%s|\n' "----------------------------" "--------:" "--------:" "---------:" "------------:" "--------:" "--------:"
}

# table_row KEY LABEL FLOOR_KEY OUT_BYTES: one row, with the ratios to the floor's medians.
table_row() {
  local key=$1 label=$2 floor=$3 out=$4
  local w c r b fw fc
  w=$(median "$key" wall_s)
  c=$(median "$key" cpu_s)
  r=$(median "$key" max_rss_kb)
  b=$(median "$key" write_bytes)
  fw=$(median "$floor" wall_s)
  fc=$(median "$floor" cpu_s)
  printf '| %-26s | %7.3f | %7.3f | %8.1f | %10s | %7s | %7s |\n' "$label" "$w" "$c" "$(ratio "$r" 1024 1)" \
    "$(ratio "$b" "$out" 4)" "$(ratio "$w" "$fw")" "$(ratio "$c" "$fc")"
}
