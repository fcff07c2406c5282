#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds (if needed) and runs one fuzzer for a bounded time from its seed corpus.
#   usage: fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
#   TARGET: fuzz_box_reader | fuzz_demuxer | fuzz_annexb | fuzz_recover | fuzz_muxer
# New corpus entries go to $BUILD/corpus/TARGET (the committed seeds in fuzz/corpus/TARGET
# are read only); a crash, leak, timeout or out-of-memory input is written to
# $BUILD/artifacts/TARGET/ and makes the script fail. Environment: BUILD (default
# build-fuzz), JOBS (build parallelism, default 2), CC/CXX (default clang-14).
# -entropic=0: see README.md (4x more executions per second here); later flags win.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?usage: fuzz/run.sh TARGET SECONDS}
SECONDS_TO_RUN=${2:?usage: fuzz/run.sh TARGET SECONDS}
shift 2
case $TARGET in fuzz_*) ;; *) TARGET=fuzz_$TARGET ;; esac
BUILD=${BUILD:-build-fuzz}
JOBS=${JOBS:-2}

if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S . -B "$BUILD" -DCAMREC_FUZZ=ON -DCAMREC_TESTS=OFF \
    -DCAMREC_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j"$JOBS" --target "$TARGET"

seeds=fuzz/corpus/$TARGET
work=$BUILD/corpus/$TARGET
artifacts=$BUILD/artifacts/$TARGET
mkdir -p "$work" "$artifacts"
# Leaks are findings too; detect_leaks runs at exit of each input that allocated.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# fuzz_recover works on real files: on a RAM file system its fdatasync calls cost nothing.
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi
echo "== $TARGET for ${SECONDS_TO_RUN}s"
"$BUILD/fuzz/$TARGET" "$work" "$seeds" \
  -dict=fuzz/mp4.dict \
  -max_total_time="$SECONDS_TO_RUN" \
  -rss_limit_mb=2048 \
  -timeout=10 \
  -print_final_stats=1 \
  -entropic=0 \
  -artifact_prefix="$artifacts/" \
  "$@"
