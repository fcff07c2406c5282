#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a user gets from `cmake --install`, checked from a staged install (DESTDIR), as a
# program outside the tree sees it.
#   install_test.sh CHECK BUILD_DIR SOURCE_DIR PREFIX LIBDIR
# Output of a command is captured before grep -q reads it: under pipefail, grep -q leaving
# early kills a still-writing ldd or readelf with SIGPIPE and fails the check at random.
# CHECK: stage (install into BUILD_DIR/stage, run first), layout, c_consumer, cpp_consumer,
# headers, man_page, bash_completion, readme_examples.
set -euo pipefail
check=$1 build=$2 source=$3 prefix=$4 libdir=$5
stage=$build/stage
root=$stage$prefix
work=$build/install-tests/$check
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "$check" != stage ]; then
  [ -x "$root/bin/camrec" ] || fail "no staged install in $stage (the install.stage test makes it)"
  rm -rf "$work" && mkdir -p "$work"
fi

# An H.264 Annex B stream with an access unit delimiter before every frame, from ffmpeg.
make_h264() {
  ffmpeg -v error -y -f lavfi -i testsrc=size=320x240:rate=25:duration=4 -c:v libx264 -preset ultrafast \
    -g 25 -bf 0 -pix_fmt yuv420p -bsf:v h264_metadata=aud=insert -f h264 "$1"
}

# Codec names of the streams of an MP4, one per line, as ffprobe reads them (and decodes all).
probe_codecs() {
  ffmpeg -v error -xerror -i "$1" -f null - || fail "ffmpeg cannot decode $1"
  ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$1"
}

case "$check" in
stage)
  rm -rf "$stage"
  DESTDIR=$stage cmake --install "$build" >/dev/null
  echo "installed into $stage$prefix"
  ;;

layout)
  for f in bin/camrec "$libdir/libcamrec.so" "$libdir/libcamrec.so.0" "$libdir/libcamrec.a" \
           "$libdir/pkgconfig/camrec.pc" "$libdir/cmake/camrec/camrecConfig.cmake" \
           "$libdir/cmake/camrec/camrecConfigVersion.cmake" "$libdir/cmake/camrec/camrecTargets.cmake" \
           include/camrec/muxer.h include/camrec/demuxer.h include/k230/mp4_format.h \
           include/camrec/media/sensor.h include/camrec/media/encoder.h include/camrec/media/media_manager.h \
           include/camrec/media/audio.h include/camrec/media/audio_encoder.h \
           include/camrec/recorder/recorder.h include/camrec/recorder/mp4_container.h \
           share/man/man1/camrec.1.gz share/bash-completion/completions/camrec; do
    [ -e "$root/$f" ] || fail "$f is not installed"
  done
  [ "$(readlink "$root/$libdir/libcamrec.so")" = libcamrec.so.0 ] || fail "libcamrec.so does not point at the SONAME"
  soname=$(readelf -d "$root/$libdir/libcamrec.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  [ "$soname" = libcamrec.so.0 ] || fail "SONAME is '$soname', expected libcamrec.so.0"
  # Only the public API is exported: the C functions and the classes of include/camrec.
  nm -D --defined-only "$root/$libdir/libcamrec.so" | awk '{print $3}' | c++filt >"$work/exported"
  grep -qx kd_mp4_create "$work/exported" || fail "kd_mp4_create is not exported"
  grep -q '^camrec::Muxer::create_file' "$work/exported" || fail "camrec::Muxer::create_file is not exported"
  internal=$(grep -E '^((typeinfo|typeinfo name|vtable) for )?(camrec::(box|io|codec|mux|demux|edit|util|libs|cli|clock|frame|link|capture|video|audio)::|camrec::(Muxer|Demuxer|SegmentWriter)::Impl|camrec::media::(Encoder::Channel|Sensor::Channel|Sensor::Subscriber|Link::State|DeviceRegistry)|std::|__gnu_cxx::)' \
             "$work/exported" || true)
  [ -z "$internal" ] || fail "internal symbols are exported: $(head -5 <<<"$internal")"
  # The K230 C++ API is exported, and nothing of camrec::media or camrec::recorder that its
  # public headers do not name.
  for f in 'camrec::media::Sensor::create' 'camrec::media::Encoder::GetStream' 'camrec::media::MediaManager::link' \
           'camrec::recorder::Mp4Container::Create' 'camrec::recorder::Recorder::create' 'typeinfo for camrec::media::AudioEncoder'; do
    grep -q "^$f" "$work/exported" || fail "$f is not exported"
  done
  while IFS= read -r sym; do
    name=$(sed -E 's/^((typeinfo name|typeinfo|vtable) for )?camrec::(media|recorder):://; s/[[(<].*//; s/::.*//' <<<"$sym")
    grep -rqw -- "$name" "$root/include/camrec/media" "$root/include/camrec/recorder" \
      || fail "$sym is exported but no public header names $name"
  done < <(grep -E '^((typeinfo name|typeinfo|vtable) for )?camrec::(media|recorder)::' "$work/exported")
  echo "$(wc -l <"$work/exported") symbols exported, none internal"
  # The installed CLI runs from the staged files.
  "$root/bin/camrec" --version
  "$root/bin/camrec" record -o "$work/cli.mp4" --frames 10 --size 320x240 --fast -q
  [ "$(probe_codecs "$work/cli.mp4")" = h264 ] || fail "the installed CLI's file is not H.264"
  ;;

c_consumer)
  # pkg-config finds the staged camrec.pc; the sysroot makes its -I/-L point into the stage.
  export PKG_CONFIG_PATH=$root/$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
  flags=$(pkg-config --cflags --libs camrec)
  echo "pkg-config --cflags --libs camrec: $flags"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -Wextra -pedantic -Werror -o "$work/k230_consumer" "$source/tests/install/k230_consumer.c" $flags -lm
  grep -q 'NEEDED.*libcamrec.so.0' <<<"$(readelf -d "$work/k230_consumer")" || fail "not linked with libcamrec.so.0"
  make_h264 "$work/in.h264"
  LD_LIBRARY_PATH=$root/$libdir "$work/k230_consumer" "$work/in.h264" 25 "$work/out.mp4"
  grep -qF "$root/$libdir/libcamrec.so.0" <<<"$(LD_LIBRARY_PATH=$root/$libdir ldd "$work/k230_consumer")" \
    || fail "the program does not load the staged libcamrec.so.0"
  [ "$(probe_codecs "$work/out.mp4" | sort | tr '\n' ' ')" = "h264 pcm_mulaw " ] || fail "streams are not H.264 + G.711 µ-law"
  ;;

cpp_consumer)
  # find_package(camrec) from the staged prefix, linking libcamrec.a.
  cmake -S "$source/tests/install/cpp_consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$root" \
        -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
  cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build"; }
  ! grep -q 'NEEDED.*libcamrec' <<<"$(readelf -d "$work/build/camrec_consumer")" || fail "linked libcamrec.so, not the static library"
  make_h264 "$work/in.h264"
  "$work/build/camrec_consumer" "$work/in.h264" "$work/out.mp4"
  [ "$(probe_codecs "$work/out.mp4" | tr '\n' ' ')" = "h264 " ] || fail "the stream is not H.264"
  # The K230 C++ API, as the tutorial uses it: Sensor -> Encoder -> link -> kd_mp4, and Mp4Container.
  ! grep -q 'NEEDED.*libcamrec' <<<"$(readelf -d "$work/build/k230_record")" || fail "k230_record linked libcamrec.so"
  "$work/build/k230_record" 30 "$work/sensor.mp4" "$work/container.mp4"
  [ "$(probe_codecs "$work/sensor.mp4" | tr '\n' ' ')" = "h264 " ] || fail "the sensor recording is not H.264"
  frames=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$work/sensor.mp4")
  [ "$frames" = 30 ] || fail "the sensor recording decodes to $frames frames, not 30"
  [ "$(probe_codecs "$work/container.mp4" | sort | tr '\n' ' ')" = "h264 pcm_mulaw " ] \
    || fail "the Mp4Container recording is not H.264 + G.711 µ-law"
  ;;

headers)
  # Each public header compiles on its own, with nothing but the installed headers on the path.
  n=0
  while IFS= read -r header; do
    rel=${header#"$root/include/"}
    printf '#include "%s"\n' "$rel" >"$work/one.cpp"
    g++ -std=c++20 -Wall -Wextra -Werror -fsyntax-only -I"$root/include" "$work/one.cpp" \
      || fail "$rel does not compile alone"
    n=$((n + 1))
  done < <(find "$root/include" -name '*.h' | sort)
  # What a program includes comes from include/ only: no header of src/ (its layer folders)
  # and none of the libraries behind the library (x264, x265, ALSA, Opus, libavcodec, libyuv).
  layers=$(cd "$source/src" && find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | paste -sd'|')
  bad=$(grep -rnE "#include [<\"]((${layers})/|x264|x265|alsa/|opus/|libav|libyuv|turbojpeg)" "$root/include" || true)
  [ -z "$bad" ] || fail "public headers include internal or third-party headers: $bad"
  # The K230 header is C: it also compiles as C11 (pedantic; its anonymous unions are C11) alone.
  printf '#include "mp4_format.h"\nint main(void) { return 0; }\n' >"$work/one.c"
  gcc -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only -I"$root/include/k230" "$work/one.c" \
    || fail "mp4_format.h does not compile as C11"
  echo "$n public headers compile alone"
  ;;

man_page)
  page=$root/share/man/man1/camrec.1.gz
  warnings=$(zcat "$page" | groff -man -Tutf8 -ww 2>&1 >"$work/camrec.tty")
  col -bx <"$work/camrec.tty" >"$work/camrec.txt"  # drop the bold/underline overstrikes
  [ -z "$warnings" ] || fail "groff warns: $warnings"
  # Every command the installed camrec lists, and every exit code the CLI defines, is in it.
  commands=$("$root/bin/camrec" --help | awk '/^[A-Za-z]+:$/ { sub_ = ($0 == "Subcommands:"); next } sub_ && /^  [a-z]/ { print $1 }')
  [ -n "$commands" ] || fail "camrec --help lists no commands"
  for c in $commands; do
    grep -q "camrec $c" "$work/camrec.txt" || fail "the man page does not describe 'camrec $c'"
  done
  for code in $(sed -n 's/.*kExit[A-Za-z]* = \([0-9]*\),.*/\1/p' "$source/tools/camrec/cli_common.h"); do
    [ "$code" = 130 ] && continue  # reserved, never returned (a clean stop on SIGINT exits 0)
    grep -qE "^ {7}$code\b" "$work/camrec.txt" || fail "the man page does not list exit code $code"
  done
  echo "man page covers: $(echo $commands)"
  ;;

bash_completion)
  out=$(PATH="$root/bin:$PATH" bash -c '
    source "$1"
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _camrec; echo "${COMPREPLY[*]}"; }
    complete_words camrec re
    complete_words camrec record --aud
    complete_words camrec record --codec ""
  ' _ "$root/share/bash-completion/completions/camrec")
  echo "$out"
  [ "$(sed -n 1p <<<"$out" | tr ' ' '\n' | sort | tr '\n' ' ')" = "record recover remux " ] \
    || fail "commands starting with 're': $(sed -n 1p <<<"$out")"
  for o in --audio --audio-source --audio-rate; do
    grep -qw -- "$o" <<<"$(sed -n 2p <<<"$out")" || fail "'camrec record --aud' does not offer $o"
  done
  [ "$(sed -n 3p <<<"$out")" = "h264 h265" ] || fail "--codec values: $(sed -n 3p <<<"$out")"
  ;;

readme_examples)
  # The C and C++ examples of README.md, exactly as shown there, against the staged install.
  block() { awk -v lang="$1" '$0 == "```" lang { on = 1; next } on && $0 == "```" { exit } on { print }' "$source/README.md"; }
  block c >"$work/k230_record.c"
  block cmake >"$work/CMakeLists.txt"
  block cpp >"$work/record.cpp"
  for f in k230_record.c CMakeLists.txt record.cpp; do [ -s "$work/$f" ] || fail "README.md has no $f example"; done
  "$root/bin/camrec" record -o "$work/test.mp4" --frames 10 --size 320x240 --fast -q
  export PKG_CONFIG_PATH=$root/$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
  # shellcheck disable=SC2046
  cc -o "$work/k230_record" "$work/k230_record.c" $(pkg-config --cflags --libs camrec)
  out=$(cd "$work" && LD_LIBRARY_PATH=$root/$libdir ./k230_record)
  echo "C example: $out"
  [ "$out" = "1 tracks, 333 ms" ] || fail "the C example printed '$out'"
  cmake -S "$work" -B "$work/build" -DCMAKE_PREFIX_PATH="$root" >"$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
  cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build"; }
  grep -q 'NEEDED.*libcamrec.so.0' <<<"$(readelf -d "$work/build/record")" || fail "the C++ example is not linked with libcamrec.so.0"
  out=$(cd "$work" && LD_LIBRARY_PATH=$root/$libdir ./build/record)
  echo "C++ example: $out"
  [ "$out" = "60 frames in record.mp4" ] || fail "the C++ example printed '$out'"
  [ "$(probe_codecs "$work/record.mp4" | tr '\n' ' ')" = "h264 " ] || fail "the C++ example's file is not H.264"
  frames=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$work/record.mp4")
  [ "$frames" = 60 ] || fail "the C++ example's file decodes to $frames frames, not 60"
  ;;

*) fail "unknown check $check" ;;
esac
