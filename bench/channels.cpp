// SPDX-License-Identifier: LGPL-2.1-or-later
// bench_channels: several channels recorded at once in one process, in real time, on the
// public K230-style API (Sensor, Encoder channels, MediaManager::link, Muxer).
//
//   bench_channels mainsub SECONDS DIR [both|main|sub]
//     One test-pattern Sensor (1280x720 @ 30 fps) with two output channels, 1280x720 (main)
//     and 640x360 (sub), each linked to its own Encoder channel and written to its own MP4
//     (DIR/main.mp4, DIR/sub.mp4), as a K230 program records a main and a sub stream; or
//     only one of them (the memory of one channel, and a check of the CPU attributed to it).
//   bench_channels many N SECONDS DIR [QUEUE]
//     N independent recordings of 640x360 @ 30 fps (DIR/rec-I.mp4): each has its own
//     test-pattern source on its own capture thread, a queue of QUEUE frames (default 4, a
//     link's default) that drops a frame when full (as a link does), its own Encoder channel (device I / 4, channel I % 4) and
//     its own Muxer. The Sensor is not used here because K230 has three of them
//     (CAM_DEV_ID_0..2) and N goes beyond that.
//
// Every encoder runs x264 with the settings of the record benchmarks: veryfast, zero
// latency, Main, 4000 kbit/s CBR with a 4000 kbit VBV, GOP 30 without scene cuts, no
// B-frames, automatic threads. Prints one line per channel
//   chan name=.. size=WxH expected=.. recorded=.. dropped=.. max_lag_ms=.. max_latency_ms=.. cpu_s=.. file=..
// and one line for the process
//   total wall_s=.. cpu_s=.. max_rss_kb=.. ok=0|1
// expected: frames the source was to capture; recorded: samples the MP4 holds; dropped:
// frames lost between capture and encoder (queue full, or refused); max_lag_ms: the latest a
// frame left its source after its capture time (the capture thread falling behind the
// clock); max_latency_ms: the longest a frame took from its capture time into the file
// (what ffmpeg's lag behind the clock is compared with). cpu_s per channel (mainsub only): the CPU time of the threads working for that
// channel alone (link worker, x264's threads, the writer), told apart by thread name; the
// capture thread (drawing and scaling for both) is shared. Exit status 0 when every channel
// recorded every frame, 1 when one did not, 2 on an error.
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <dirent.h>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "camrec/muxer.h"

using namespace camrec;
using namespace camrec::media;

namespace {

constexpr uint32_t kFps = 30;

[[noreturn]] void die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "bench_channels: %s: %s\n", what.c_str(), s.to_string().c_str());
  std::exit(2);
}

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(r).value();
}

void must(const Status& s, const std::string& what) {
  if (!s) die(what, s);
}

double cpu_seconds(const rusage& ru) {
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of the live threads of this process, summed by thread name (/proc/self/task).
std::map<std::string, double> cpu_by_thread_name() {
  std::map<std::string, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/stat");
    std::string line;
    std::getline(in, line);
    // pid (comm) state ppid ... utime stime: fields 14 and 15, counted after the ')'.
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    out[line.substr(open + 1, close - open - 1)] += static_cast<double>(utime + stime) / tick;
  }
  closedir(dir);
  return out;
}

// Threads inherit the name of the thread that creates them, so naming the main thread while
// it creates a channel's encoder and link names x264's threads and the link's worker too.
void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

ChnAttr encoder_attr(uint32_t width, uint32_t height) {
  ChnAttr a = ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, width, height, 4000, 30, kFps, kFps);
  a.rc_mode = RateControl::cbr;
  a.preset = "veryfast";
  a.low_latency = true;
  a.threads = 0;
  return a;
}

std::unique_ptr<Muxer> open_mp4(const std::string& path, uint32_t& track) {
  auto mux = must(Muxer::create_file(path), "create " + path);
  VideoTrackConfig vt;
  vt.codec = Codec::h264;
  track = must(mux->add_video_track(vt), "add_video_track");
  return mux;
}

// Writes the packs of one GetStream: the HEADER pack (handed out once per Start) goes in
// front of every key frame, as the Recorder does.
Status write_stream(Muxer& mux, uint32_t track, const StreamData& sd, std::vector<uint8_t>& header,
                    std::vector<uint8_t>& frame, int64_t& max_latency_us) {
  for (uint32_t i = 0; i < sd.pack_cnt; ++i) {
    if (sd.stream_type[i] == STREAM_TYPE_HEADER) {
      header.assign(sd.data[i], sd.data[i] + sd.data_size[i]);
      continue;
    }
    frame.clear();
    if (sd.stream_type[i] == STREAM_TYPE_I) frame = header;
    frame.insert(frame.end(), sd.data[i], sd.data[i] + sd.data_size[i]);
    Packet p;
    p.data = frame;
    p.pts = p.dts = sd.pts[i];
    p.timescale = kMicroseconds;
    p.duration = 1'000'000 / kFps;
    CAMREC_RETURN_IF_ERROR(mux.write(track, p));
    max_latency_us = std::max(max_latency_us, steady_clock().now_us() - sd.pts[i]);
  }
  return Status::ok();
}

struct Report {
  std::string name;
  uint32_t width = 0, height = 0;
  uint64_t expected = 0, recorded = 0, dropped = 0;
  int64_t max_lag_us = 0;      // capture: a frame left its source this late
  int64_t max_latency_us = 0;  // capture to file: a frame was written this long after capture
  double cpu_s = -1;  // < 0: not attributed
  std::string file;
};

void print(const Report& r) {
  std::printf("chan name=%s size=%ux%u expected=%llu recorded=%llu dropped=%llu max_lag_ms=%.1f max_latency_ms=%.1f",
              r.name.c_str(), r.width, r.height, static_cast<unsigned long long>(r.expected),
              static_cast<unsigned long long>(r.recorded), static_cast<unsigned long long>(r.dropped),
              static_cast<double>(r.max_lag_us) / 1000.0, static_cast<double>(r.max_latency_us) / 1000.0);
  if (r.cpu_s >= 0) std::printf(" cpu_s=%.3f", r.cpu_s);
  std::printf(" file=%s\n", r.file.c_str());
}

// ---- mainsub: one Sensor, two channels, two linked encoder channels ----

std::vector<Report> run_mainsub(int seconds, const std::string& dir, const std::string& which) {
  // Channel 0 stays enabled when only the sub channel records (a sensor's channel 0 is the
  // source's own picture, passed on without a copy), as on K230.
  const bool on[2] = {which != "sub", which != "main"};
  const uint64_t frames = static_cast<uint64_t>(seconds) * kFps;
  struct Chan {
    const char* name;
    uint32_t width, height;
  };
  const Chan chans[2] = {{"main", 1280, 720}, {"sub", 640, 360}};

  SensorConfig sc;
  sc.source = "testpattern";
  sc.source_options.width = 1280;
  sc.source_options.height = 720;
  sc.source_options.fps_num = kFps;
  sc.source_options.paced = true;
  sc.source_options.max_frames = frames;
  auto sensor = must(Sensor::create(sc), "Sensor");
  auto encoder = must(Encoder::create(VENC_DEV_ID), "Encoder");
  std::vector<std::unique_ptr<Link>> links(2);
  for (uint32_t c = 0; c < 2; ++c) {
    if (!on[c]) continue;
    must(sensor->set_framesize(chans[c].width, chans[c].height, c), "set_framesize");
    must(sensor->set_pixformat(Sensor::YUV420SP, c), "set_pixformat");
  }
  for (uint32_t c = 0; c < 2; ++c) {
    if (!on[c]) continue;
    name_this_thread((std::string("enc-") + chans[c].name).c_str());
    must(encoder->SetOutBufs(c, 8, chans[c].width, chans[c].height), "SetOutBufs");
    must(encoder->Create(c, encoder_attr(chans[c].width, chans[c].height)), "Create");
    must(encoder->Start(c), "Start");
    auto bind = must(sensor->bind_info(c), "bind_info");
    LinkOptions lo;  // depth 4, drop when full: a live camera never waits for an encoder
    links[c] = must(MediaManager::link(bind.src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, c}, lo), "link");
  }
  name_this_thread("bench-main");

  // How late the source delivers its frames (both channels come from the same capture).
  std::atomic<int64_t> max_lag{0};
  must(sensor
           ->subscribe(0,
                       [&](const FramePtr& f) {
                         const int64_t lag = steady_clock().now_us() - f->pts_us;
                         int64_t seen = max_lag.load();
                         while (lag > seen && !max_lag.compare_exchange_weak(seen, lag)) {
                         }
                       })
           .status(),
       "subscribe");

  std::vector<Report> reports(2);
  std::vector<std::thread> writers;
  std::vector<double> writer_cpu(2, 0);
  std::vector<Status> errors(2);
  for (uint32_t c = 0; c < 2; ++c) {
    if (!on[c]) continue;
    reports[c].name = chans[c].name;
    reports[c].width = chans[c].width;
    reports[c].height = chans[c].height;
    reports[c].expected = frames;
    reports[c].file = dir + "/" + chans[c].name + ".mp4";
    writers.emplace_back([&, c] {
      name_this_thread((std::string("wr-") + chans[c].name).c_str());
      uint32_t track = 0;
      auto mux = open_mp4(reports[c].file, track);
      std::vector<uint8_t> header, frame;
      for (;;) {
        StreamData sd;
        Status s = encoder->GetStream(c, sd, 10000);
        if (s.code() == Errc::end_of_stream) break;
        if (!s) {
          errors[c] = s;
          break;
        }
        Status w = write_stream(*mux, track, sd, header, frame, reports[c].max_latency_us);
        (void)encoder->ReleaseStream(c, sd);
        if (!w) {
          errors[c] = w;
          break;
        }
      }
      Status closed = mux->close();
      if (!closed && errors[c]) errors[c] = closed;
      reports[c].recorded = mux->stats().samples_written;
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      writer_cpu[c] = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    });
  }
  must(sensor->run(), "run");
  sensor->wait_finished(-1);
  for (auto& w : writers) w.join();
  // The link workers and x264's threads are still alive: take their CPU before they go.
  auto cpu = cpu_by_thread_name();
  std::vector<Report> out;
  for (uint32_t c = 0; c < 2; ++c) {
    if (!on[c]) continue;
    const LinkStats ls = links[c]->stats();
    reports[c].dropped = ls.dropped + ls.failed;
    reports[c].max_lag_us = max_lag.load();
    reports[c].cpu_s = cpu[std::string("enc-") + chans[c].name] + writer_cpu[c];
    if (!errors[c]) die(std::string("channel ") + chans[c].name, errors[c]);
    out.push_back(reports[c]);
  }
  links.clear();
  for (uint32_t c = 0; c < 2; ++c) {
    if (on[c]) (void)encoder->Destroy(c);
  }
  return out;
}

// ---- many: N independent recordings ----

// A bounded queue between a capture thread and an encoding thread that drops the newest
// frame when full, as a link with OverflowPolicy::drop does.
class FrameQueue {
 public:
  explicit FrameQueue(size_t depth) : depth_(depth) {}
  void push(FramePtr f) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= depth_) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(f));
    cv_.notify_one();
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    cv_.notify_one();
  }
  FramePtr pop() {  // null once closed and empty
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return nullptr;
    FramePtr f = std::move(queue_.front());
    queue_.pop_front();
    return f;
  }
  uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  const size_t depth_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<FramePtr> queue_;
  bool closed_ = false;
  uint64_t dropped_ = 0;
};

std::vector<Report> run_many(int n, int seconds, const std::string& dir, size_t depth) {
  const uint64_t frames = static_cast<uint64_t>(seconds) * kFps;
  const uint32_t devices = static_cast<uint32_t>((n + 3) / 4);
  if (devices > 8) die("many", make_error(Errc::invalid_argument, "at most 32 recordings (8 encoders x 4 channels)"));
  std::vector<std::shared_ptr<Encoder>> encoders;
  for (uint32_t d = 0; d < devices; ++d) encoders.push_back(must(Encoder::create(d), "Encoder"));

  struct Rec {
    explicit Rec(size_t depth) : queue(depth) {}
    std::unique_ptr<SensorSource> source;
    Encoder* encoder = nullptr;
    uint32_t chn = 0;
    FrameQueue queue;
    std::atomic<int64_t> max_lag{0};
    Status error;
    Report report;
  };
  std::vector<std::unique_ptr<Rec>> recs;
  for (int i = 0; i < n; ++i) {
    auto r = std::make_unique<Rec>(depth);
    SourceOptions so;
    so.width = 640;
    so.height = 360;
    so.fps_num = kFps;
    so.paced = true;
    so.max_frames = frames;
    r->source = must(open_sensor_source("testpattern", so, steady_clock()), "source");
    r->encoder = encoders[static_cast<size_t>(i) / 4].get();
    r->chn = static_cast<uint32_t>(i) % 4;
    must(r->encoder->SetOutBufs(r->chn, 8, 640, 360), "SetOutBufs");
    must(r->encoder->Create(r->chn, encoder_attr(640, 360)), "Create");
    must(r->encoder->Start(r->chn), "Start");
    r->report.name = "rec-" + std::to_string(i);
    r->report.width = 640;
    r->report.height = 360;
    r->report.expected = frames;
    r->report.file = dir + "/" + r->report.name + ".mp4";
    recs.push_back(std::move(r));
  }

  std::vector<std::thread> threads;
  for (auto& rp : recs) {
    Rec* r = rp.get();
    // Capture: frames leave the source at their time (paced by the clock) into the queue.
    threads.emplace_back([r] {
      Status s = r->source->start();
      while (s) {
        auto f = r->source->next_frame();
        if (!f) {
          if (f.error().code() != Errc::end_of_stream) s = f.error();
          break;
        }
        const int64_t lag = steady_clock().now_us() - (*f)->pts_us;
        if (lag > r->max_lag.load()) r->max_lag.store(lag);
        r->queue.push(std::move(f).value());
      }
      if (!s) r->error = s;
      r->queue.close();
    });
    // Encode and write: each frame is encoded on this thread, its stream written at once.
    threads.emplace_back([r] {
      uint32_t track = 0;
      auto mux = open_mp4(r->report.file, track);
      std::vector<uint8_t> header, frame;
      Status s;
      uint64_t refused = 0;
      auto drain = [&](int timeout_ms) {
        for (;;) {
          StreamData sd;
          Status g = r->encoder->GetStream(r->chn, sd, timeout_ms);
          if (g.code() == Errc::timeout || g.code() == Errc::end_of_stream) return Status::ok();
          CAMREC_RETURN_IF_ERROR(g);
          Status w = write_stream(*mux, track, sd, header, frame, r->report.max_latency_us);
          (void)r->encoder->ReleaseStream(r->chn, sd);
          CAMREC_RETURN_IF_ERROR(w);
        }
      };
      while (FramePtr f = r->queue.pop()) {
        if (!r->encoder->SendFrame(r->chn, *f, 1000)) ++refused;
        s = drain(0);
        if (!s) break;
      }
      if (s) s = r->encoder->Stop(r->chn);
      if (s) s = drain(1000);
      Status closed = mux->close();
      if (s) s = closed;
      if (!s && r->error) r->error = s;
      r->report.recorded = mux->stats().samples_written;
      r->report.dropped = refused;
    });
  }
  for (auto& t : threads) t.join();
  std::vector<Report> reports;
  for (auto& r : recs) {
    if (!r->error) die(r->report.name, r->error);
    r->report.dropped += r->queue.dropped();
    r->report.max_lag_us = r->max_lag.load();
    reports.push_back(r->report);
    (void)r->encoder->Destroy(r->chn);
  }
  return reports;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const bool mainsub = mode == "mainsub" && (argc == 4 || argc == 5);
  const bool many = mode == "many" && (argc == 5 || argc == 6);
  if (!mainsub && !many) {
    std::fprintf(stderr,
                 "usage: bench_channels mainsub SECONDS DIR [both|main|sub]\n       bench_channels many N SECONDS DIR [QUEUE]\n");
    return 64;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<Report> reports;
  if (mainsub) {
    const int seconds = std::atoi(argv[2]);
    if (seconds <= 0) die("SECONDS", make_error(Errc::invalid_argument, "must be a positive number"));
    const std::string which = argc == 5 ? argv[4] : "both";
    if (which != "both" && which != "main" && which != "sub") {
      die("CHANNELS", make_error(Errc::invalid_argument, "'" + which + "' is not both, main or sub"));
    }
    reports = run_mainsub(seconds, argv[3], which);
  } else {
    const int n = std::atoi(argv[2]), seconds = std::atoi(argv[3]);
    const int depth = argc == 6 ? std::atoi(argv[5]) : 4;
    if (n <= 0 || seconds <= 0 || depth <= 0) {
      die("N, SECONDS, QUEUE", make_error(Errc::invalid_argument, "must be positive numbers"));
    }
    reports = run_many(n, seconds, argv[4], static_cast<size_t>(depth));
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool all = true;
  for (const Report& r : reports) {
    print(r);
    all = all && r.dropped == 0 && r.recorded == r.expected;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("total wall_s=%.3f cpu_s=%.3f max_rss_kb=%ld ok=%d\n", wall, cpu_seconds(ru), ru.ru_maxrss, all ? 1 : 0);
  return all ? 0 : 1;
}
