// SPDX-License-Identifier: LGPL-2.1-or-later
// Records an H.264 Annex B file (access units split at AUDs) with camrec::Muxer, reads the
// MP4 back with camrec::Demuxer and checks every frame came back.
// Usage: camrec_consumer IN.h264 OUT.mp4
#include <camrec/demuxer.h>
#include <camrec/muxer.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

namespace {

// Offset of the next access unit delimiter NAL (type 9) at or after `from`.
size_t next_aud(const std::vector<uint8_t>& b, size_t from) {
  for (size_t i = from; i + 4 <= b.size(); i++)
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1 && (b[i + 3] & 0x1f) == 9) return i > 0 && b[i - 1] == 0 ? i - 1 : i;
  return b.size();
}

int fail(const camrec::Status& s) {
  std::fprintf(stderr, "camrec_consumer: %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: camrec_consumer IN.h264 OUT.mp4\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> stream{std::istreambuf_iterator<char>(in), {}};

  auto muxer = camrec::Muxer::create_file(argv[2]);
  if (!muxer) return fail(muxer.error());
  auto track = (*muxer)->add_video_track({});
  if (!track) return fail(track.error());
  int64_t frames = 0;
  for (size_t start = next_aud(stream, 0); start < stream.size();) {
    size_t end = next_aud(stream, start + 4);
    camrec::Packet p;
    p.data = std::span<const uint8_t>(stream.data() + start, end - start);
    p.pts = p.dts = frames++ * 40'000;  // 25 fps, µs
    if (auto s = (*muxer)->write(*track, p); !s) return fail(s);
    start = end;
  }
  if (auto s = (*muxer)->close(); !s) return fail(s);

  auto demuxer = camrec::Demuxer::open(argv[2]);
  if (!demuxer) return fail(demuxer.error());
  camrec::DemuxedSample sample;
  int64_t read = 0;
  for (;;) {
    auto more = (*demuxer)->next(sample);
    if (!more) return fail(more.error());
    if (!*more) break;
    read++;
  }
  std::printf("wrote %lld frames, read %lld back\n", static_cast<long long>(frames), static_cast<long long>(read));
  return read == frames && frames > 0 ? 0 : 1;
}
