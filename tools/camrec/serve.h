// SPDX-License-Identifier: LGPL-2.1-or-later
// The live server as the CLI uses it: `camrec serve DIR` and `camrec record --serve`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "camrec/muxer.h"
#include "camrec/recorder/recorder.h"
#include "camrec/segments.h"
#include "cli_common.h"
#include "server/live_hub.h"
#include "server/server.h"
#include "server/tee_writer.h"

namespace camrec::cli {

/// The server options shared by `record --serve` and `serve`.
struct ServeCliOptions {
  std::string listen;    ///< "[ADDR:]PORT"; empty: `record` does not serve.
  std::string token;
  std::string tls_cert;
  std::string tls_key;
  double linger = 2;     ///< `record`: seconds the server stays up after the file is closed.
  uint32_t max_connections = 64;
  double idle_timeout = 30;   ///< Seconds a connection may wait for its next request.
  double stall_timeout = 10;  ///< Seconds a live viewer may take no byte before it is dropped.
};

/// Registers `camrec serve`.
void add_serve_command(CLI::App& app, Runner& run);

/// Adds --token, --tls-cert and --tls-key (and, for record, --serve and --serve-linger).
void add_server_options(CLI::App& cmd, ServeCliOptions& options, bool for_record);

/// The server of one `camrec record --serve` run: started before the output is created (a
/// taken port fails the command before any file is touched), fed by a TeeWriter around the
/// recorder's writer, stopped after the recording closed.
class RecordServer {
 public:
  static Result<std::unique_ptr<RecordServer>> start(const ServeCliOptions& options, const std::string& output,
                                                     const recorder::RecorderConfig& config);
  ~RecordServer();
  /// Wraps the recording's writer so the live view gets its video.
  Result<std::unique_ptr<MediaWriter>> wrap(std::unique_ptr<MediaWriter> writer);
  /// The recorder whose counters /status shows (borrowed until finish()), writing `output`.
  void attach(const recorder::Recorder* recorder, const std::string& output);
  /// The recording is closed: keeps serving for the linger time (or until `stop_requested`
  /// says so), then stops.
  void finish(const std::function<bool()>& stop_requested);

 private:
  RecordServer() = default;
  server::RecordingStatus status() const;

  ServeCliOptions options_;
  std::string video_codec_;
  std::string audio_codec_;
  server::LiveHub hub_;
  std::unique_ptr<server::Server> server_;
  mutable std::mutex mutex_;  ///< Guards what follows (read by the server's thread).
  const recorder::Recorder* recorder_ = nullptr;
  const server::TeeWriter* tee_ = nullptr;
  recorder::RecorderStats final_stats_;
  std::string final_file_;
  bool recording_ = false;
  std::chrono::steady_clock::time_point started_;
  int64_t final_elapsed_us_ = 0;
};

}  // namespace camrec::cli
