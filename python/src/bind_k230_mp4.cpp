// SPDX-License-Identifier: LGPL-2.1-or-later
// The kd_mp4_* C functions for mpp.mp4_format. Structs cross as plain values (the Python
// module fills and reads its own struct objects); data crosses as a buffer or as a checked
// encoder pack, never as a raw address, and the GIL is released while a frame is written.
#include <pybind11/stl.h>

#include <cstring>

#include "bindings.h"
#include "k230_stream.h"
#include "mp4_format.h"

namespace camrec::python {

namespace {

KD_HANDLE handle_of(uint64_t value) { return reinterpret_cast<KD_HANDLE>(static_cast<uintptr_t>(value)); }
uint64_t value_of(KD_HANDLE handle) { return reinterpret_cast<uintptr_t>(handle); }

int write_frame(uint64_t mp4, uint64_t track, int codec_id, uint64_t time_stamp, const uint8_t* data, uint32_t length) {
  k_mp4_frame_data_s frame;
  std::memset(&frame, 0, sizeof frame);
  frame.codec_id = static_cast<k_mp4_codec_id_e>(codec_id);
  frame.time_stamp = time_stamp;
  frame.data = const_cast<uint8_t*>(data);
  frame.data_length = length;
  py::gil_scoped_release unlocked;
  return kd_mp4_write_frame(handle_of(mp4), handle_of(track), &frame);
}

}  // namespace

void bind_k230_mp4(py::module_& k) {
  k.def(
      "kd_mp4_create",
      [](int config_type, const py::bytes& file_name, int fmp4_flag) {
        k_mp4_config_s cfg;
        std::memset(&cfg, 0, sizeof cfg);
        cfg.config_type = static_cast<k_mp4_config_type_e>(config_type);
        std::string name = file_name;
        // The muxer and demuxer names share the union's first 128 bytes; one byte stays NUL.
        std::strncpy(cfg.muxer_config.file_name, name.c_str(), sizeof cfg.muxer_config.file_name - 1);
        cfg.muxer_config.fmp4_flag = static_cast<uint8_t>(fmp4_flag);
        KD_HANDLE handle = nullptr;
        int ret;
        {
          py::gil_scoped_release unlocked;
          ret = kd_mp4_create(&handle, &cfg);
        }
        return py::make_tuple(ret, value_of(handle));
      },
      py::arg("config_type"), py::arg("file_name"), py::arg("fmp4_flag") = 0);

  k.def(
      "kd_mp4_destroy",
      [](uint64_t mp4) {
        py::gil_scoped_release unlocked;
        return kd_mp4_destroy(handle_of(mp4));
      },
      py::arg("handle"));

  k.def("kd_mp4_create_track", [](uint64_t mp4, int track_type, uint32_t time_scale, uint32_t width, uint32_t height,
                                  uint32_t channels, uint32_t sample_rate, uint32_t bit_per_sample, int codec_id) {
    k_mp4_track_info_s info;
    std::memset(&info, 0, sizeof info);
    info.track_type = static_cast<k_mp4_track_type_e>(track_type);
    info.time_scale = time_scale;
    if (track_type == K_MP4_STREAM_VIDEO) {
      info.video_info.width = width;
      info.video_info.height = height;
      info.video_info.codec_id = static_cast<k_mp4_codec_id_e>(codec_id);
    } else {
      info.audio_info.channels = channels;
      info.audio_info.sample_rate = sample_rate;
      info.audio_info.bit_per_sample = bit_per_sample;
      info.audio_info.codec_id = static_cast<k_mp4_codec_id_e>(codec_id);
    }
    KD_HANDLE track = nullptr;
    int ret = kd_mp4_create_track(handle_of(mp4), &track, &info);
    uint32_t track_id = track_type == K_MP4_STREAM_VIDEO ? info.video_info.track_id : info.audio_info.track_id;
    return py::make_tuple(ret, value_of(track), track_id);
  });

  k.def("kd_mp4_destroy_tracks", [](uint64_t mp4) { return kd_mp4_destroy_tracks(handle_of(mp4)); });

  k.def(
      "kd_mp4_write_frame",
      [](uint64_t mp4, uint64_t track, int codec_id, uint64_t time_stamp, const py::buffer& data) {
        // The export pins the object: a bytearray cannot be resized while the GIL is released.
        py::buffer_info view = data.request();
        if (view.ndim != 1 || view.itemsize != 1 || view.size > UINT32_MAX)
          throw StatusError{
              make_error(Errc::invalid_argument, "kd_mp4_write_frame: data must be a flat byte buffer under 4 GiB")};
        return write_frame(mp4, track, codec_id, time_stamp, static_cast<const uint8_t*>(view.ptr),
                           static_cast<uint32_t>(view.size));
      },
      py::arg("handle"), py::arg("track"), py::arg("codec_id"), py::arg("time_stamp"), py::arg("data"));

  k.def(
      "kd_mp4_write_frame_pack",
      [](uint64_t mp4, uint64_t track, int codec_id, uint64_t time_stamp, StreamObject& stream, uint32_t pack,
         uint64_t offset, uint32_t length) {
        const uint8_t* data = stream.checked(pack, offset, length);
        stream.pin();
        int ret = write_frame(mp4, track, codec_id, time_stamp, data, length);
        stream.unpin();
        return ret;
      },
      py::arg("handle"), py::arg("track"), py::arg("codec_id"), py::arg("time_stamp"), py::arg("stream"),
      py::arg("pack"), py::arg("offset"), py::arg("length"));

  k.def("kd_mp4_get_file_info", [](uint64_t mp4) {
    k_mp4_file_info_s info;
    std::memset(&info, 0, sizeof info);
    int ret = kd_mp4_get_file_info(handle_of(mp4), &info);
    return py::make_tuple(ret, info.duration, info.track_num);
  });

  k.def("kd_mp4_get_track_by_index", [](uint64_t mp4, uint32_t index) {
    k_mp4_track_info_s info;
    std::memset(&info, 0, sizeof info);
    int ret = kd_mp4_get_track_by_index(handle_of(mp4), index, &info);
    py::dict d;
    d["track_type"] = static_cast<int>(info.track_type);
    d["time_scale"] = info.time_scale;
    if (info.track_type == K_MP4_STREAM_VIDEO) {
      d["width"] = info.video_info.width;
      d["height"] = info.video_info.height;
      d["track_id"] = info.video_info.track_id;
      d["codec_id"] = static_cast<int>(info.video_info.codec_id);
    } else {
      d["channels"] = info.audio_info.channels;
      d["sample_rate"] = info.audio_info.sample_rate;
      d["bit_per_sample"] = info.audio_info.bit_per_sample;
      d["track_id"] = info.audio_info.track_id;
      d["codec_id"] = static_cast<int>(info.audio_info.codec_id);
    }
    return py::make_tuple(ret, d);
  });

  k.def("kd_mp4_get_frame", [](uint64_t mp4) {
    k_mp4_frame_data_s frame;
    std::memset(&frame, 0, sizeof frame);
    int ret;
    {
      py::gil_scoped_release unlocked;
      ret = kd_mp4_get_frame(handle_of(mp4), &frame);
    }
    // A copy: the demuxer's buffer is reused by the next call, the bytes object is not.
    py::bytes data =
        ret == 0 && frame.data ? py::bytes(reinterpret_cast<const char*>(frame.data), frame.data_length) : py::bytes();
    return py::make_tuple(ret, static_cast<int>(frame.codec_id), frame.time_stamp, data, static_cast<int>(frame.eof));
  });

  k.def(
      "buffer_address",
      [](const py::buffer& obj) {
        py::buffer_info view = obj.request();
        if (view.ndim != 1 || view.itemsize != 1)
          throw StatusError{make_error(Errc::invalid_argument,
                                       "addressof: only flat byte buffers (bytes, bytearray) have an address here")};
        return py::make_tuple(reinterpret_cast<uintptr_t>(view.ptr), view.size);
      },
      py::arg("obj"), "(address, length) of a byte buffer's memory, for uctypes.addressof.");

  k.def("kd_mp4_error_message", [] { return std::string(kd_mp4_error_message()); });
}

}  // namespace camrec::python
