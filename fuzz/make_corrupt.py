#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the malformed inputs of tests/data/corrupt/ and its table CASES.md.

Each MP4 case is a valid small file from tests/data/corrupt/base/ with one thing broken:
the box tree is parsed, one field or box is changed, and the tree is written back with the
container sizes recomputed (the moov of the base files follows their media, so no chunk
offset moves). Annex B cases are built from the base streams or from scratch. The expected
error of every case (the API that reports it, the Errc and a substring of the message) is
listed in CASES below and copied into CASES.md, which tests/corrupt/corrupt_test.cpp reads.

  fuzz/make_corrupt.py             write the cases from the committed base files
  fuzz/make_corrupt.py --make-base regenerate the base files first (ffmpeg, build/camrec)
"""
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "tests", "data", "corrupt")
BASE = os.path.join(OUT, "base")

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"mvex", b"moof", b"traf", b"mfra"}
VISUAL = {b"avc1", b"avc3", b"hvc1", b"hev1"}
AUDIO = {b"mp4a", b"ulaw", b"alaw", b"Opus"}


class Box:
    """One box: a leaf keeps its payload, a container its prefix (stsd's version and count,
    a sample entry's fixed fields) and its children."""

    def __init__(self, type_, payload=b"", children=None, prefix=b"", large=False):
        self.type, self.payload, self.children, self.prefix, self.large = type_, payload, children, prefix, large

    def body(self):
        if self.children is None:
            return self.payload
        return self.prefix + b"".join(c.bytes() for c in self.children)

    def bytes(self):
        body = self.body()
        if self.large:
            return struct.pack(">I4sQ", 1, self.type, 16 + len(body)) + body
        return struct.pack(">I4s", 8 + len(body), self.type) + body

    def child(self, type_, index=0):
        found = [c for c in self.children if c.type == type_]
        return found[index]


def parse(data):
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, type_ = struct.unpack(">I4s", data[pos:pos + 8])
        header, large = 8, False
        if size == 1:
            size, header, large = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16, True
        elif size == 0:
            size = len(data) - pos
        payload = data[pos + header:pos + size]
        prefix_len = {b"stsd": 8}.get(type_, 78 if type_ in VISUAL else 28 if type_ in AUDIO else None)
        if type_ in CONTAINERS:
            boxes.append(Box(type_, children=parse(payload), large=large))
        elif prefix_len is not None:
            boxes.append(Box(type_, children=parse(payload[prefix_len:]), prefix=payload[:prefix_len], large=large))
        else:
            boxes.append(Box(type_, payload, large=large))
        pos += size
    return boxes


def serialize(boxes):
    return b"".join(b.bytes() for b in boxes)


def find(boxes, path):
    """find(tree, "moov/trak[1]/mdia/minf/stbl/stsz") -> Box"""
    node = Box(b"root", children=boxes)
    for part in path.split("/"):
        name, _, index = part.partition("[")
        node = node.child(name.encode().ljust(4), int(index[:-1]) if index else 0)
    return node


def offset_of(boxes, path):
    """File offset of the box at `path` (top-level files only)."""
    data = serialize(boxes)
    target = find(boxes, path).bytes()
    return data.index(target)


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack(">Q", v & 0xFFFFFFFFFFFFFFFF)


def load(name):
    return parse(open(os.path.join(BASE, name), "rb").read())


def read(name):
    return open(os.path.join(BASE, name), "rb").read()


# ---- MP4 mutations on the regular base (video track 0: H.264 with ctts; track 1: u-law) ----

STBL = "moov/trak/mdia/minf/stbl"
ASTBL = "moov/trak[1]/mdia/minf/stbl"


def patched(base, path, fn):
    tree = load(base)
    box = find(tree, path)
    box.payload = fn(box.payload)
    return serialize(tree)


def set_at(offset, value_bytes):
    return lambda p: p[:offset] + value_bytes + p[offset + len(value_bytes):]


def cut(base, length_fn):
    data = read(base)
    return data[:length_fn(parse(data), data)]


def remove_child(base, parent, type_):
    tree = load(base)
    box = find(tree, parent)
    box.children = [c for c in box.children if c.type != type_]
    return serialize(tree)


def with_raw_child(base, parent, raw, index=None):
    """Inserts raw bytes (a hand-made child box) into `parent`."""
    tree = load(base)
    box = find(tree, parent)
    raw_box = Box(b"raw?")
    raw_box.bytes = lambda: raw
    box.children.insert(len(box.children) if index is None else index, raw_box)
    return serialize(tree)


def moov_claims(base, size):
    data = bytearray(read(base))
    moov = offset_of(parse(bytes(data)), "moov")
    data[moov:moov + 4] = u32(size)
    return bytes(data)


def stsc_entries(entries):
    return lambda p: p[:4] + u32(len(entries)) + b"".join(u32(a) + u32(b) + u32(c) for a, b, c in entries)


def first_nal_length(base, value):
    """Sets the 4-byte length of the first NAL unit of the first video sample."""
    tree = load(base)
    chunk = struct.unpack(">I", find(tree, STBL + "/stco").payload[8:12])[0]
    data = bytearray(serialize(tree))
    data[chunk:chunk + 4] = u32(value)
    return bytes(data)


def elst(version, entries):
    body = u32(len(entries))
    for duration, media_time in entries:
        body += (u64(duration) + u64(media_time)) if version == 1 else (u32(duration) + u32(media_time))
        body += u32(0x00010000)
    return Box(b"elst", bytes([version, 0, 0, 0]) + body)


def with_edit_list(base, version, entries):
    tree = load(base)
    trak = find(tree, "moov/trak")
    trak.children = [c for c in trak.children if c.type != b"edts"]
    trak.children.insert(1, Box(b"edts", children=[elst(version, entries)]))
    return serialize(tree)


def many_tracks(base, count):
    tree = load(base)
    moov = find(tree, "moov")
    trak = find(tree, "moov/trak[1]")
    moov.children = [c for c in moov.children if c.type != b"trak"] + [trak] * count
    return serialize(tree)


# ---- fragmented base: moov(mvex), moof, mdat, mfra ----

TRAF = "moof/traf"


def trun_patch(fn):
    return patched("fragmented.mp4", TRAF + "/trun", fn)


# ---- H.265 base: hvcC ----

def hvcc_patch(fn):
    return patched("h265.mp4", "moov/trak/mdia/minf/stbl/stsd/hvc1/hvcC", fn)


def avcc_no_sps(p):
    # avcC: version, profile, compat, level, lengthSize, numSPS | 0xE0, SPS..., numPPS, PPS...
    n = p[5] & 0x1F
    pos = 6
    for _ in range(n):
        pos += 2 + struct.unpack(">H", p[pos:pos + 2])[0]
    return p[:5] + bytes([0xE0]) + p[pos:]


def hvcc_first_nal_too_long(p):
    # 22 fixed bytes, numOfArrays, then per array: type, numNalus(2), per NAL: length(2) + bytes.
    return p[:23 + 3] + struct.pack(">H", 0xFFF0) + p[23 + 5:]


# ---- Annex B streams ----

class Bits:
    def __init__(self):
        self.bits = []

    def u(self, n, v):
        self.bits += [(v >> (n - 1 - i)) & 1 for i in range(n)]

    def ue(self, v):
        v += 1
        n = v.bit_length()
        self.u(n - 1, 0)
        self.u(n, v)

    def rbsp(self):
        self.bits.append(1)
        while len(self.bits) % 8:
            self.bits.append(0)
        return bytes(int("".join(map(str, self.bits[i:i + 8])), 2) for i in range(0, len(self.bits), 8))


def ebsp(rbsp):
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def h264_sps(width_mbs, height_mbs):
    b = Bits()
    b.u(8, 66); b.u(8, 0); b.u(8, 30)  # Baseline, level 3.0
    b.ue(0)  # seq_parameter_set_id
    b.ue(0)  # log2_max_frame_num_minus4
    b.ue(2)  # pic_order_cnt_type
    b.ue(1)  # max_num_ref_frames
    b.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    b.ue(width_mbs - 1)
    b.ue(height_mbs - 1)
    b.u(1, 1)  # frame_mbs_only_flag
    b.u(1, 1)  # direct_8x8_inference_flag
    b.u(1, 0)  # frame_cropping_flag
    b.u(1, 0)  # vui_parameters_present_flag
    return b"\x00\x00\x00\x01\x67" + ebsp(b.rbsp())


def stream_nals(data):
    """The NAL units of an Annex B stream, with their start codes."""
    starts, i = [], 0
    while True:
        i = data.find(b"\x00\x00\x01", i)
        if i < 0:
            break
        starts.append(i)
        i += 3
    return [data[s:(starts[k + 1] if k + 1 < len(starts) else len(data))] for k, s in enumerate(starts)]


def without_types(data, h265, types):
    def nal_type(n):
        header = n[n.index(b"\x00\x00\x01") + 3]
        return (header >> 1) & 0x3F if h265 else header & 0x1F
    return b"".join(n for n in stream_nals(data) if nal_type(n) not in types)


def h264_with_sps(sps):
    stream = read("base.h264")
    return sps + without_types(stream, False, {7})


# (file, what is wrong, api, errc, message substring, bytes); the api says which call reports
# it (see tests/corrupt/corrupt_test.cpp).
KEEP = "keep"  # a fuzz finding committed as it was found, not generated here


def cases():
    c = []
    add = lambda *row: c.append(row)
    R = "regular.mp4"
    add("empty.mp4", "empty file", "open", "malformed", "no 'moov' box", b"")
    add("not_mp4.mp4", "text file, first box type is not an MP4 box", "open", "malformed",
        "not an MP4 file: first box is", b"this is not an mp4 file at all\n" * 4)
    add("first_box_size_4.mp4", "first box declares a size (4) smaller than its header", "open", "malformed",
        "has size 4", b"\x00\x00\x00\x04ftypisom\x00\x00\x02\x00")
    add("moov_truncated_header.mp4", "file ends 4 bytes into the moov header", "open", "malformed",
        "no 'moov' box", cut(R, lambda t, d: offset_of(t, "moov") + 4))
    add("moov_truncated_body.mp4", "file ends in the middle of the moov", "open", "malformed", "no 'moov' box",
        cut(R, lambda t, d: offset_of(t, "moov") + 200))
    add("moov_claims_4gib.mp4", "moov size field says 4 GiB - 16 in a 6 KB file", "open", "malformed",
        "no 'moov' box", moov_claims(R, 0xFFFFFFF0))
    add("moov_size_1_small.mp4", "moov uses a 64-bit size of 8, smaller than its 16-byte header", "open",
        "malformed", "no 'moov' box", patch_large_moov(R, 8))
    add("moov_size_1_huge.mp4", "moov 64-bit size 2^64 - 1", "open", "malformed", "no 'moov' box",
        patch_large_moov(R, 0xFFFFFFFFFFFFFFFF))
    add("mvhd_version_2.mp4", "mvhd version 2 (unknown layout)", "open", "unsupported",
        "moov/mvhd: version 2 (known up to 1)", patched(R, "moov/mvhd", set_at(0, b"\x02")))
    add("tkhd_version_7.mp4", "tkhd version 7", "open", "unsupported", "moov/trak[0]/tkhd: version 7",
        patched(R, "moov/trak/tkhd", set_at(0, b"\x07")))
    add("child_size_0_in_stbl.mp4", "stts has size 0 (to the end of its parent) inside stbl", "open",
        "malformed", "stbl: missing required box 'stsc'", zero_size_child(R, STBL, b"stts"))
    add("child_larger_than_parent.mp4", "stsz claims to be larger than its stbl", "open", "malformed",
        "passes the end", child_size(R, STBL, b"stsz", 0x7FFFFFFF))
    add("child_size_1_below_header.mp4", "stco with a 64-bit size of 12 (below its 16-byte header)", "open",
        "malformed", "size 12", child_large_size(R, STBL, b"stco", 12))
    add("box_size_7_in_moov.mp4", "a child of moov declares size 7 (a box that cannot hold its header)",
        "open", "malformed", "size 7", with_raw_child(R, "moov", b"\x00\x00\x00\x07free", 1))
    add("stsz_count_huge.mp4", "stsz sample_count 0xFFFFFFFF with a per-sample table", "open", "malformed",
        "entry_sizes count 4294967295 needs 4 bytes each",
        patched(R, STBL + "/stsz", set_at(8, u32(0xFFFFFFFF))))
    add("stco_count_huge.mp4", "stco entry_count 0x40000000", "open", "malformed",
        "count 1073741824 needs 4 bytes each", patched(R, STBL + "/stco", set_at(4, u32(0x40000000))))
    add("stts_count_huge.mp4", "stts entry_count 0x20000000", "open", "malformed",
        "count 536870912 needs 8 bytes each", patched(R, STBL + "/stts", set_at(4, u32(0x20000000))))
    add("stsc_count_huge.mp4", "stsc entry_count 0x15555556 (x 12 bytes overflows 32 bits)", "open",
        "malformed", "count 357913942 needs 12 bytes each",
        patched(R, STBL + "/stsc", set_at(4, u32(0x15555556))))
    add("stsz_constant_count_huge.mp4", "stsz constant size 1 for 2^32 - 1 samples, stts agrees", "open",
        "malformed", "chunks hold", constant_size_huge(R))
    add("stsz_constant_samples_hang.mp4", "stsz constant size 1 for 2^32 - 1 samples in one chunk (scan() "
        "walked them one by one)", "open", "malformed", "4294967295 samples of 1 bytes do not fit in a file",
        constant_size_one_chunk(R))
    add("trun_empty_entries_many.mp4", "16 truns without per-sample fields, 2^17 samples each (2^21 in the moof)",
        "next", "limit_exceeded", "entries without bytes left for this box", many_empty_truns(16, 1 << 17))
    add("stsd_missing.mp4", "stbl without stsd", "open", "malformed", "missing required box 'stsd'",
        remove_child(R, STBL, b"stsd"))
    add("stsd_count_lies.mp4", "stsd entry_count 5 with one entry", "open", "malformed",
        "entry_count 5 but 1 sample entries", stsd_count(R, 5))
    add("stsz_missing.mp4", "stbl without stsz", "open", "malformed", "no stsz or stz2 box",
        remove_child(R, STBL, b"stsz"))
    add("stco_missing.mp4", "stbl without stco", "open", "malformed", "no stco or co64 box",
        remove_child(R, STBL, b"stco"))
    add("chunk_offset_past_end.mp4", "stco's first chunk offset is past the end of the file", "open",
        "malformed", "chunk 1 starts past the end of the file",
        patched(R, STBL + "/stco", set_at(8, u32(0x7FFFFFFF))))
    add("co64_offset_wraps.mp4", "co64 chunk at 2^64 - 16: chunk offset + sample size passes 2^64", "open",
        "malformed", "starts past the end of the file", co64_offset(R, 0xFFFFFFFFFFFFFFF0))
    add("sample_size_4gib.mp4", "stsz lists a first sample of 4 GiB - 1", "next", "limit_exceeded",
        "sample of 4294967295 bytes", patched(R, STBL + "/stsz", set_at(12, u32(0xFFFFFFFF))))
    add("sample_passes_end.mp4", "the first sample is 60000 bytes, past the end of the file", "next",
        "malformed", "passes the end of the file", patched(R, STBL + "/stsz", set_at(12, u32(60000))))
    add("mdhd_timescale_0.mp4", "video track timescale 0", "open", "malformed", "has timescale 0",
        patched(R, "moov/trak/mdia/mdhd", set_at(12, u32(0))))
    add("stsc_first_chunk_0.mp4", "stsc first_chunk 0", "open", "malformed",
        "stsc first_chunk values do not increase from 1", patched(R, STBL + "/stsc", set_at(8, u32(0))))
    add("stsc_not_increasing.mp4", "stsc first_chunk 1 twice", "open", "malformed",
        "stsc first_chunk values do not increase from 1",
        patched(R, STBL + "/stsc", stsc_entries([(1, 3, 1), (1, 3, 1)])))
    add("stsc_bad_description.mp4", "stsc refers to sample description 7 of 1", "open", "malformed",
        "stsc refers to sample description 7", patched(R, STBL + "/stsc", set_at(16, u32(7))))
    add("stsc_too_few_samples.mp4", "stsc puts 0 samples in each chunk", "open", "malformed",
        "chunks hold 0 samples", patched(R, STBL + "/stsc", stsc_entries([(1, 0, 1)])))
    add("stts_too_few.mp4", "stts covers fewer samples than stsz", "open", "malformed", "stts covers",
        patched(R, STBL + "/stts", set_at(8, u32(1))))
    add("ctts_short.mp4", "ctts covers fewer samples than stsz", "open", "malformed",
        "ctts covers fewer samples than stsz", ctts_short(R))
    add("too_many_tracks.mp4", "65 tracks (the limit is 64)", "open", "limit_exceeded", "65 tracks",
        many_tracks(R, 65))
    add("elst_media_time_min.mp4", "edit list media_time -2^63", "open", "malformed",
        "edit list shifts the track by more than 2^61 ticks",
        with_edit_list(R, 1, [(3000, -(1 << 63))]))
    add("elst_empty_edits_huge.mp4", "two empty edits of 2^62 movie ticks each", "open", "malformed",
        "edit list shifts the track by more than 2^61 ticks", with_edit_list(R, 1, [((1 << 62), -1), ((1 << 62), -1), (300, 0)]))
    add("avcc_zero_sps.mp4", "avcC with 0 SPS: accepted (avc3-style in-band SPS), reads to its end", "next_annexb",
        "end", "",
        patched(R, STBL + "/stsd/avc1/avcC", avcc_no_sps))
    add("avcc_length_size_3.mp4", "avcC lengthSizeMinusOne 2 (3-byte NAL lengths do not exist)", "open_annexb",
        "malformed", "3-byte lengths are not allowed", patched(R, STBL + "/stsd/avc1/avcC", set_at(4, b"\xfe")))
    add("nal_length_ffffffff.mp4", "a NAL unit length of 0xFFFFFFFF inside a sample", "next_annexb", "malformed",
        "passes the end of the sample", first_nal_length(R, 0xFFFFFFFF))
    add("nal_length_0.mp4", "a NAL unit length of 0 inside a sample", "next_annexb", "malformed",
        "length", first_nal_length(R, 0))
    add("hvcc_nal_past_end.mp4", "hvcC NAL unit length passes the end of the record", "open_annexb",
        "malformed", "hvcC", hvcc_patch(hvcc_first_nal_too_long))
    add("hvcc_version_2.mp4", "hvcC configurationVersion 2", "open_annexb", "unsupported",
        "configurationVersion 2", hvcc_patch(set_at(0, b"\x02")))
    F = "fragmented.mp4"
    add("trun_count_huge.mp4", "trun sample_count 0x10000001 with 16-byte entries (x 16 overflows 32 bits)",
        "next", "malformed", "entries count 268435457 needs 16 bytes each", trun_count(0x10000001, 0xF01))
    add("trun_data_offset_negative.mp4", "trun data_offset -2^31: before the start of the file", "next",
        "malformed", "trun data offset points before the file", trun_data_offset(-(1 << 31)))
    add("trun_sample_past_end.mp4", "trun data_offset points past the end of the file", "next", "end",
        "", trun_data_offset(0x7FFFFFFF))
    add("trun_version_2.mp4", "trun version 2", "next", "unsupported", "trun[0]: version 2 (known up to 1)",
        trun_patch(set_at(0, b"\x02")))
    add("tfhd_unknown_track.mp4", "the video traf's tfhd names track 99, which the moov does not declare (as K230 "
        "writes audio trafs of a track missing from its moov): skipped with one warning, the audio track reads whole",
        "next_warns", "end", "samples per track: 1: 0, 2: 2; warning: skipped 1 track fragment (3 samples, 1470 bytes) of track 99",
        patched(F, TRAF + "/tfhd", set_at(4, u32(99))))
    add("tfhd_unknown_track.mp4", "the same file through scan()", "scan_warns", "end",
        "samples per track: 1: 0, 2: 2; warning: skipped 1 track fragment (3 samples, 1470 bytes) of track 99",
        patched(F, TRAF + "/tfhd", set_at(4, u32(99))))
    add("moov_no_track_with_fragments.mp4", "a moov without any trak (nor trex) followed by fragments: nothing "
        "can read them", "open", "malformed", "the moov declares no track, but 1 movie fragment follow",
        no_declared_track(F))
    add("tfhd_description_0.mp4", "tfhd sample_description_index 0", "next", "malformed",
        "refers to sample description 0", tfhd_description(0))
    add("tfhd_base_offset_huge.mp4", "tfhd base_data_offset 2^64 - 1 with a trun data_offset", "next",
        "malformed", "trun data offset points past 2^64", tfhd_base_offset(0xFFFFFFFFFFFFFFFF))
    add("moof_missing_mfhd.mp4", "moof without its mfhd", "next", "malformed", "missing required box 'mfhd'",
        remove_child(F, "moof", b"mfhd"))
    add("tfra_count_huge.mp4", "mfra/tfra number_of_entry 0x10000000", "box", "malformed",
        "count 268435456 needs", patched(F, "mfra/tfra", set_at(12, u32(0x10000000))))
    add("mfro_version_1.mp4", "mfra/mfro version 1", "box", "unsupported", "mfro: version 1",
        patched(F, "mfra/mfro", set_at(0, b"\x01")))
    # Recover.
    add("recover_no_moov_no_mdat.mp4", "recover: only an ftyp", "recover", "malformed",
        "has neither a moov nor an mdat", read(R)[:offset_of(load(R), "mdat")])
    add("recover_mdat_garbage.mp4", "recover: ftyp and an mdat of text, no moov", "recover", "malformed",
        "no in-band H.264/H.265 parameter sets",
        read(R)[:offset_of(load(R), "mdat")] + struct.pack(">I4s", 8 + 64, b"mdat") + b"garbage! " * 8)
    add("recover_missing_file.mp4", "recover: the file does not exist (no file is written)", "recover",
        "not_found", "", None)
    # Annex B streams.
    add("annexb_garbage.h264", "text instead of an H.264 stream", "annexb_h264", "malformed",
        "non-zero bytes before the first start code at byte 0", b"GET / HTTP/1.1\r\nHost: camera\r\n\r\n" * 3)
    add("annexb_garbage_after_zeros.h265", "zero bytes then text before the first start code", "annexb_h265",
        "malformed", "non-zero bytes before the first start code at byte 6", b"\x00" * 6 + b"garbage" * 10)
    add("annexb_empty_nal.h264", "two start codes in a row (an empty NAL unit)", "annexb_h264", "malformed",
        "empty NAL unit", b"\x00\x00\x00\x01\x00\x00\x01" + read("base.h264"))
    add("annexb_forbidden_bit.h264", "a NAL unit with forbidden_zero_bit set", "annexb_h264", "malformed",
        "forbidden_zero_bit", b"\x00\x00\x00\x01\xe7\x42\x00\x1e" + read("base.h264"))
    add("annexb_no_start_code.h264", "bytes without any start code", "annexb_h264", "malformed",
        "non-zero bytes before the first start code", bytes(range(1, 200)))
    add("sps_absurd_size.h264", "an SPS for a 2^20 x 1 macroblock picture", "annexb_h264", "malformed",
        "pic_width_in_mbs", h264_with_sps(h264_sps(1 << 20, 1)))
    add("sps_truncated.h264", "an SPS of 3 bytes", "annexb_h264", "malformed", "SPS",
        h264_with_sps(b"\x00\x00\x00\x01\x67\x42\x00"))
    add("slice_without_sps.h264", "IDR slice without SPS and PPS", "annexb_h264", "malformed", "not been seen",
        without_types(read("base.h264"), False, {7, 8}))
    add("h265_temporal_id_0.h265", "H.265 NAL unit with nuh_temporal_id_plus1 = 0", "annexb_h265", "malformed",
        "nuh_temporal_id_plus1", b"\x00\x00\x00\x01\x40\x00" + read("base.h265")[6:])
    add("h265_slice_without_vps.h265", "H.265 IRAP slice without VPS/SPS/PPS", "annexb_h265", "malformed",
        "not been seen", without_types(read("base.h265"), True, {32, 33, 34}))
    # Minimized fuzz findings (fuzz/ targets), each fixed where it was found.
    add("fuzz_annexb_text_before_start_code.h264", "fuzz_annexb: text, then a start code; the error's byte "
        "offset was that of the start code when fed whole, of the text when fed in pieces", "annexb_h264", "malformed",
        "non-zero bytes before the first start code at byte 0", TEXT_THEN_STREAM)
    add("fuzz_annexb_text_before_start_code.h264", "the same stream fed one byte at a time", "annexb_h264_bytewise",
        "malformed", "non-zero bytes before the first start code at byte 0", TEXT_THEN_STREAM)
    add("fuzz_recover_in_place_leaves_tmp.mp4", "fuzz_recover: a closed regular file whose final moov was lost, "
        "whose fragment holds only trafs of an undeclared track; the failed in-place repair left its .recover.tmp "
        "behind", "recover_in_place", "malformed", "no complete sample", lost_moov_bad_fragment())
    add("fuzz_demuxer_trun_16m_empty_entries.mp4", "fuzz_demuxer: a 5 KB file whose trun declares 2^24 - 1 "
        "samples without per-sample fields (a 10 s timeout, 256 MB+ per parse)", "next", "limit_exceeded",
        "entries without bytes left for this box", trun_count(0xFFFFFF, 0x001))
    add("fuzz_recover_damaged_final_moov.mp4", "fuzz_recover (kept as found): an interrupted close whose final "
        "moov is whole but damaged; recover finished the close and the file did not open. Now the fragments are "
        "rebuilt and the result reads", "recover", "end", "", KEEP)
    add("fuzz_demuxer_timeout_as_found.mp4", "fuzz_demuxer (kept as found, option byte removed): the input "
        "that timed out in the trun parse", "next", "limit_exceeded", "entries without bytes left for this box", KEEP)
    add("fuzz_demuxer_slow_unit_as_found.mp4", "fuzz_demuxer (kept as found, option byte removed): a slow input "
        "of the same kind", "next", "limit_exceeded", "entries without bytes left for this box", KEEP)
    add("avcc_record_truncated.avcC", "avcC record cut inside its SPS", "avcc", "malformed", "",
        find(load(R), STBL + "/stsd/avc1/avcC").payload[:12])
    add("hvcc_record_truncated.hvcC", "hvcC record of 20 bytes (the fixed part is 23)", "hvcc", "malformed", "",
        find(load("h265.mp4"), "moov/trak/mdia/minf/stbl/stsd/hvc1/hvcC").payload[:20])
    return c


def patch_large_moov(base, size):
    """The moov rewritten with a 16-byte header whose 64-bit size is `size`."""
    data = read(base)
    moov = offset_of(parse(data), "moov")
    body = data[moov + 8:]
    return data[:moov] + struct.pack(">I4sQ", 1, b"moov", size) + body


def zero_size_child(base, parent, type_):
    tree = load(base)
    box = find(tree, parent)
    child = box.child(type_)
    child.bytes = (lambda b: lambda: b"\x00\x00\x00\x00" + b.type + b.body())(child)
    return serialize(tree)


def child_size(base, parent, type_, size):
    tree = load(base)
    child = find(tree, parent).child(type_)
    child.bytes = (lambda b: lambda: u32(size) + b.type + b.body())(child)
    return serialize(tree)


def child_large_size(base, parent, type_, size):
    tree = load(base)
    child = find(tree, parent).child(type_)
    child.bytes = (lambda b: lambda: u32(1) + b.type + u64(size) + b.body())(child)
    return serialize(tree)


def constant_size_huge(base):
    tree = load(base)
    find(tree, STBL + "/stsz").payload = b"\x00" * 4 + u32(1) + u32(0xFFFFFFFF)
    find(tree, STBL + "/stts").payload = b"\x00" * 4 + u32(1) + u32(0xFFFFFFFF) + u32(1)
    stbl = find(tree, STBL)
    stbl.children = [c for c in stbl.children if c.type != b"ctts" and c.type != b"stss"]
    return serialize(tree)


def constant_size_one_chunk(base):
    tree = load(base)
    find(tree, STBL + "/stsz").payload = b"\x00" * 4 + u32(1) + u32(0xFFFFFFFF)
    find(tree, STBL + "/stts").payload = b"\x00" * 4 + u32(1) + u32(0xFFFFFFFF) + u32(1)
    find(tree, STBL + "/stsc").payload = b"\x00" * 4 + u32(1) + u32(1) + u32(0xFFFFFFFF) + u32(1)
    stbl = find(tree, STBL)
    stbl.children = [c for c in stbl.children if c.type != b"ctts" and c.type != b"stss"]
    return serialize(tree)


def many_empty_truns(truns, count):
    """The first traf's trun replaced by `truns` truns of `count` samples with no per-sample
    fields (sizes and durations from the tfhd defaults)."""
    tree = load("fragmented.mp4")
    traf = find(tree, TRAF)
    empty = Box(b"trun", b"\x00\x00\x00\x00" + u32(count))
    traf.children = [c for c in traf.children if c.type != b"trun"] + [empty] * truns
    return serialize(tree)


TEXT_THEN_STREAM = b"x264 - core 164 - H.264/MPEG-4 AVC codec - keyint=3 " + b"\x00\x00\x00\x01\x09\xf0" * 2


def lost_moov_bad_fragment():
    """ftyp, then an mdat with a 16-byte header that spans the init moov and the fragments
    (a closed regular-layout file whose final moov is gone), every traf's tfhd naming
    track 99: skipped, they leave no sample to recover."""
    tree = load("fragmented.mp4")
    for traf in find(tree, "moof").children:
        if traf.type == b"traf":
            tfhd = traf.child(b"tfhd")
            tfhd.payload = tfhd.payload[:4] + u32(99) + tfhd.payload[8:]
    ftyp = tree[0].bytes()
    rest = b"".join(b.bytes() for b in tree[1:] if b.type != b"mfra")
    return ftyp + struct.pack(">I4sQ", 1, b"mdat", 16 + len(rest)) + rest


def no_declared_track(base):
    """The moov with its traks and trex removed, a 'free' box of the same size after it so
    that the fragments' offsets stay."""
    tree = load(base)
    moov = find(tree, "moov")
    size = len(moov.bytes())
    moov.children = [c for c in moov.children if c.type != b"trak"]
    mvex = moov.child(b"mvex")
    mvex.children = [c for c in mvex.children if c.type != b"trex"]
    pad = size - len(moov.bytes())
    tree.insert(tree.index(moov) + 1, Box(b"free", b"\0" * (pad - 8)))
    return serialize(tree)


def stsd_count(base, count):
    tree = load(base)
    stsd = find(tree, STBL + "/stsd")
    stsd.prefix = stsd.prefix[:4] + u32(count)
    return serialize(tree)


def co64_offset(base, offset):
    tree = load(base)
    stbl = find(tree, STBL)
    stco = stbl.child(b"stco")
    n = struct.unpack(">I", stco.payload[4:8])[0]
    offsets = [offset] + [struct.unpack(">I", stco.payload[8 + 4 * i:12 + 4 * i])[0] for i in range(1, n)]
    co64 = Box(b"co64", b"\x00" * 4 + u32(n) + b"".join(u64(o) for o in offsets))
    stbl.children = [co64 if c is stco else c for c in stbl.children]
    return serialize(tree)


def ctts_short(base):
    tree = load(base)
    stbl = find(tree, STBL)
    stbl.children = [c for c in stbl.children if c.type != b"ctts"]
    stbl.children.append(Box(b"ctts", b"\x00" * 4 + u32(1) + u32(1) + u32(0)))
    return serialize(tree)


def trun_count(count, flags):
    def fn(p):
        return bytes([p[0]]) + struct.pack(">I", flags)[1:] + u32(count) + p[8:]
    return trun_patch(fn)


def trun_data_offset(value):
    def fn(p):
        flags = struct.unpack(">I", b"\x00" + p[1:4])[0]
        assert flags & 1, "the base trun has a data offset"
        return p[:8] + struct.pack(">i", value) + p[12:]
    return trun_patch(fn)


def tfhd_fields(p):
    """Offsets of the optional tfhd fields present in `p` (flags order of 8.8.7)."""
    flags = struct.unpack(">I", b"\x00" + p[1:4])[0]
    pos, where = 8, {}
    for bit, name, width in [(1, "base", 8), (2, "desc", 4), (8, "dur", 4), (0x10, "size", 4), (0x20, "flags", 4)]:
        if flags & bit:
            where[name] = pos
            pos += width
    return flags, where


def tfhd_description(index):
    def fn(p):
        flags, where = tfhd_fields(p)
        if "desc" in where:
            return p[:where["desc"]] + u32(index) + p[where["desc"] + 4:]
        at = 8 + (8 if flags & 1 else 0)
        return bytes([p[0]]) + struct.pack(">I", flags | 2)[1:] + p[4:at] + u32(index) + p[at:]
    return patched("fragmented.mp4", TRAF + "/tfhd", fn)


def tfhd_base_offset(value):
    def fn(p):
        flags, where = tfhd_fields(p)
        if "base" in where:
            return p[:8] + u64(value) + p[16:]
        return bytes([p[0]]) + struct.pack(">I", (flags | 1) & ~0x020000)[1:] + p[4:8] + u64(value) + p[8:]
    return patched("fragmented.mp4", TRAF + "/tfhd", fn)


def make_base():
    """Regenerates the base files: 3 frames of 64x64 H.264 (with a B-frame) and G.711 u-law,
    as camrec writes them (regular and fragmented), and 3 frames of H.265."""
    camrec = os.path.join(ROOT, "build", "camrec")
    os.makedirs(BASE, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        def ff(*args):
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)
        src = ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=10"]
        x264 = ["-c:v", "libx264", "-g", "3", "-bf", "1", "-pix_fmt", "yuv420p", "-x264-params", "log-level=error"]
        x265 = ["-c:v", "libx265", "-g", "3", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error:bframes=1:info=0"]
        ff(*src, "-frames:v", "3", *x264, os.path.join(BASE, "base.h264"))
        ff(*src, "-frames:v", "3", *x265, os.path.join(BASE, "base.h265"))
        mov = os.path.join(tmp, "av.mov")
        ff(*src, "-f", "lavfi", "-i", "sine=r=8000", "-t", "0.3", *x264, "-c:a", "pcm_mulaw", mov)
        subprocess.run([camrec, "remux", "-q", mov, os.path.join(BASE, "regular.mp4")], check=True)
        subprocess.run([camrec, "remux", "-q", "--fmp4", mov, os.path.join(BASE, "fragmented.mp4")], check=True)
        subprocess.run([camrec, "remux", "-q", os.path.join(BASE, "base.h265"), os.path.join(BASE, "h265.mp4")],
                       check=True)


def main():
    if "--make-base" in sys.argv:
        make_base()
    rows = cases()
    for name, _, _, _, _, data in rows:
        path = os.path.join(OUT, name)
        if data is KEEP:
            assert os.path.exists(path), name
            continue
        if data is None:
            if os.path.exists(path):
                os.remove(path)
            continue
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(OUT, "CASES.md"), "w") as f:
        f.write(HEADER)
        for name, what, api, errc, message, _ in rows:
            f.write(f"| {name} | {api} | {errc} | {message.replace('|', '&#124;')} | {what} |\n")
        f.write(EXTRA_ROWS)
    print(f"{len(rows)} generated cases in {OUT}")


HEADER = """# Malformed inputs and the error each one must give

Written by `fuzz/make_corrupt.py` (the generated rows) from the valid files in `base/`;
the rows after the generated ones (C API call sequences and minimized fuzz findings) are
kept in that script too. `tests/corrupt/corrupt_test.cpp` runs every row and checks that
the call named in *api* fails with exactly *errc* and a message containing *message*
(an empty message column checks the code only), and that nothing crashes.

*api*: `open` / `open_annexb` (Demuxer::open, Annex B output off/on), `next` /
`next_annexb` (open succeeds, reading the samples fails; `end` for errc means the file
reads to a clean end), `scan` (open succeeds, Demuxer::scan fails), `next_warns` /
`scan_warns` (reading every sample, or scan(), ends cleanly; the message is
"samples per track: ID: N, ...; warning: " and Demuxer::warning()), `box` (parsing the
top-level boxes), `recover` (edit::recover into a new file; when it repairs, the outcome
is that of reading the repaired file, `end` if it reads to its end), `recover_in_place`
(on a copy, which a failed repair
must leave unchanged and alone in its folder), `annexb_h264` / `annexb_h265`
(AccessUnitSplitter and AccessUnitParser over the stream; `annexb_h264_bytewise` feeds
it one byte at a time), `avcc` / `hvcc` (the record parsers), `capi` (a kd_mp4
call sequence of tests/corrupt/corrupt_test.cpp, named by the file column), `capi_demux`
(kd_mp4_create + kd_mp4_get_frame on the file).

| file | api | errc | message | what is wrong |
| --- | --- | --- | --- | --- |
"""

EXTRA_ROWS = """| capi_create_null_handle | capi | invalid_argument | kd_mp4_create: NULL argument | kd_mp4_create(NULL, cfg) |
| capi_create_null_config | capi | invalid_argument | kd_mp4_create: NULL argument | kd_mp4_create(&h, NULL) |
| capi_bad_config_type | capi | invalid_argument | config_type 3 | config_type K_MP4_CONFIG_BUTT (3) |
| capi_empty_file_name | capi | invalid_argument | empty file name | muxer with an empty file_name |
| capi_fmp4_flag_2 | capi | invalid_argument | fmp4_flag must be 0 or 1 | fmp4_flag 2 |
| capi_demux_missing_file | capi | not_found | no-such-file.mp4 | demuxer on a file that does not exist |
| capi_destroy_null | capi | invalid_argument | NULL kd_mp4 handle | kd_mp4_destroy(NULL) |
| capi_destroy_twice | capi | invalid_argument | the kd_mp4 handle was destroyed | kd_mp4_destroy on a destroyed handle |
| capi_write_after_destroy | capi | invalid_argument | the kd_mp4 handle was destroyed | kd_mp4_write_frame on a destroyed handle |
| capi_write_destroyed_track | capi | invalid_argument | the track handle was destroyed | kd_mp4_write_frame with a track handle ended by kd_mp4_destroy_tracks |
| capi_foreign_track | capi | invalid_argument | the track belongs to another file | a track handle of another file |
| capi_codec_id_mismatch | capi | invalid_argument | does not match the track's | an H.265 frame on an H.264 track |
| capi_video_track_g711 | capi | invalid_argument | video codec_id 2 | a video track with codec G711A |
| capi_audio_track_h264 | capi | invalid_argument | audio codec_id 0 | an audio track with codec H264 |
| capi_null_track_info | capi | invalid_argument | NULL argument | kd_mp4_create_track with NULL track info |
| capi_null_frame | capi | invalid_argument | NULL frame | kd_mp4_write_frame(h, t, NULL) |
| capi_frame_without_data | capi | invalid_argument | no data | a frame with data NULL, length 0 |
| capi_time_stamp_out_of_range | capi | invalid_argument | time_stamp out of range | time_stamp 2^64 - 1 us |
| capi_garbage_first_frame | capi | malformed |  | 64 bytes of 0x5a as the first H.264 frame |
| capi_track_after_first_frame | capi | wrong_state | tracks must be added before the first sample | kd_mp4_create_track after a frame was written |
| capi_get_frame_on_muxer | capi | invalid_argument | the handle is a muxer (needs a demuxer) | kd_mp4_get_frame on a muxer handle |
| capi_create_track_on_demuxer | capi | wrong_state | kd_mp4_create_track on a demuxer | kd_mp4_create_track on a demuxer handle |
| capi_track_index_out_of_range | capi | not_found | no track 5 | kd_mp4_get_track_by_index 5 of 2 |
| capi_null_file_info | capi | invalid_argument | NULL file_info | kd_mp4_get_file_info(h, NULL) |
| capi_too_many_tracks | capi | limit_exceeded | at most 64 tracks | fuzz_muxer (minimized): a 65th track; the muxer wrote 92 tracks into a file its demuxer refuses (max_tracks 64) |
| capi_time_stamp_overflows_timescale | capi | invalid_argument | packet time out of range | fuzz_muxer (minimized): a frame at 2^62 us on a track of time_scale 2^32 - 1: the ticks overflowed int64 (UB in Muxer::write) |
| stsz_count_huge.mp4 | capi_demux | malformed | needs 4 bytes each | kd_mp4 demuxer on a corrupt moov |
| nal_length_ffffffff.mp4 | capi_demux | malformed | passes the end of the sample | kd_mp4_get_frame on a sample with a NAL length past its end |
| sample_size_4gib.mp4 | capi_demux | limit_exceeded | sample of 4294967295 bytes | kd_mp4_get_frame on a 4 GiB sample |
"""

if __name__ == "__main__":
    main()
