#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerates the seed corpora under fuzz/corpus/<target>/ from tiny real files: ffmpeg-made
# MP4/MOV/fragmented MP4 of a few 64x64 frames, camrec remux outputs, raw H.264/H.265 streams
# of 3 frames, cut-short recordings for recover, and muxer command scripts built from real
# access units. The seeds are committed; run this only to refresh them.
#   usage: fuzz/make_corpus.sh [path/to/camrec]   (default: build/camrec)
set -euo pipefail
cd "$(dirname "$0")/.."
CAMREC=${1:-build/camrec}
OUT=fuzz/corpus
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ff() { ffmpeg -nostdin -v error -y "$@"; }
SRC=(-f lavfi -i testsrc=size=64x64:rate=10)
TONE=(-f lavfi -i sine=r=8000)
X264=(-c:v libx264 -g 3 -bf 1 -pix_fmt yuv420p -x264-params log-level=error)
X265=(-c:v libx265 -g 3 -pix_fmt yuv420p -x265-params log-level=error:bframes=1:info=0)

# Raw streams: 3 frames, a B-frame so pictures are reordered.
ff "${SRC[@]}" -frames:v 3 "${X264[@]}" "$WORK/a.h264"
ff "${SRC[@]}" -frames:v 3 "${X265[@]}" "$WORK/a.h265"
ff "${SRC[@]}" -frames:v 3 -c:v libx264 -g 1 -pix_fmt yuv420p -x264-params log-level=error "$WORK/intra.h264"

# Containers.
ff "${SRC[@]}" "${TONE[@]}" -t 0.3 "${X264[@]}" -c:a aac -b:a 16k "$WORK/h264_aac.mp4"
ff "${SRC[@]}" "${TONE[@]}" -t 0.3 "${X264[@]}" -c:a pcm_mulaw "$WORK/h264_ulaw.mov"
ff "${SRC[@]}" "${TONE[@]}" -t 0.3 "${X264[@]}" -c:a pcm_alaw "$WORK/h264_alaw.mov"
ff "${SRC[@]}" -t 0.3 "${X265[@]}" -tag:v hvc1 "$WORK/h265.mp4"
ff "${SRC[@]}" "${TONE[@]}" -t 0.3 "${X264[@]}" -c:a libopus -b:a 8k -ar 48000 "$WORK/h264_opus.mp4"
ff "${SRC[@]}" "${TONE[@]}" -t 0.4 "${X264[@]}" -c:a aac -b:a 16k \
  -movflags frag_keyframe+empty_moov+default_base_moof "$WORK/frag.mp4"
ff "${SRC[@]}" -t 0.4 "${X264[@]}" -movflags frag_keyframe+empty_moov+default_base_moof+global_sidx \
  -f mp4 "$WORK/frag_sidx.mp4"
ff "${SRC[@]}" -t 0.3 "${X264[@]}" -movflags +faststart "$WORK/faststart.mp4"
ff "${SRC[@]}" -t 0.3 "${X264[@]}" -f ismv "$WORK/ismv.mp4"

# camrec's own layouts.
"$CAMREC" remux -q "$WORK/a.h264" "$WORK/camrec_regular.mp4"
"$CAMREC" remux -q --fmp4 "$WORK/a.h264" "$WORK/camrec_frag.mp4"
"$CAMREC" remux -q --fmp4 --cmaf "$WORK/a.h265" "$WORK/camrec_cmaf_h265.mp4"
"$CAMREC" remux -q --max-fragment-duration 0.1 "$WORK/h264_ulaw.mov" "$WORK/camrec_av.mp4"

# Damaged files for recover: cut mid-way (a crash), moov cut off (ffmpeg killed before its
# moov), a hybrid file whose final moov was lost.
python3 - "$WORK" <<'PY'
import os, struct, sys
w = sys.argv[1]
def boxes(b):
    pos = 0
    while pos + 8 <= len(b):
        size, typ = struct.unpack(">I4s", b[pos:pos + 8])
        if size == 1: size = struct.unpack(">Q", b[pos + 8:pos + 16])[0]
        if size == 0: size = len(b) - pos
        yield pos, size, typ
        pos += size
def save(name, data):
    open(os.path.join(w, name), "wb").write(data)
for name in ["camrec_regular.mp4", "camrec_frag.mp4", "camrec_av.mp4"]:
    b = open(os.path.join(w, name), "rb").read()
    save("cut_" + name, b[: len(b) * 2 // 3])
b = open(os.path.join(w, "h264_aac.mp4"), "rb").read()
moov = [p for p, s, t in boxes(b) if t == b"moov"][0]
save("no_moov.mp4", b[:moov])
# camrec regular file: ftyp, mdat(16-byte header) spanning the fragments, then the final moov.
b = open(os.path.join(w, "camrec_av.mp4"), "rb").read()
last = list(boxes(b))[-1]
if last[2] == b"moov":
    save("lost_final_moov.mp4", b[: last[0]])
# A regular-layout recording interrupted inside close(), after its final moov: the mdat
# header is still the 16-byte free placeholder.
if last[2] == b"moov":
    mdat = [p for p, s, t in boxes(b) if t == b"mdat"][0]
    save("interrupted_close.mp4", b[:mdat] + struct.pack(">I4s", 16, b"free") + bytes(8) + b[mdat + 16:])
PY

rm -rf "$OUT"
mkdir -p "$OUT"/{fuzz_box_reader,fuzz_demuxer,fuzz_annexb,fuzz_recover,fuzz_muxer}

# Seeds with a leading option byte.
prefixed() {  # prefixed BYTE SRC DST
  { printf "\\x$1"; cat "$2"; } >"$3"
}

python3 - "$WORK" "$OUT/fuzz_box_reader" <<'PY'
import os, struct, sys
w, out = sys.argv[1], sys.argv[2]
seen = set()
def boxes(b, start=0, end=None):
    end = len(b) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, typ = struct.unpack(">I4s", b[pos:pos + 8])
        if size == 1: size = struct.unpack(">Q", b[pos + 8:pos + 16])[0]
        if size == 0: size = end - pos
        if size < 8 or pos + size > end: return
        yield pos, size, typ
        pos += size
# Top-level boxes and, so that small inputs reach every description, the boxes inside the
# containers (stsd's entries start after its 8-byte header).
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"mvex", b"moof", b"traf", b"mfra"}
def save(name, pos, typ, box):
    key = (typ, box)
    if key in seen: return
    seen.add(key)
    tag = typ.decode("latin-1").strip().replace(" ", "_")
    open(os.path.join(out, f"{os.path.splitext(name)[0]}_{tag}_{pos}"), "wb").write(box)
def walk(name, b, start, end, depth):
    for pos, size, typ in boxes(b, start, end):
        if typ == b"mdat": continue
        save(name, pos, typ, b[pos:pos + size])
        if typ in CONTAINERS: walk(name, b, pos + 8, pos + size, depth + 1)
        elif typ == b"stsd": walk(name, b, pos + 16, pos + size, depth + 1)
for name in sorted(os.listdir(w)):
    if not name.endswith((".mp4", ".mov")) or name.startswith(("cut_", "no_", "lost_")): continue
    b = open(os.path.join(w, name), "rb").read()
    walk(name, b, 0, len(b), 0)
PY

for f in "$WORK"/*.mp4 "$WORK"/*.mov; do
  base=$(basename "${f%.*}")
  case $base in cut_*|no_*|lost_*) ;; *)
    prefixed 00 "$f" "$OUT/fuzz_demuxer/$base"
    prefixed 01 "$f" "$OUT/fuzz_demuxer/${base}_annexb" ;;
  esac
  prefixed 00 "$f" "$OUT/fuzz_recover/$base"
done
prefixed 01 "$WORK/cut_camrec_regular.mp4" "$OUT/fuzz_recover/cut_camrec_regular_in_place"

prefixed 00 "$WORK/a.h264" "$OUT/fuzz_annexb/h264"
prefixed 0e "$WORK/a.h264" "$OUT/fuzz_annexb/h264_chunked"
prefixed 00 "$WORK/intra.h264" "$OUT/fuzz_annexb/h264_intra"
prefixed 01 "$WORK/a.h265" "$OUT/fuzz_annexb/h265"
prefixed 0b "$WORK/a.h265" "$OUT/fuzz_annexb/h265_chunked"
# avcC / hvcC records as they are in the files (the annexb target also parses its input as one).
python3 - "$WORK" "$OUT/fuzz_annexb" <<'PY'
import os, sys
w, out = sys.argv[1], sys.argv[2]
for name, tag in [("h264_aac.mp4", b"avcC"), ("h265.mp4", b"hvcC")]:
    b = open(os.path.join(w, name), "rb").read()
    i = b.find(tag)
    size = int.from_bytes(b[i - 4:i], "big")
    open(os.path.join(out, tag.decode() + "_record"), "wb").write(b"\x00" + b[i + 4:i - 4 + size])
PY

# Muxer scripts (format in fuzz/fuzz_muxer.cpp): real access units at 10 fps, G.711 packets.
python3 - "$WORK" "$OUT/fuzz_muxer" <<'PY'
import os, struct, sys
w, out = sys.argv[1], sys.argv[2]
def nals(b):
    i, starts = 0, []
    while True:
        i = b.find(b"\x00\x00\x01", i)
        if i < 0: break
        starts.append(i + 3); i += 3
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else len(b)
        yield b[s:e].rstrip(b"\x00")
def access_units(b, h265):
    aus, cur, vcl = [], [], False
    for n in nals(b):
        t = (n[0] >> 1) & 0x3F if h265 else n[0] & 0x1F
        is_vcl = t < 32 if h265 else t in (1, 5)
        if vcl and (not is_vcl or True):
            aus.append(cur); cur, vcl = [], False
        cur.append(n); vcl = vcl or is_vcl
    if cur: aus.append(cur)
    return [b"".join(b"\x00\x00\x00\x01" + n for n in au) for au in aus]
def packet(track, dts, pts_off, data):  # times in ms (timescale choice 2)
    return bytes([2, track, 2]) + struct.pack(">hhH", dts, pts_off, len(data)) + data
for name, h265, codec_byte in [("a.h264", False, 0x02), ("a.h265", True, 0x03)]:
    aus = access_units(open(os.path.join(w, name), "rb").read(), h265)
    for flags, suffix in [(0x00, "regular"), (0x01, "fragmented"), (0x23, "full_disk")]:
        s = bytes([flags])
        if flags & 0x20: s += struct.pack(">H", 150)
        s += bytes([0, codec_byte])           # video track, 90 kHz
        s += bytes([1, 0x01])                 # G.711 u-law 8 kHz mono
        for i, au in enumerate(aus):
            s += packet(0, 0 if i == 0 else 100, 100, au)
            s += packet(1, 0, 0, bytes([0xFF]) * 80)
        s += bytes([4])
        open(os.path.join(out, f"{os.path.splitext(name)[0]}_{name[-4:]}_{suffix}"), "wb").write(s)
PY

du -sh "$OUT"
