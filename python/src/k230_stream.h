// SPDX-License-Identifier: LGPL-2.1-or-later
// An encoder stream as Python holds it. Encoder packs are handed to Python as real addresses
// (StreamData.data[i] on the board). A Stream knows whether its memory is still alive (not
// released, channel not destroyed, encoder not gone); every read or write through it checks
// that first and refuses otherwise. A pack being written on another thread (GIL released) is
// pinned, and ReleaseStream refuses while it is.
#pragma once

#include <array>
#include <memory>

#include "bindings.h"
#include "camrec/media/encoder.h"

namespace camrec::python {

using media::Encoder;
using media::StreamData;

/// Liveness of an encoder's channels, shared with the Streams taken from it. Touched only
/// with the GIL held.
struct ChannelLife {
  std::array<uint64_t, Encoder::kMaxChannels> epoch{};  ///< Bumped when a channel's memory goes.
  bool encoder_gone = false;
};

/// One GetStream result and the liveness of its memory.
class StreamObject {
 public:
  StreamObject(std::shared_ptr<Encoder> encoder, std::shared_ptr<ChannelLife> life, uint32_t chn)
      : encoder_(std::move(encoder)), life_(std::move(life)), chn_(chn), epoch_(life_->epoch[chn]) {}

  /// True while the packs' memory is valid.
  bool alive() const { return !released_ && !life_->encoder_gone && life_->epoch[chn_] == epoch_ && data_.handle != 0; }

  /// Throws unless pack `i` is alive and [offset, offset + length) lies inside it.
  const uint8_t* checked(uint32_t i, uint64_t offset, uint64_t length) const {
    if (!alive())
      throw StatusError{make_error(Errc::wrong_state,
                                   "this encoder stream was released (or its channel destroyed): its addresses are no "
                                   "longer valid; use the data before ReleaseStream")};
    if (i >= data_.pack_cnt)
      throw StatusError{make_error(
          Errc::invalid_argument,
          "pack " + std::to_string(i) + " does not exist (the stream has " + std::to_string(data_.pack_cnt) + ")")};
    if (offset > data_.data_size[i] || length > data_.data_size[i] - offset)
      throw StatusError{make_error(Errc::invalid_argument, "range passes the end of pack " + std::to_string(i))};
    return data_.data[i] + offset;
  }

  py::bytes read(uint32_t i, uint64_t offset, uint64_t length) const {
    const uint8_t* p = checked(i, offset, length);
    return py::bytes(reinterpret_cast<const char*>(p), length);
  }

  void release() {
    if (released_)
      throw StatusError{make_error(Errc::invalid_argument, "ReleaseStream: this stream was already released")};
    if (pins_ > 0)
      throw StatusError{
          make_error(Errc::wrong_state, "ReleaseStream: a pack of this stream is being written on another thread")};
    if (!alive()) {  // its channel is gone: nothing left to give back
      released_ = true;
      return;
    }
    Status s = encoder_->ReleaseStream(chn_, data_);
    released_ = true;
    check(s);
  }

  StreamData& data() { return data_; }
  const StreamData& data() const { return data_; }
  uint32_t chn() const { return chn_; }
  bool released() const { return released_; }
  void pin() { ++pins_; }
  void unpin() { --pins_; }

 private:
  std::shared_ptr<Encoder> encoder_;
  std::shared_ptr<ChannelLife> life_;
  uint32_t chn_;
  uint64_t epoch_;
  StreamData data_;
  bool released_ = false;
  int pins_ = 0;
};

}  // namespace camrec::python
