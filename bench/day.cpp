// SPDX-License-Identifier: LGPL-2.1-or-later
// bench_day LAYOUT HOURS OUTPUT STREAM.h264: a long recording simulated at full speed, without
// an encoder in the way: the access units of a short real H.264 stream (30 fps) are written
// again and again with increasing times, beside 50 G.711 packets a second, through the same
// Muxer (or SegmentWriter) a recording uses. LAYOUT is regular, fragmented or segments (the
// regular layout cut every 300 s). Every simulated hour it prints the resident memory, the
// peak so far and the mux cost per sample of that hour; then the close's time and bytes.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "camrec/muxer.h"
#include "camrec/segments.h"
#include "codec/au_splitter.h"

namespace {

long rss_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/// User and system CPU time of the process so far.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int fail(const char* what, const camrec::Status& s) {
  std::fprintf(stderr, "bench_day: %s: %s\n", what, s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: bench_day regular|fragmented|segments HOURS OUTPUT STREAM.h264\n");
    return 64;
  }
  const std::string layout = argv[1];
  const double hours = std::atof(argv[2]);
  const std::string output = argv[3];

  std::ifstream in(argv[4], std::ios::binary);
  std::vector<uint8_t> stream((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::vector<uint8_t>> frames;
  camrec::codec::AccessUnitSplitter splitter(camrec::codec::VideoCodec::h264);
  splitter.feed(stream);
  splitter.finish();
  while (true) {
    auto au = splitter.next();
    if (!au) return fail("the stream", au.error());
    if (!*au) break;
    if ((*au)->has_vcl) frames.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
  }
  if (frames.empty()) return fail("the stream", camrec::make_error(camrec::Errc::malformed, "no frames"));

  camrec::MuxerOptions options;
  options.layout = layout == "fragmented" ? camrec::Layout::fragmented : camrec::Layout::regular;
  std::unique_ptr<camrec::MediaWriter> writer;
  if (layout == "segments") {
    camrec::SegmentOptions segments;
    segments.pattern = output;
    segments.duration_us = 300'000'000;
    auto w = camrec::SegmentWriter::create(segments, options);
    if (!w) return fail("create", w.error());
    writer = std::move(*w);
  } else {
    auto m = camrec::Muxer::create_file(output, options);
    if (!m) return fail("create", m.error());
    writer = std::move(*m);
  }
  auto video = writer->add_video_track({});
  camrec::AudioTrackConfig ac;
  ac.codec = camrec::Codec::g711_ulaw;
  auto audio = writer->add_audio_track(ac);
  if (!video || !audio) return fail("tracks", !video ? video.error() : audio.error());

  // 30 fps video in a 90 kHz clock, 20 ms of 8 kHz G.711 (160 bytes) per audio packet.
  const std::vector<uint8_t> silence(160, 0xFF);
  const int64_t total_frames = static_cast<int64_t>(hours * 3600 * 30 + 0.5);
  const int64_t frames_per_hour = 3600 * 30;
  std::printf("| hour | samples | RSS MB | peak RSS MB | ns per sample |\n|---:|---:|---:|---:|---:|\n");
  auto hour_start = std::chrono::steady_clock::now();
  uint64_t samples = 0, hour_samples = 0;
  int64_t audio_packets = 0;
  for (int64_t f = 0; f < total_frames; ++f) {
    const auto& au = frames[static_cast<size_t>(f) % frames.size()];
    camrec::Packet p{au, f * 3000, f * 3000, 90'000, 3000};
    if (auto s = writer->write(*video, p); !s.is_ok()) return fail("video", s);
    // Audio up to this frame's time: 5 packets every 3 frames.
    for (; audio_packets * 20 * 3 <= f * 100; ++audio_packets) {
      camrec::Packet a{silence, audio_packets * 160, audio_packets * 160, 8'000, 160};
      if (auto s = writer->write(*audio, a); !s.is_ok()) return fail("audio", s);
      ++hour_samples;
    }
    ++hour_samples;
    if ((f + 1) % frames_per_hour == 0 || f + 1 == total_frames) {
      auto now = std::chrono::steady_clock::now();
      double ns = std::chrono::duration<double, std::nano>(now - hour_start).count() / static_cast<double>(hour_samples);
      samples += hour_samples;
      std::printf("| %.2f | %llu | %.1f | %.1f | %.0f |\n", static_cast<double>(f + 1) / frames_per_hour,
                  static_cast<unsigned long long>(samples), static_cast<double>(rss_kb()) / 1024.0, static_cast<double>(peak_rss_kb()) / 1024.0, ns);
      std::fflush(stdout);
      hour_samples = 0;
      hour_start = now;
    }
  }
  const uint64_t before = writer->stats().bytes_written;
  auto close_start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  if (auto s = writer->close(); !s.is_ok()) return fail("close", s);
  double close_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - close_start).count();
  const double close_cpu = cpu_seconds() - cpu_start;
  auto stats = writer->stats();
  // The CPU time beside the wall time: on a loaded machine the wall time of the close is
  // mostly waiting (for the disk, for a core), its CPU time is the work.
  std::printf("close: %.3f s (CPU %.3f s), file grew by %lld bytes to %llu; samples %llu, fragments %llu; peak RSS %.1f MB\n",
              close_s, close_cpu, static_cast<long long>(stats.bytes_written) - static_cast<long long>(before),
              static_cast<unsigned long long>(stats.bytes_written),
              static_cast<unsigned long long>(stats.samples_written),
              static_cast<unsigned long long>(stats.fragments_written), static_cast<double>(peak_rss_kb()) / 1024.0);
  return 0;
}
