// The K230 tutorial's vi_bind_venc_mp4_test, step for step in C++: sensor -> link ->
// encoder -> GetStream loop -> kd_mp4_write_frame, the HEADER pack glued to the first I
// frame, 200 frames.
//   example_record_mp4 [OUTPUT.mp4] [h264|h265] [fmp4 0|1] [FRAMES]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "media/encoder.h"
#include "media/media_manager.h"
#include "media/sensor.h"
#include "mp4_format.h"

using namespace camrec::media;

namespace {

constexpr uint32_t ALIGN_UP(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }

int fail(const char* what, const camrec::Status& s) {
  std::fprintf(stderr, "%s failed: %s\n", what, s.to_string().c_str());
  return 1;
}

// Initialise the MP4 muxer.
KD_HANDLE mp4_muxer_init(const char* file_name, bool fmp4_flag) {
  k_mp4_config_s mp4_cfg;
  std::memset(&mp4_cfg, 0, sizeof mp4_cfg);
  mp4_cfg.config_type = K_MP4_CONFIG_MUXER;
  std::strncpy(mp4_cfg.muxer_config.file_name, file_name, sizeof mp4_cfg.muxer_config.file_name - 1);
  mp4_cfg.muxer_config.fmp4_flag = fmp4_flag;
  KD_HANDLE handle = nullptr;
  if (kd_mp4_create(&handle, &mp4_cfg)) {
    std::fprintf(stderr, "kd_mp4_create failed: %s\n", kd_mp4_error_message());
    return nullptr;
  }
  return handle;
}

// Create the video track.
KD_HANDLE mp4_muxer_create_video_track(KD_HANDLE mp4_handle, uint32_t width, uint32_t height,
                                       k_mp4_codec_id_e video_payload_type) {
  k_mp4_track_info_s video_track_info;
  std::memset(&video_track_info, 0, sizeof video_track_info);
  video_track_info.track_type = K_MP4_STREAM_VIDEO;
  video_track_info.time_scale = 1000;
  video_track_info.video_info.width = width;
  video_track_info.video_info.height = height;
  video_track_info.video_info.codec_id = video_payload_type;
  KD_HANDLE video_track_handle = nullptr;
  if (kd_mp4_create_track(mp4_handle, &video_track_handle, &video_track_info)) {
    std::fprintf(stderr, "kd_mp4_create_track failed: %s\n", kd_mp4_error_message());
    return nullptr;
  }
  return video_track_handle;
}

}  // namespace

int main(int argc, char** argv) {
  const char* file_name = argc > 1 ? argv[1] : "test.mp4";
  const bool h265 = argc > 2 && std::string(argv[2]) == "h265";
  const bool fmp4_flag = argc > 3 && std::atoi(argv[3]) != 0;
  const int max_frames = argc > 4 ? std::atoi(argv[4]) : 200;
  std::printf("venc_test start\n");
  const uint32_t venc_chn = VENC_CHN_ID_0;
  const uint32_t width = ALIGN_UP(1280, 16), height = 720;

  KD_HANDLE mp4_handle = mp4_muxer_init(file_name, fmp4_flag);
  if (!mp4_handle) return 1;
  k_mp4_codec_id_e video_payload_type = h265 ? K_MP4_CODEC_ID_H265 : K_MP4_CODEC_ID_H264;
  KD_HANDLE mp4_video_track_handle = mp4_muxer_create_video_track(mp4_handle, width, height, video_payload_type);
  if (!mp4_video_track_handle) return 1;

  // The camera (a test pattern when the machine has none).
  auto sensor = Sensor::create(SensorConfig{});
  if (!sensor) return fail("Sensor", sensor.error());
  (void)(*sensor)->reset();
  if (auto s = (*sensor)->set_framesize(width, height, 0, 12); !s.is_ok()) return fail("set_framesize", s);
  if (auto s = (*sensor)->set_pixformat(Sensor::YUV420SP); !s.is_ok()) return fail("set_pixformat", s);

  auto encoder = Encoder::create();
  if (!encoder) return fail("Encoder", encoder.error());
  if (auto s = (*encoder)->SetOutBufs(venc_chn, 8, width, height); !s.is_ok()) return fail("SetOutBufs", s);

  // Bind the sensor to the encoder.
  auto link = MediaManager::link((*sensor)->bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, venc_chn});
  if (!link) return fail("MediaManager::link", link.error());
  (void)MediaManager::init();

  ChnAttr chnAttr = h265 ? ChnAttrStr(PAYLOAD_TYPE_H265, H265_PROFILE_MAIN, width, height)
                         : ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, width, height);
  if (auto s = (*encoder)->Create(venc_chn, chnAttr); !s.is_ok()) return fail("Create", s);
  if (auto s = (*encoder)->Start(venc_chn); !s.is_ok()) return fail("Start", s);
  if (auto s = (*sensor)->run(); !s.is_ok()) return fail("run", s);

  std::printf("saving video to %s\n", file_name);
  std::vector<uint8_t> save_idr;
  int64_t video_start_timestamp = 0;
  bool get_first_I_frame = false;
  int frame_count = 0;
  int ret = 0;
  StreamData streamData;
  k_mp4_frame_data_s frame_data;
  while (frame_count < max_frames) {
    if (auto s = (*encoder)->GetStream(venc_chn, streamData); !s.is_ok()) {
      ret = fail("GetStream", s);
      break;
    }
    for (uint32_t pack = 0; pack < streamData.pack_cnt; ++pack) {
      uint32_t stream_type = streamData.stream_type[pack];
      std::memset(&frame_data, 0, sizeof frame_data);
      frame_data.codec_id = video_payload_type;
      if (!get_first_I_frame) {
        // The first frame must be a key frame, with the HEADER pack glued in front of it.
        if (stream_type == STREAM_TYPE_HEADER) {
          save_idr.insert(save_idr.end(), streamData.data[pack], streamData.data[pack] + streamData.data_size[pack]);
          continue;
        }
        if (stream_type != STREAM_TYPE_I) continue;
        get_first_I_frame = true;
        video_start_timestamp = streamData.pts[pack];
        save_idr.insert(save_idr.end(), streamData.data[pack], streamData.data[pack] + streamData.data_size[pack]);
        frame_data.data = save_idr.data();
        frame_data.data_length = static_cast<uint32_t>(save_idr.size());
      } else if (stream_type == STREAM_TYPE_HEADER) {
        // Later GOPs: camrec keeps the parameter sets with the key frame too.
        save_idr.assign(streamData.data[pack], streamData.data[pack] + streamData.data_size[pack]);
        continue;
      } else if (stream_type == STREAM_TYPE_I && !save_idr.empty()) {
        save_idr.insert(save_idr.end(), streamData.data[pack], streamData.data[pack] + streamData.data_size[pack]);
        frame_data.data = save_idr.data();
        frame_data.data_length = static_cast<uint32_t>(save_idr.size());
      } else {
        frame_data.data = const_cast<uint8_t*>(streamData.data[pack]);
        frame_data.data_length = streamData.data_size[pack];
      }
      frame_data.time_stamp = static_cast<uint64_t>(streamData.pts[pack] - video_start_timestamp);
      if (kd_mp4_write_frame(mp4_handle, mp4_video_track_handle, &frame_data)) {
        std::fprintf(stderr, "kd_mp4_write_frame failed: %s\n", kd_mp4_error_message());
        ret = 1;
      }
      save_idr.clear();
      ++frame_count;
    }
    (void)(*encoder)->ReleaseStream(venc_chn, streamData);
    if (ret) break;
  }

  (void)(*sensor)->stop();
  link->reset();  // K230: del link
  (void)(*encoder)->Stop(venc_chn);
  (void)(*encoder)->Destroy(venc_chn);
  (void)MediaManager::deinit();
  kd_mp4_destroy_tracks(mp4_handle);
  if (kd_mp4_destroy(mp4_handle)) {
    std::fprintf(stderr, "kd_mp4_destroy failed: %s\n", kd_mp4_error_message());
    ret = 1;
  }
  std::printf("recording done: %d frames\n", frame_count);
  return ret;
}
