#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages `make deb` builds: names, contents, Depends computed from the shared
# libraries, the copyright file, lintian without errors, and the CLI run from the files
# unpacked into a scratch root.
#   deb_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$build/package-tests/deb
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"

cpack --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")/\1/p' "$build/CPackConfig.cmake")
runtime=$work/camrec_${version}_amd64.deb
dev=$work/camrec-dev_${version}_amd64.deb
[ -f "$runtime" ] || fail "no $(basename "$runtime"): $(ls "$work")"
[ -f "$dev" ] || fail "no $(basename "$dev"): $(ls "$work")"

contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./||'; }
contents "$runtime" >"$work/runtime.txt"
contents "$dev" >"$work/dev.txt"
for f in usr/bin/camrec usr/lib/x86_64-linux-gnu/libcamrec.so.0 "usr/lib/x86_64-linux-gnu/libcamrec.so.$version" \
         usr/share/man/man1/camrec.1.gz usr/share/bash-completion/completions/camrec \
         usr/share/doc/camrec/copyright usr/share/doc/camrec/changelog.gz; do
  grep -qx "$f" "$work/runtime.txt" || fail "camrec lacks $f"
done
for f in usr/include/camrec/muxer.h usr/include/k230/mp4_format.h usr/lib/x86_64-linux-gnu/libcamrec.a \
         usr/lib/x86_64-linux-gnu/libcamrec.so usr/lib/x86_64-linux-gnu/pkgconfig/camrec.pc \
         usr/lib/x86_64-linux-gnu/cmake/camrec/camrecConfig.cmake usr/share/doc/camrec-dev/copyright; do
  grep -qx "$f" "$work/dev.txt" || fail "camrec-dev lacks $f"
done
if grep -q '^usr/include\|\.a$' "$work/runtime.txt"; then fail "camrec holds development files"; fi

# Depends: what the binaries link, with versions from the shlibs files (dpkg-shlibdeps).
depends=$(dpkg-deb -f "$runtime" Depends)
echo "camrec Depends: $depends"
for lib in libc6 libstdc++6 libx264- libx265- libopus0 libasound2 libturbojpeg0 libyuv0; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done
grep -qF "camrec (= $version)" <<<"$(dpkg-deb -f "$dev" Depends)" || fail "camrec-dev does not depend on camrec (= $version)"
grep -q libx264 <(dpkg-deb --fsys-tarfile "$runtime" | tar -xO ./usr/share/doc/camrec/copyright) \
  || fail "the copyright file does not list x264"

# The prefix the packages install into is the one camrec.pc names.
grep -qx 'prefix=/usr' <<<"$(dpkg-deb --fsys-tarfile "$dev" | tar -xO ./usr/lib/x86_64-linux-gnu/pkgconfig/camrec.pc)" \
  || fail "camrec.pc does not say prefix=/usr"

# Unpacked into a scratch root (what dpkg would install), the tool records a playable file.
dpkg -x "$runtime" "$work/root"
dpkg -x "$dev" "$work/root"
LD_LIBRARY_PATH=$work/root/usr/lib/x86_64-linux-gnu "$work/root/usr/bin/camrec" record -o "$work/clip.mp4" \
  --frames 10 --size 320x240 --fast -q
[ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$work/clip.mp4")" = h264 ] \
  || fail "the installed camrec did not record H.264"

# lintian: no error (warnings and notes are printed, not fatal).
if command -v lintian >/dev/null; then
  lintian --no-tag-display-limit "$runtime" "$dev" >"$work/lintian.txt" 2>&1 || true
  cat "$work/lintian.txt"
  if grep -q '^E: ' "$work/lintian.txt"; then fail "lintian reports errors"; fi
else
  echo "lintian not installed: skipped its check"
fi
echo "ok: $(basename "$runtime") $(basename "$dev")"
