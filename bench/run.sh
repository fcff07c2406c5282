#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `make bench`: every scenario of BENCHMARKS.md, camrec beside its peers and the floor in the
# same run, printed as the tables there. Inputs are made once and kept in bench/out.
#   bash bench/run.sh [BUILD_DIR]
# BENCH_ONLY="remux record channels day micro" picks scenarios; BENCH_LONG=0 skips the 1-hour remux
# input; BENCH_ROUNDS (remux, default 3) and BENCH_RECORD_ROUNDS (default 3) set the runs per
# tool; BENCH_DAY_HOURS (default 24); BENCH_DIR moves the work directory; bench/channels.sh
# lists its own settings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build}
[[ $build = /* ]] || build="$root/$build"
build=$(cd "$build" && pwd)
work=${BENCH_DIR:-$root/bench/out}
mkdir -p "$work"
only=${BENCH_ONLY:-remux record channels day micro}

echo "# camrec benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# Each scenario's wall time, so a run that grows past its budget (under 30 minutes for the
# whole of `make bench`, build and inputs included) shows which one to trim.
start_all=$SECONDS
timings=()
for s in $only; do
  start_s=$SECONDS
  case $s in
    remux) bash "$here/remux.sh" "$build" "$work" ;;
    record) bash "$here/record.sh" "$build" "$work" ;;
    channels) bash "$here/channels.sh" "$build" "$work" ;;
    day) bash "$here/day.sh" "$build" "$work" ;;
    micro)
      echo
      echo "### micro-benchmarks"
      "$build/bench/bench_micro" --benchmark_min_time=0.5 ;;
    *) echo "bench: unknown scenario '$s'" >&2; exit 64 ;;
  esac
  timings+=("$s $((SECONDS - start_s)) s")
  echo
  echo "($s took $((SECONDS - start_s)) s, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
done
echo
echo "elapsed per scenario: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); total $((SECONDS - start_all)) s" \
  "(inputs made in this run included)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
