// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec.Recorder: `camrec record` as an object. The GIL is released while the recorder waits
// for and writes frames, so other Python threads (another recorder) run meanwhile.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>

#include "bindings.h"
#include "camrec/recorder/recorder.h"
#include "options.h"

namespace camrec::python {

namespace {

struct RecorderKeywords {
  uint64_t frames = 200;
  int64_t duration_us = 0;
  uint32_t width = 1280;
  uint32_t height = 720;
  uint32_t fps_num = 30;
  uint32_t fps_den = 1;
  std::string codec = "h264";
  std::optional<std::string> profile;
  uint32_t bitrate = 4000;
  std::string rc = "cbr";
  uint32_t gop = 30;
  std::string preset = "veryfast";
  std::string source = "testpattern";
  std::optional<std::string> audio;
  std::string audio_source = "tone";
  uint32_t audio_rate = 0;
  bool fast = false;
  uint32_t sensor_id = 0;
  uint32_t encoder_device = 0;
  uint32_t queue_frames = 4;
};

Result<recorder::RecorderConfig> recorder_config(const RecorderKeywords& k) {
  recorder::RecorderConfig c;
  c.width = k.width;
  c.height = k.height;
  if (k.fps_num == 0 || k.fps_den == 0) return make_error(Errc::invalid_argument, "fps must be > 0");
  c.fps_num = k.fps_num;
  c.fps_den = k.fps_den;
  CAMREC_ASSIGN_OR_RETURN(c.video_codec, codec_from_name(k.codec));
  const std::string profile = k.profile.value_or("main");
  if (c.video_codec == Codec::h264) {
    if (profile == "baseline")
      c.profile = media::H264_PROFILE_BASELINE;
    else if (profile == "main")
      c.profile = media::H264_PROFILE_MAIN;
    else if (profile == "high")
      c.profile = media::H264_PROFILE_HIGH;
    else
      return make_error(Errc::invalid_argument, "profile for h264: 'baseline', 'main' or 'high'");
  } else if (c.video_codec == Codec::h265) {
    if (profile != "main") return make_error(Errc::invalid_argument, "profile for h265: 'main'");
    c.profile = media::H265_PROFILE_MAIN;
  } else {
    return make_error(Errc::invalid_argument, "codec must be 'h264' or 'h265'");
  }
  c.bitrate_kbps = k.bitrate;
  if (k.rc == "cbr")
    c.rate_control = media::RateControl::cbr;
  else if (k.rc == "vbr")
    c.rate_control = media::RateControl::vbr;
  else if (k.rc == "fixqp")
    c.rate_control = media::RateControl::fixqp;
  else
    return make_error(Errc::invalid_argument, "rc must be 'cbr', 'vbr' or 'fixqp'");
  c.gop = k.gop;
  c.preset = k.preset;
  c.source = k.source;
  c.paced = !k.fast;
  if (k.audio) {
    if (*k.audio == "g711u")
      c.audio = media::AudioCodec::g711u;
    else if (*k.audio == "g711a")
      c.audio = media::AudioCodec::g711a;
    else if (*k.audio == "opus")
      c.audio = media::AudioCodec::opus;
    else if (*k.audio == "aac")
      c.audio = media::AudioCodec::aac;
    else
      return make_error(Errc::invalid_argument, "audio must be None, 'g711u', 'g711a', 'opus' or 'aac'");
  }
  c.audio_source = k.audio_source;
  c.sensor_id = k.sensor_id;
  c.encoder_device = k.encoder_device;
  c.queue_frames = k.queue_frames;  // Recorder::create refuses 0 and more than 64
  const bool g711 = c.audio == media::AudioCodec::g711u || c.audio == media::AudioCodec::g711a;
  c.audio_rate = k.audio_rate ? k.audio_rate : (c.audio && !g711 ? 48000 : 8000);
  if (k.duration_us < 0) return make_error(Errc::invalid_argument, "duration_us must be >= 0");
  c.max_frames = k.duration_us > 0 ? 0 : k.frames;
  c.max_duration_us = k.duration_us;
  return c;
}

class RecorderObject {
 public:
  RecorderObject(const std::string& output, const RecorderKeywords& keywords, const OutputKeywords& out) {
    recorder::RecorderConfig config = take(recorder_config(keywords));
    MuxerOptions options = take(muxer_options(out));
    // The file is created only once the sources and encoders took the config.
    auto make_writer = [&]() -> Result<std::unique_ptr<MediaWriter>> {
      CAMREC_ASSIGN_OR_RETURN(auto muxer, Muxer::create_file(output, options));
      return std::unique_ptr<MediaWriter>(std::move(muxer));
    };
    recorder_ = take_unlocked([&] { return recorder::Recorder::create(config, make_writer); });
  }

  void start() {
    check_unlocked([&] { return recorder_->start(); });
    started_ = true;
  }

  bool process(int timeout_ms) {
    Status s;
    {
      py::gil_scoped_release unlocked;
      s = recorder_->process(timeout_ms);
    }
    if (s.code() == Errc::end_of_stream) return false;
    if (s.code() == Errc::timeout) return true;
    check(s);
    return true;
  }

  void stop() {
    Status s;
    {
      py::gil_scoped_release unlocked;
      s = recorder_->stop();
    }
    stopped_ = true;
    check(s);
  }

  void run() {
    if (!started_) start();
    // Short waits so Ctrl-C (a Python signal handler) is seen within half a second; the
    // file is closed before the KeyboardInterrupt goes on.
    while (true) {
      bool more = false;
      try {
        more = process(500);
      } catch (...) {
        stop_quietly();
        throw;
      }
      if (PyErr_CheckSignals() != 0) {
        py::error_already_set interrupted;  // takes the pending KeyboardInterrupt
        stop_quietly();
        throw interrupted;
      }
      if (!more) break;
    }
    stop();
  }

  // Raises like every other call; the recording goes on unchanged after a refusal.
  void reconfigure_video(uint32_t width, uint32_t height, uint32_t bitrate) {
    check(recorder_->reconfigure_video(width, height, bitrate));
  }

  recorder::RecorderStats stats() const { return recorder_->stats(); }
  bool stopped() const { return stopped_; }

  void stop_quietly() {
    py::gil_scoped_release unlocked;
    (void)recorder_->stop();
    stopped_ = true;
  }

 private:
  std::unique_ptr<recorder::Recorder> recorder_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace

void bind_recorder(py::module_& m) {
  py::class_<RecorderObject>(m, "Recorder",
                             "Records a camera (or test pattern, or file) to MP4, as `camrec record` does.")
      .def(py::init([](const std::filesystem::path& output, uint64_t frames, int64_t duration_us, uint32_t width,
                       uint32_t height, uint32_t fps, uint32_t fps_den, const std::string& codec,
                       std::optional<std::string> profile, uint32_t bitrate, const std::string& rc, uint32_t gop,
                       const std::string& preset, const std::string& source, std::optional<std::string> audio,
                       const std::string& audio_source, uint32_t audio_rate, bool fast, bool fragmented, bool faststart,
                       bool cmaf, int64_t fragment_duration_us, int64_t max_fragment_duration_us,
                       const std::string& fsync, int64_t fsync_interval_us, uint32_t sensor_id,
                       uint32_t encoder_device, uint32_t queue_frames) {
             RecorderKeywords k{frames,       duration_us, width, height,    fps,           fps_den, codec,
                                profile,      bitrate,     rc,    gop,       preset,        source,  audio,
                                audio_source, audio_rate,  fast,  sensor_id, encoder_device, queue_frames};
             OutputKeywords o{fragmented, faststart,        cmaf, fragment_duration_us, max_fragment_duration_us,
                              fsync,      fsync_interval_us};
             return new RecorderObject(output.string(), k, o);
           }),
           py::arg("output") = "test.mp4", py::kw_only(), py::arg("frames") = 200, py::arg("duration_us") = 0,
           py::arg("width") = 1280, py::arg("height") = 720, py::arg("fps") = 30, py::arg("fps_den") = 1,
           py::arg("codec") = "h264", py::arg("profile") = py::none(), py::arg("bitrate") = 4000, py::arg("rc") = "cbr",
           py::arg("gop") = 30, py::arg("preset") = "veryfast", py::arg("source") = "testpattern",
           py::arg("audio") = py::none(), py::arg("audio_source") = "tone", py::arg("audio_rate") = 0,
           py::arg("fast") = false, py::arg("fragmented") = false, py::arg("faststart") = false,
           py::arg("cmaf") = false, py::arg("fragment_duration_us") = 0,
           py::arg("max_fragment_duration_us") = 1'000'000, py::arg("fsync") = "never",
           py::arg("fsync_interval_us") = 1'000'000, py::arg("sensor_id") = 0, py::arg("encoder_device") = 0,
           py::arg("queue_frames") = 4)
      .def("start", &RecorderObject::start, "Starts capture and encoding.")
      .def("process", &RecorderObject::process, py::arg("timeout_ms") = 2000,
           "Writes the next frame and the audio captured meanwhile; False once a limit or the source's end is reached.")
      .def("stop", &RecorderObject::stop, "Drains the encoder and closes the file; idempotent.")
      .def("reconfigure_video", &RecorderObject::reconfigure_video, py::arg("width"), py::arg("height"),
           py::arg("bitrate"),
           "Changes the picture size and bitrate (kbit/s) while recording: the file switches at a key frame "
           "with a second sample description. One change at a time: a second call before the first reached "
           "the encoder raises wrong_state.")
      .def("run", &RecorderObject::run,
           "start() if needed, process() until the end, stop(). Ctrl-C closes the file, then raises KeyboardInterrupt.")
      .def_property_readonly("stopped", &RecorderObject::stopped)
      .def_property_readonly("frames_written", [](const RecorderObject& r) { return r.stats().frames_written; })
      .def_property_readonly("frames_dropped", [](const RecorderObject& r) { return r.stats().frames_dropped; })
      .def_property_readonly("audio_packets", [](const RecorderObject& r) { return r.stats().audio_packets; })
      .def_property_readonly("bytes", [](const RecorderObject& r) { return r.stats().bytes; })
      .def_property_readonly("audio_overruns", [](const RecorderObject& r) { return r.stats().audio_overruns; })
      .def_property_readonly(
          "duration_us",
          [](const RecorderObject& r) {
            auto s = r.stats();
            return s.first_pts_us < 0 ? int64_t{0} : s.last_pts_us - s.first_pts_us;
          },
          "Capture time from the first to the latest frame taken, µs.")
      .def("__enter__",
           [](py::object self) {
             self.cast<RecorderObject&>().start();
             return self;
           })
      .def("__exit__", [](RecorderObject& r, py::object type, py::object, py::object) {
        // On an exception the file is still closed; that exception wins over a close error.
        if (type.is_none())
          r.stop();
        else
          r.stop_quietly();
      });
}

}  // namespace camrec::python
