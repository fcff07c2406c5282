// SPDX-License-Identifier: LGPL-2.1-or-later
// Micro-benchmarks of the muxer's hot paths, on a real x264 stream made at start-up.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "camrec/demuxer.h"
#include "camrec/muxer.h"
#include "codec/access_unit.h"
#include "codec/au_splitter.h"
#include "edit/recover.h"
#include "io/sink.h"

namespace {

/// 10 s of 1280x720 H.264 Main at 30 fps, made once with ffmpeg.
const std::vector<uint8_t>& stream() {
  static std::vector<uint8_t> data = [] {
    std::string path = "/tmp/camrec-bench-micro.h264";
    std::string cmd = "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -frames:v 300 "
                      "-pix_fmt yuv420p -c:v libx264 -preset ultrafast -b:v 4M -g 30 -bf 0 " + path;
    if (std::system(cmd.c_str()) != 0) std::abort();
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  return data;
}

std::vector<std::vector<uint8_t>> access_units() {
  std::vector<std::vector<uint8_t>> out;
  camrec::codec::AccessUnitSplitter splitter(camrec::codec::VideoCodec::h264);
  splitter.feed(stream());
  splitter.finish();
  while (true) {
    auto au = splitter.next();
    if (!au || !*au) break;
    out.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
  }
  return out;
}

// Start-code scanning alone: every start code of the stream, as the splitter looks for them.
void BM_FindStartCodes(benchmark::State& state) {
  const auto& data = stream();
  for (auto _ : state) {
    size_t n = 0, from = 0;
    while (auto at = camrec::codec::find_start_code(data, from)) {
      ++n;
      from = *at + 1;
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_FindStartCodes)->Unit(benchmark::kMillisecond);

void BM_SplitAccessUnits(benchmark::State& state) {
  const auto& data = stream();
  for (auto _ : state) {
    camrec::codec::AccessUnitSplitter splitter(camrec::codec::VideoCodec::h264);
    splitter.feed(data);
    splitter.finish();
    size_t n = 0;
    while (true) {
      auto au = splitter.next();
      if (!au || !*au) break;
      ++n;
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_SplitAccessUnits)->Unit(benchmark::kMillisecond);

void BM_ParseAccessUnits(benchmark::State& state) {
  auto aus = access_units();
  size_t bytes = 0;
  for (auto& au : aus) bytes += au.size();
  for (auto _ : state) {
    camrec::codec::AccessUnitParser parser(camrec::codec::VideoCodec::h264);
    camrec::codec::AccessUnit out;
    for (auto& au : aus) benchmark::DoNotOptimize(parser.parse(au, out).is_ok());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ParseAccessUnits)->Unit(benchmark::kMillisecond);

void BM_MuxToMemory(benchmark::State& state) {
  auto aus = access_units();
  size_t bytes = 0;
  for (auto& au : aus) bytes += au.size();
  for (auto _ : state) {
    camrec::MuxerOptions options;
    options.layout = state.range(0) ? camrec::Layout::fragmented : camrec::Layout::regular;
    auto muxer = camrec::Muxer::create(std::make_unique<camrec::io::MemorySink>(), options);
    auto track = (*muxer)->add_video_track({});
    int64_t t = 0;
    for (auto& au : aus) {
      benchmark::DoNotOptimize((*muxer)->write(*track, {au, t, t, 30, 1}).is_ok());
      ++t;
    }
    benchmark::DoNotOptimize((*muxer)->close().is_ok());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_MuxToMemory)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The muxer's cost per sample apart from moving payload: 160-byte G.711 packets (Arg 0) and
// the 720p H.264 access units (Arg 1, parsed and copied into the fragment buffer), regular
// layout, into memory. us_per_sample is wall time per packet written, close included.
void BM_MuxCostPerSample(benchmark::State& state) {
  const bool video = state.range(0) != 0;
  auto aus = access_units();
  const std::vector<uint8_t> g711(160, 0xFF);
  const size_t samples = video ? aus.size() : 9000;  // 3 minutes of 20 ms packets
  for (auto _ : state) {
    auto muxer = camrec::Muxer::create(std::make_unique<camrec::io::MemorySink>(), {});
    camrec::AudioTrackConfig ac;
    auto track = video ? (*muxer)->add_video_track({}) : (*muxer)->add_audio_track(ac);
    for (size_t i = 0; i < samples; ++i) {
      int64_t t = static_cast<int64_t>(i);
      camrec::Packet p = video ? camrec::Packet{aus[i], t, t, 30, 1} : camrec::Packet{g711, t * 160, t * 160, 8000, 160};
      benchmark::DoNotOptimize((*muxer)->write(*track, p).is_ok());
    }
    benchmark::DoNotOptimize((*muxer)->close().is_ok());
  }
  state.counters["us_per_sample"] = benchmark::Counter(
      static_cast<double>(samples) / 1e6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MuxCostPerSample)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

/// One hour of 160x128 video at 30 fps (108 000 samples) in a regular MP4, and the same
/// recording as a crash left it (copied before close: fragments, no final moov). Made once.
struct HourFiles {
  std::string complete = "/tmp/camrec-bench-micro-1h.mp4";
  std::string crashed = "/tmp/camrec-bench-micro-1h-crashed.mp4";
};
const HourFiles& hour_files() {
  static HourFiles files = [] {
    HourFiles f;
    std::string small = "/tmp/camrec-bench-micro-160x128.h264";
    std::string cmd = "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x128:rate=30 -frames:v 300 "
                      "-pix_fmt yuv420p -c:v libx264 -preset veryfast -tune zerolatency -b:v 64k -g 30 -bf 0 " + small;
    if (std::system(cmd.c_str()) != 0) std::abort();
    std::ifstream in(small, std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::vector<uint8_t>> aus;
    camrec::codec::AccessUnitSplitter splitter(camrec::codec::VideoCodec::h264);
    splitter.feed(data);
    splitter.finish();
    while (true) {
      auto au = splitter.next();
      if (!au || !*au) break;
      aus.emplace_back((*au)->bytes.begin(), (*au)->bytes.end());
    }
    auto muxer = camrec::Muxer::create_file(f.complete, {});
    if (!muxer) std::abort();
    auto track = (*muxer)->add_video_track({});
    for (int64_t i = 0; i < 108'000; ++i) {
      const auto& au = aus[static_cast<size_t>(i) % aus.size()];
      if (!(*muxer)->write(*track, {au, i, i, 30, 1}).is_ok()) std::abort();
    }
    std::filesystem::copy_file(f.complete, f.crashed, std::filesystem::copy_options::overwrite_existing);
    if (!(*muxer)->close().is_ok()) std::abort();
    return f;
  }();
  return files;
}

// Opening a regular file with a 108 000-sample moov and walking every sample (data included,
// ~270 bytes each).
void BM_Demux1HourMoov(benchmark::State& state) {
  const auto& files = hour_files();
  uint64_t samples = 0;
  for (auto _ : state) {
    auto demuxer = camrec::Demuxer::open(files.complete);
    if (!demuxer) std::abort();
    camrec::DemuxedSample sample;
    samples = 0;
    while (true) {
      auto more = (*demuxer)->next(sample);
      if (!more || !*more) break;
      ++samples;
    }
    benchmark::DoNotOptimize(samples);
  }
  if (samples != 108'000) state.SkipWithError("not every sample came back");
  state.counters["us_per_sample"] = benchmark::Counter(
      static_cast<double>(samples) / 1e6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Demux1HourMoov)->Unit(benchmark::kMillisecond);

// `recover` of a one-hour recording cut before its close: 3 600 fragments rebuilt into a
// regular MP4 (each run on a fresh copy; the copy is not timed).
void BM_Recover1Hour(benchmark::State& state) {
  const auto& files = hour_files();
  const std::string work = files.crashed + ".work.mp4";
  const std::string out = files.crashed + ".out.mp4";
  uint64_t samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::copy_file(files.crashed, work, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(out);
    state.ResumeTiming();
    camrec::edit::RecoverOptions options;
    options.output = out;
    auto report = camrec::edit::recover(work, options);
    if (!report) {
      state.SkipWithError(report.error().message().c_str());
      break;
    }
    samples = report->samples;
  }
  state.counters["samples"] = static_cast<double>(samples);
  std::filesystem::remove(work);
  std::filesystem::remove(out);
}
BENCHMARK(BM_Recover1Hour)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
