// SPDX-License-Identifier: LGPL-2.1-or-later
// The K230 tutorial's recording flow from outside the camrec tree, with only the installed
// headers: Sensor -> Encoder -> MediaManager::link -> GetStream -> kd_mp4_write_frame (the
// HEADER pack glued to the first I frame, as the tutorial does), then the one-object
// Mp4Container with G.711 audio.
// Usage: k230_record FRAMES SENSOR.mp4 CONTAINER.mp4
#include <camrec/media/encoder.h>
#include <camrec/media/media_manager.h>
#include <camrec/media/sensor.h>
#include <camrec/recorder/mp4_container.h>
#include <mp4_format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace camrec::media;

namespace {

bool failed(const char* what, const camrec::Status& s) {
  if (s.is_ok()) return false;
  std::fprintf(stderr, "k230_record: %s: %s\n", what, s.to_string().c_str());
  return true;
}

bool failed(const char* what, int ret) {
  if (ret == 0) return false;
  std::fprintf(stderr, "k230_record: %s: %s\n", what, kd_mp4_error_message());
  return true;
}

// Records `frames` frames of the test pattern at 320x240 H.264 into `file` through the C API.
int record_sensor(int frames, const char* file) {
  const uint32_t width = 320, height = 240, chn = VENC_CHN_ID_0;
  SensorConfig config;
  config.source_options.paced = false;  // as fast as the encoder takes them
  config.source_options.max_frames = static_cast<uint64_t>(frames);
  auto sensor = Sensor::create(config);
  if (failed("Sensor::create", sensor.status())) return 1;
  if (failed("set_framesize", (*sensor)->set_framesize(width, height)) ||
      failed("set_pixformat", (*sensor)->set_pixformat(Sensor::YUV420SP)))
    return 1;
  auto encoder = Encoder::create();
  if (failed("Encoder::create", encoder.status())) return 1;
  Encoder& venc = **encoder;
  if (failed("SetOutBufs", venc.SetOutBufs(chn, 8, width, height)) ||
      failed("Create", venc.Create(chn, ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, width, height))) ||
      failed("Start", venc.Start(chn)))
    return 1;
  // An unpaced source loses nothing: the link makes it wait for the encoder.
  LinkOptions options;
  options.overflow = OverflowPolicy::block;
  options.send_timeout_ms = -1;
  auto link = MediaManager::link((*sensor)->bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, chn}, options);
  if (failed("MediaManager::link", link.status())) return 1;

  KD_HANDLE mp4 = nullptr, track = nullptr;
  k_mp4_config_s cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.config_type = K_MP4_CONFIG_MUXER;
  std::snprintf(cfg.muxer_config.file_name, sizeof cfg.muxer_config.file_name, "%s", file);
  if (failed("kd_mp4_create", kd_mp4_create(&mp4, &cfg))) return 1;
  k_mp4_track_info_s info;
  std::memset(&info, 0, sizeof info);
  info.track_type = K_MP4_STREAM_VIDEO;
  info.time_scale = 1000;
  info.video_info.width = width;
  info.video_info.height = height;
  info.video_info.codec_id = K_MP4_CODEC_ID_H264;
  if (failed("kd_mp4_create_track", kd_mp4_create_track(mp4, &track, &info))) return 1;

  if (failed("run", (*sensor)->run())) return 1;
  std::vector<uint8_t> first;  // HEADER + first I frame
  int64_t start_pts = -1;
  int written = 0, ret = 0;
  for (;;) {
    StreamData stream;
    camrec::Status s = venc.GetStream(chn, stream, 5000);
    if (s.code() == camrec::Errc::end_of_stream) break;  // the source's frames are all coded
    if (failed("GetStream", s)) {
      ret = 1;
      break;
    }
    for (uint32_t i = 0; i < stream.pack_cnt && ret == 0; ++i) {
      const uint32_t type = stream.stream_type[i];
      if (start_pts < 0 && type != STREAM_TYPE_I) {
        if (type == STREAM_TYPE_HEADER) first.insert(first.end(), stream.data[i], stream.data[i] + stream.data_size[i]);
        continue;
      }
      k_mp4_frame_data_s frame;
      std::memset(&frame, 0, sizeof frame);
      frame.codec_id = K_MP4_CODEC_ID_H264;
      if (start_pts < 0) {
        start_pts = stream.pts[i];
        first.insert(first.end(), stream.data[i], stream.data[i] + stream.data_size[i]);
        frame.data = first.data();
        frame.data_length = static_cast<uint32_t>(first.size());
      } else {
        frame.data = const_cast<uint8_t*>(stream.data[i]);
        frame.data_length = stream.data_size[i];
      }
      frame.time_stamp = static_cast<uint64_t>(stream.pts[i] - start_pts);  // µs
      if (failed("kd_mp4_write_frame", kd_mp4_write_frame(mp4, track, &frame))) ret = 1;
      ++written;
    }
    (void)venc.ReleaseStream(chn, stream);
    if (ret != 0) break;
  }
  (void)(*sensor)->stop();
  (*link)->close();
  if (failed("Stop", venc.Stop(chn)) || failed("Destroy", venc.Destroy(chn))) ret = 1;
  kd_mp4_destroy_tracks(mp4);
  if (failed("kd_mp4_destroy", kd_mp4_destroy(mp4))) ret = 1;
  std::printf("sensor: %d of %d frames written to %s\n", written, frames, file);
  return ret == 0 && written == frames ? 0 : 1;
}

// Records `frames` frames with the Mp4Container: H.264 + G.711 µ-law, as fast as it can.
int record_container(int frames, const char* file) {
  using camrec::recorder::Mp4CfgStr;
  using camrec::recorder::Mp4Container;
  Mp4Container container;
  Mp4CfgStr cfg(Mp4Container::MP4_CONFIG_TYPE_MUXER);
  cfg.SetMuxerCfg(file, Mp4Container::MP4_CODEC_ID_H264, 320, 240, Mp4Container::MP4_CODEC_ID_G711U);
  cfg.paced = false;
  if (failed("Mp4Container::Create", container.Create(cfg)) || failed("Mp4Container::Start", container.Start()))
    return 1;
  for (int i = 0; i < frames; ++i)
    if (failed("Mp4Container::Process", container.Process())) return 1;
  if (failed("Mp4Container::Stop", container.Stop())) return 1;
  const uint64_t written = container.stats().frames_written;
  if (failed("Mp4Container::Destroy", container.Destroy())) return 1;
  std::printf("container: %llu frames written to %s\n", static_cast<unsigned long long>(written), file);
  return written >= static_cast<uint64_t>(frames) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || std::atoi(argv[1]) <= 0) {
    std::fprintf(stderr, "usage: k230_record FRAMES SENSOR.mp4 CONTAINER.mp4\n");
    return 2;
  }
  const int frames = std::atoi(argv[1]);
  if (record_sensor(frames, argv[2]) != 0) return 1;
  return record_container(frames, argv[3]);
}
