// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/tee_writer.h"

namespace camrec::server {

TeeWriter::TeeWriter(std::unique_ptr<MediaWriter> primary, std::unique_ptr<MediaWriter> live, CurrentPath current_path)
    : primary_(std::move(primary)), live_(std::move(live)), current_path_fn_(std::move(current_path)) {
  live_on_ = live_ != nullptr;
}

Result<uint32_t> TeeWriter::add_video_track(const VideoTrackConfig& config) {
  CAMREC_ASSIGN_OR_RETURN(uint32_t index, primary_->add_video_track(config));
  live_track_.resize(index + 1);
  bool have_live_video = false;
  for (const auto& t : live_track_) have_live_video |= t.has_value();
  if (live_on_ && !have_live_video) {
    auto live_index = live_->add_video_track(config);
    if (live_index) live_track_[index] = *live_index;
    else live_failed(live_index.error());
  }
  return index;
}

Result<uint32_t> TeeWriter::add_audio_track(const AudioTrackConfig& config) {
  CAMREC_ASSIGN_OR_RETURN(uint32_t index, primary_->add_audio_track(config));
  live_track_.resize(index + 1);
  if (live_on_) {
    auto live_index = live_->add_audio_track(config);
    if (live_index) live_track_[index] = *live_index;
    // A codec the live view does not carry (G.711) leaves it with the video only.
    else if (live_index.error().code() != Errc::unsupported) live_failed(live_index.error());
  }
  return index;
}

Status TeeWriter::write(uint32_t track, const Packet& packet) {
  Status s = primary_->write(track, packet);
  if (current_path_fn_) {
    std::string path = current_path_fn_();
    std::lock_guard lock(mutex_);
    if (path != current_path_) current_path_ = std::move(path);
  }
  if (!s.is_ok() || !live_on_ || track >= live_track_.size() || !live_track_[track]) return s;
  Status live = live_->write(*live_track_[track], packet);
  if (!live.is_ok()) live_failed(live);
  return s;
}

Status TeeWriter::close() {
  Status s = primary_->close();
  // The live writer closes even after a failure: its viewers learn that the stream ended.
  if (live_) (void)live_->close();
  return s;
}

MuxerStats TeeWriter::stats() const { return primary_->stats(); }

std::string TeeWriter::current_path() const {
  std::lock_guard lock(mutex_);
  return current_path_;
}

Status TeeWriter::live_error() const {
  std::lock_guard lock(mutex_);
  return live_error_;
}

void TeeWriter::live_failed(const Status& error) {
  live_on_ = false;
  std::lock_guard lock(mutex_);
  live_error_ = error.with_context("live view stopped");
}

}  // namespace camrec::server
