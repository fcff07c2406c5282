// SPDX-License-Identifier: LGPL-2.1-or-later
// The K230 media objects for the CanMV compatibility modules (camrec/canmv/modules): Sensor,
// Encoder with its streams, MediaManager links and Mp4Container, each a thin wrapper.
#include <pybind11/stl.h>

#include <array>
#include <memory>

#include "bindings.h"
#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "camrec/recorder/mp4_container.h"
#include "k230_stream.h"

namespace camrec::python {

namespace {

class EncoderObject {
 public:
  explicit EncoderObject(uint32_t dev) : encoder_(take(Encoder::create(dev))), life_(std::make_shared<ChannelLife>()) {}
  ~EncoderObject() { life_->encoder_gone = true; }

  void Destroy(uint32_t chn) {
    Status s;
    {
      py::gil_scoped_release unlocked;
      s = encoder_->Destroy(chn);
    }
    // Whatever Destroy says, streams taken before it must not be trusted any more.
    if (chn < Encoder::kMaxChannels) ++life_->epoch[chn];
    check(s);
  }

  std::shared_ptr<StreamObject> GetStream(uint32_t chn, int timeout_ms) {
    auto stream = std::make_shared<StreamObject>(encoder_, life_, chn < Encoder::kMaxChannels ? chn : 0);
    check_unlocked([&] { return encoder_->GetStream(chn, stream->data(), timeout_ms); });
    return stream;
  }

  void ReleaseStream(uint32_t chn, StreamObject& stream) {
    if (stream.chn() != chn)
      throw StatusError{make_error(Errc::invalid_argument, "ReleaseStream: the stream came from channel " +
                                                               std::to_string(stream.chn()) + ", not " +
                                                               std::to_string(chn))};
    stream.release();
  }

  Encoder& encoder() { return *encoder_; }

 private:
  std::shared_ptr<Encoder> encoder_;
  std::shared_ptr<ChannelLife> life_;
};

py::tuple endpoint_tuple(const media::Endpoint& e) { return py::make_tuple(e.mod, e.dev, e.chn); }

media::Endpoint endpoint_of(const py::tuple& t) {
  if (t.size() != 3)
    throw StatusError{make_error(Errc::invalid_argument, "an endpoint is a (module id, device, channel) tuple")};
  return {t[0].cast<uint32_t>(), t[1].cast<uint32_t>(), t[2].cast<uint32_t>()};
}

}  // namespace

void bind_k230_media(py::module_& k) {
  k.attr("CAMERA_MOD_ID") = media::CAMERA_MOD_ID;
  k.attr("VIDEO_ENCODE_MOD_ID") = media::VIDEO_ENCODE_MOD_ID;
  k.attr("AUDIO_IN_MOD_ID") = media::AUDIO_IN_MOD_ID;
  k.attr("AUDIO_ENCODE_MOD_ID") = media::AUDIO_ENCODE_MOD_ID;
  k.attr("VENC_DEV_ID") = media::VENC_DEV_ID;
  k.attr("PAYLOAD_TYPE_H264") = media::PAYLOAD_TYPE_H264;
  k.attr("PAYLOAD_TYPE_H265") = media::PAYLOAD_TYPE_H265;
  k.attr("PAYLOAD_TYPE_JPEG") = media::PAYLOAD_TYPE_JPEG;
  k.attr("H264_PROFILE_BASELINE") = media::H264_PROFILE_BASELINE;
  k.attr("H264_PROFILE_MAIN") = media::H264_PROFILE_MAIN;
  k.attr("H264_PROFILE_HIGH") = media::H264_PROFILE_HIGH;
  k.attr("H265_PROFILE_MAIN") = media::H265_PROFILE_MAIN;
  k.attr("STREAM_TYPE_P") = media::STREAM_TYPE_P;
  k.attr("STREAM_TYPE_I") = media::STREAM_TYPE_I;
  k.attr("STREAM_TYPE_HEADER") = media::STREAM_TYPE_HEADER;
  k.attr("MAX_PACKS") = media::kMaxPacks;
  k.attr("PIXFORMAT_YUV420SP") = static_cast<int>(media::PixelFormat::nv12);
  k.attr("PIXFORMAT_I420") = static_cast<int>(media::PixelFormat::i420);
  k.attr("PIXFORMAT_GRAYSCALE") = static_cast<int>(media::PixelFormat::gray8);
  k.attr("PIXFORMAT_RGB888") = static_cast<int>(media::PixelFormat::rgb888);

  py::class_<media::Sensor, std::shared_ptr<media::Sensor>>(k, "Sensor")
      .def(py::init(
               [](uint32_t id, const std::string& source, uint32_t width, uint32_t height, uint32_t fps, bool paced) {
                 media::SensorConfig c;
                 c.id = id;
                 c.source = source;
                 c.source_options.width = width;
                 c.source_options.height = height;
                 c.source_options.fps_num = fps;
                 c.source_options.paced = paced;
                 return take_unlocked([&] { return media::Sensor::create(c); });
               }),
           py::arg("id") = 0, py::arg("source") = "testpattern", py::arg("width") = 1920, py::arg("height") = 1080,
           py::arg("fps") = 30, py::arg("paced") = true)
      .def("reset", [](media::Sensor& s) { check_unlocked([&] { return s.reset(); }); })
      .def(
          "set_framesize",
          [](media::Sensor& s, uint32_t width, uint32_t height, uint32_t chn, uint32_t alignment) {
            check(s.set_framesize(width, height, chn, alignment));
          },
          py::arg("width"), py::arg("height"), py::arg("chn") = 0, py::arg("alignment") = 0)
      .def(
          "set_pixformat",
          [](media::Sensor& s, int format, uint32_t chn) {
            if (format < 0 || format > static_cast<int>(media::PixelFormat::rgb888))
              throw StatusError{
                  make_error(Errc::invalid_argument, "set_pixformat: unknown pixel format " + std::to_string(format))};
            check(s.set_pixformat(static_cast<media::PixelFormat>(format), chn));
          },
          py::arg("format"), py::arg("chn") = 0)
      .def("run", [](media::Sensor& s) { check_unlocked([&] { return s.run(); }); })
      .def("stop", [](media::Sensor& s) { check_unlocked([&] { return s.stop(); }); })
      .def(
          "bind_info",
          [](const media::Sensor& s, uint32_t chn) {
            media::BindInfo b = take(s.bind_info(chn));
            py::dict d;
            d["src"] = endpoint_tuple(b.src);
            d["width"] = b.width;
            d["height"] = b.height;
            d["pix_format"] = static_cast<int>(b.format);
            return d;
          },
          py::arg("chn") = 0)
      .def(
          "snapshot",
          [](media::Sensor& s, uint32_t chn, int timeout_ms) {
            media::FramePtr f = take_unlocked([&] { return s.snapshot(chn, timeout_ms); });
            std::vector<uint8_t> packed;
            f->append_packed(packed);
            py::dict d;
            d["width"] = f->width();
            d["height"] = f->height();
            d["pix_format"] = static_cast<int>(f->format());
            d["pts_us"] = f->pts_us;
            d["data"] = py::bytes(reinterpret_cast<const char*>(packed.data()), packed.size());
            return d;
          },
          py::arg("chn") = 0, py::arg("timeout_ms") = 1000)
      .def_property_readonly("id", &media::Sensor::id);

  py::class_<media::ChnAttr>(k, "ChnAttr")
      .def(py::init([](uint32_t payload, uint32_t profile, uint32_t w, uint32_t h, uint32_t bit_rate, uint32_t gop,
                       uint32_t src_rate, uint32_t dst_rate) {
             return media::ChnAttrStr(payload, profile, w, h, bit_rate, gop, src_rate, dst_rate);
           }),
           py::arg("payload_type"), py::arg("profile"), py::arg("width"), py::arg("height"), py::arg("bit_rate") = 4000,
           py::arg("gop_len") = 30, py::arg("src_frame_rate") = 30, py::arg("dst_frame_rate") = 30)
      .def_readwrite("payload_type", &media::ChnAttr::payload_type)
      .def_readwrite("profile", &media::ChnAttr::profile)
      .def_readwrite("pic_width", &media::ChnAttr::pic_width)
      .def_readwrite("pic_height", &media::ChnAttr::pic_height)
      .def_readwrite("bit_rate", &media::ChnAttr::bit_rate)
      .def_readwrite("gop_len", &media::ChnAttr::gop_len)
      .def_readwrite("src_frame_rate", &media::ChnAttr::src_frame_rate)
      .def_readwrite("dst_frame_rate", &media::ChnAttr::dst_frame_rate);

  py::class_<StreamObject, std::shared_ptr<StreamObject>>(k, "Stream")
      .def_property_readonly("pack_cnt", [](const StreamObject& s) { return s.data().pack_cnt; })
      .def_property_readonly("alive", &StreamObject::alive)
      .def_property_readonly("released", &StreamObject::released)
      .def_property_readonly(
          "addresses",
          [](const StreamObject& s) {
            std::vector<uint64_t> v;
            for (uint32_t i = 0; i < s.data().pack_cnt; ++i) v.push_back(reinterpret_cast<uintptr_t>(s.data().data[i]));
            return v;
          },
          "Real address of each pack.")
      .def_property_readonly("sizes",
                             [](const StreamObject& s) {
                               return std::vector<uint32_t>(s.data().data_size.begin(),
                                                            s.data().data_size.begin() + s.data().pack_cnt);
                             })
      .def_property_readonly("types",
                             [](const StreamObject& s) {
                               return std::vector<uint32_t>(s.data().stream_type.begin(),
                                                            s.data().stream_type.begin() + s.data().pack_cnt);
                             })
      .def_property_readonly("pts",
                             [](const StreamObject& s) {
                               return std::vector<int64_t>(s.data().pts.begin(),
                                                           s.data().pts.begin() + s.data().pack_cnt);
                             })
      .def("read", &StreamObject::read, py::arg("pack"), py::arg("offset"), py::arg("length"),
           "A copy of bytes of a pack; refused once the stream is released.");

  py::class_<EncoderObject>(k, "Encoder")
      .def(py::init<uint32_t>(), py::arg("dev") = media::VENC_DEV_ID)
      .def(
          "SetOutBufs",
          [](EncoderObject& e, uint32_t chn, uint32_t n, uint32_t w, uint32_t h) {
            check(e.encoder().SetOutBufs(chn, n, w, h));
          },
          py::arg("chn"), py::arg("buf_num"), py::arg("width"), py::arg("height"))
      .def(
          "Create",
          [](EncoderObject& e, uint32_t chn, const media::ChnAttr& attr) {
            check_unlocked([&] { return e.encoder().Create(chn, attr); });
          },
          py::arg("chn"), py::arg("attr"))
      .def("Start", [](EncoderObject& e, uint32_t chn) { check_unlocked([&] { return e.encoder().Start(chn); }); })
      .def("Stop", [](EncoderObject& e, uint32_t chn) { check_unlocked([&] { return e.encoder().Stop(chn); }); })
      .def("Destroy", &EncoderObject::Destroy)
      .def("RequestIdr", [](EncoderObject& e, uint32_t chn) { check(e.encoder().RequestIdr(chn)); })
      .def("GetStream", &EncoderObject::GetStream, py::arg("chn"), py::arg("timeout_ms") = -1)
      .def("ReleaseStream", &EncoderObject::ReleaseStream, py::arg("chn"), py::arg("stream"));

  py::class_<media::Link>(k, "Link")
      .def("close",
           [](media::Link& l) {
             py::gil_scoped_release unlocked;
             l.close();
           })
      .def_property_readonly("src", [](const media::Link& l) { return endpoint_tuple(l.src()); })
      .def_property_readonly("dst", [](const media::Link& l) { return endpoint_tuple(l.dst()); })
      .def_property_readonly("stats", [](const media::Link& l) {
        media::LinkStats s = l.stats();
        py::dict d;
        d["offered"] = s.offered;
        d["delivered"] = s.delivered;
        d["dropped"] = s.dropped;
        d["failed"] = s.failed;
        return d;
      });

  k.def(
      "link",
      [](const py::tuple& src, const py::tuple& dst) {
        media::Endpoint s = endpoint_of(src), d = endpoint_of(dst);
        return take(media::MediaManager::link(s, d));
      },
      py::arg("src"), py::arg("dst"));
  k.def("media_init", [] { check(media::MediaManager::init()); });
  k.def("media_deinit", [] { check(media::MediaManager::deinit()); });

  py::class_<recorder::Mp4CfgStr>(k, "Mp4CfgStr")
      .def(py::init<int>(), py::arg("type"))
      .def("SetMuxerCfg", &recorder::Mp4CfgStr::SetMuxerCfg, py::arg("file_name"), py::arg("video_payload_type"),
           py::arg("width"), py::arg("height"), py::arg("audio_payload_type"), py::arg("fmp4_flag") = 0)
      .def_readwrite("type", &recorder::Mp4CfgStr::type)
      .def_readwrite("file_name", &recorder::Mp4CfgStr::file_name)
      .def_readwrite("video_payload_type", &recorder::Mp4CfgStr::video_payload_type)
      .def_readwrite("width", &recorder::Mp4CfgStr::width)
      .def_readwrite("height", &recorder::Mp4CfgStr::height)
      .def_readwrite("audio_payload_type", &recorder::Mp4CfgStr::audio_payload_type)
      .def_readwrite("fmp4_flag", &recorder::Mp4CfgStr::fmp4_flag)
      .def_readwrite("source", &recorder::Mp4CfgStr::source)
      .def_readwrite("audio_source", &recorder::Mp4CfgStr::audio_source)
      .def_readwrite("paced", &recorder::Mp4CfgStr::paced)
      .def_readwrite("queue_frames", &recorder::Mp4CfgStr::queue_frames);

  py::class_<recorder::Mp4Container>(k, "Mp4Container")
      .def(py::init<>())
      .def("Create", [](recorder::Mp4Container& c,
                        const recorder::Mp4CfgStr& cfg) { check_unlocked([&] { return c.Create(cfg); }); })
      .def("Start", [](recorder::Mp4Container& c) { check_unlocked([&] { return c.Start(); }); })
      .def("Process", [](recorder::Mp4Container& c) { check_unlocked([&] { return c.Process(); }); })
      .def("Stop", [](recorder::Mp4Container& c) { check_unlocked([&] { return c.Stop(); }); })
      .def("Destroy", [](recorder::Mp4Container& c) { check_unlocked([&] { return c.Destroy(); }); })
      .def_property_readonly("frames_written", [](const recorder::Mp4Container& c) { return c.stats().frames_written; })
      .def_property_readonly("audio_packets", [](const recorder::Mp4Container& c) { return c.stats().audio_packets; });
}

}  // namespace camrec::python
