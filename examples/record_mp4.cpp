// SPDX-License-Identifier: LGPL-2.1-or-later
// The K230 tutorial's vi_bind_venc_mp4_test, line for line in C++: sensor -> link -> encoder
// -> GetStream loop -> kd_mp4_write_frame. As in the tutorial, the HEADER pack (which the
// encoder hands out once, before the first I frame) is glued to that first I frame, every
// later stream is written as it comes, and 200 frames are counted after the first one: the
// file holds 201 frames.
//   example_record_mp4 [OUTPUT.mp4] [h264|h265] [fmp4 0|1] [FRAMES (default 200)]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "camrec/media/encoder.h"
#include "camrec/media/media_manager.h"
#include "camrec/media/sensor.h"
#include "mp4_format.h"

using namespace camrec::media;

namespace {

constexpr uint32_t ALIGN_UP(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }
constexpr uint32_t K_PT_H264 = PAYLOAD_TYPE_H264;
constexpr uint32_t K_PT_H265 = PAYLOAD_TYPE_H265;

// The tutorial raises OSError; here the message is printed and the recording ends the same way.
bool failed(const char* what, const camrec::Status& s) {
  if (s.is_ok()) return false;
  std::fprintf(stderr, "%s failed: %s\n", what, s.to_string().c_str());
  return true;
}

bool failed(const char* what, int ret) {
  if (ret == 0) return false;
  std::fprintf(stderr, "%s failed: %s\n", what, kd_mp4_error_message());
  return true;
}

// save_idr[idr_index:idr_index+size] = bytes: a Python slice assignment grows the buffer.
void save_idr_at(std::vector<uint8_t>& save_idr, size_t idr_index, const uint8_t* data, uint32_t size) {
  if (save_idr.size() < idr_index + size) save_idr.resize(idr_index + size);
  std::memcpy(save_idr.data() + idr_index, data, size);
}

// Initialise the MP4 muxer.
KD_HANDLE mp4_muxer_init(const char* file_name, bool fmp4_flag) {
  k_mp4_config_s mp4_cfg;
  std::memset(&mp4_cfg, 0, sizeof mp4_cfg);
  mp4_cfg.config_type = K_MP4_CONFIG_MUXER;
  std::strncpy(mp4_cfg.muxer_config.file_name, file_name, sizeof mp4_cfg.muxer_config.file_name - 1);
  mp4_cfg.muxer_config.fmp4_flag = fmp4_flag;
  KD_HANDLE handle = nullptr;
  if (failed("kd_mp4_create", kd_mp4_create(&handle, &mp4_cfg))) return nullptr;
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
  if (failed("kd_mp4_create_track", kd_mp4_create_track(mp4_handle, &video_track_handle, &video_track_info)))
    return nullptr;
  return video_track_handle;
}

// Record with sensor + encoder + MP4. Returns 0 when every step succeeded.
int vi_bind_venc_mp4_test(const char* file_name, uint32_t width = 1280, uint32_t height = 720,
                          uint32_t venc_payload_type = K_PT_H264, bool fmp4_flag = false, int frames = 200) {
  std::printf("venc_test start\n");
  const uint32_t venc_chn = VENC_CHN_ID_0;
  width = ALIGN_UP(width, 16);

  k_mp4_frame_data_s frame_data;
  std::memset(&frame_data, 0, sizeof frame_data);
  std::vector<uint8_t> save_idr(width * height * 3 / 4);
  size_t idr_index = 0;

  // Initialise the MP4 muxer.
  KD_HANDLE mp4_handle = mp4_muxer_init(file_name, fmp4_flag);
  if (!mp4_handle) return 1;

  // Create the video track.
  k_mp4_codec_id_e video_payload_type = venc_payload_type == K_PT_H264 ? K_MP4_CODEC_ID_H264 : K_MP4_CODEC_ID_H265;
  KD_HANDLE mp4_video_track_handle = mp4_muxer_create_video_track(mp4_handle, width, height, video_payload_type);
  if (!mp4_video_track_handle) return 1;

  // Initialise the camera (a test pattern on a machine without one).
  auto created = Sensor::create(SensorConfig{});
  if (failed("Sensor", created.status())) return 1;
  Sensor& sensor = **created;
  (void)sensor.reset();
  if (failed("set_framesize", sensor.set_framesize(width, height, 0, 12))) return 1;  // output size
  if (failed("set_pixformat", sensor.set_pixformat(Sensor::YUV420SP))) return 1;    // pixel format

  // Create the encoder and its output buffers.
  auto made = Encoder::create();
  if (failed("Encoder", made.status())) return 1;
  Encoder& encoder = **made;
  if (failed("SetOutBufs", encoder.SetOutBufs(venc_chn, 8, width, height))) return 1;

  // Bind the sensor to the encoder.
  auto link = MediaManager::link(sensor.bind_info()->src, {VIDEO_ENCODE_MOD_ID, VENC_DEV_ID, venc_chn});
  if (failed("MediaManager::link", link.status())) return 1;
  (void)MediaManager::init();

  // Encoder channel attributes.
  ChnAttr chnAttr = venc_payload_type == K_PT_H264 ? ChnAttrStr(PAYLOAD_TYPE_H264, H264_PROFILE_MAIN, width, height)
                                                   : ChnAttrStr(PAYLOAD_TYPE_H265, H265_PROFILE_MAIN, width, height);

  StreamData streamData;
  int ret = 0;
  if (failed("Create", encoder.Create(venc_chn, chnAttr)) || failed("Start", encoder.Start(venc_chn)) ||
      failed("run", sensor.run())) {
    ret = 1;
  }

  int frame_count = 0;
  std::printf("saving video to: %s\n", file_name);

  int64_t video_start_timestamp = 0;
  bool get_first_I_frame = false;

  while (ret == 0) {
    if (failed("GetStream", encoder.GetStream(venc_chn, streamData))) {  // one stream
      ret = 1;
      break;
    }
    uint32_t stream_type = streamData.stream_type[0];

    // Find the first key frame (IDR) and write it to the MP4 file.
    if (!get_first_I_frame) {
      if (stream_type == STREAM_TYPE_I) {
        get_first_I_frame = true;
        video_start_timestamp = streamData.pts[0];
        save_idr_at(save_idr, idr_index, streamData.data[0], streamData.data_size[0]);
        idr_index += streamData.data_size[0];

        frame_data.codec_id = video_payload_type;
        frame_data.data = save_idr.data();
        frame_data.data_length = static_cast<uint32_t>(idr_index);
        frame_data.time_stamp = static_cast<uint64_t>(streamData.pts[0] - video_start_timestamp);

        if (failed("kd_mp4_write_frame", kd_mp4_write_frame(mp4_handle, mp4_video_track_handle, &frame_data))) {
          ret = 1;
        }
        (void)encoder.ReleaseStream(venc_chn, streamData);
        continue;
      } else if (stream_type == STREAM_TYPE_HEADER) {
        save_idr_at(save_idr, idr_index, streamData.data[0], streamData.data_size[0]);
        idr_index += streamData.data_size[0];
        (void)encoder.ReleaseStream(venc_chn, streamData);
        continue;
      } else {
        (void)encoder.ReleaseStream(venc_chn, streamData);
        continue;
      }
    }

    // Write an ordinary video frame to the MP4 file.
    frame_data.codec_id = video_payload_type;
    frame_data.data = const_cast<uint8_t*>(streamData.data[0]);
    frame_data.data_length = streamData.data_size[0];
    frame_data.time_stamp = static_cast<uint64_t>(streamData.pts[0] - video_start_timestamp);

    if (failed("kd_mp4_write_frame", kd_mp4_write_frame(mp4_handle, mp4_video_track_handle, &frame_data))) {
      ret = 1;
      break;
    }

    (void)encoder.ReleaseStream(venc_chn, streamData);

    frame_count += 1;
    std::printf("frames = %d\n", frame_count);
    if (frame_count >= frames) break;
  }

  // Stop the sensor.
  (void)sensor.stop();
  // Unbind (K230: del link).
  link->reset();
  // Stop the encoder.
  (void)encoder.Stop(venc_chn);
  (void)encoder.Destroy(venc_chn);
  (void)MediaManager::deinit();

  // Free the MP4 resources.
  kd_mp4_destroy_tracks(mp4_handle);
  if (failed("kd_mp4_destroy", kd_mp4_destroy(mp4_handle))) ret = 1;
  std::printf("recording done: %d frames after the first I frame\n", frame_count);
  return ret;
}

}  // namespace

int main(int argc, char** argv) {
  const char* file_name = argc > 1 ? argv[1] : "test.mp4";
  const bool h265 = argc > 2 && std::string(argv[2]) == "h265";
  const bool fmp4_flag = argc > 3 && std::atoi(argv[3]) != 0;
  const int frames = argc > 4 ? std::atoi(argv[4]) : 200;
  return vi_bind_venc_mp4_test(file_name, 1280, 720, h265 ? K_PT_H265 : K_PT_H264, fmp4_flag, frames);
}
