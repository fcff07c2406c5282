// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec's live server: the live view of a recording (fragmented MP4 over chunked HTTP and
// LL-HLS), its status, and the recordings of a directory, over HTTP/1.1 or HTTPS.
//
// One I/O model: Boost.Asio with one io_context on one thread, Boost.Beast for HTTP. Every
// connection is a small state machine with a deadline; a live viewer holds a position in the
// hub's window and at most one fragment in flight, so a slow viewer costs no memory of its
// own and is skipped forward to the newest key frame, then disconnected if it still stalls.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "camrec/status.h"
#include "server/live_hub.h"

namespace camrec::server {

struct ServerOptions {
  std::string address = "127.0.0.1";  ///< Loopback unless told otherwise.
  uint16_t port = 8080;               ///< 0: any free port (see Server::port()).
  std::string token;                  ///< When set, required by every request.
  std::string tls_cert;               ///< PEM certificate chain; with tls_key enables HTTPS.
  std::string tls_key;                ///< PEM private key.
  std::string recordings_dir = ".";   ///< Served under /recordings/.
  uint32_t max_connections = 64;      ///< Further connections get 503 and are closed.
  uint32_t max_header_bytes = 8192;   ///< Request line and headers together.
  int64_t idle_timeout_ms = 30'000;   ///< For a request to arrive (and a TLS handshake).
  /// A live viewer whose socket takes no byte for this long is disconnected.
  int64_t stall_timeout_ms = 10'000;
  /// A live viewer more than this far (media time) or this many bytes behind the live edge
  /// skips to the newest key frame.
  int64_t max_viewer_lag_us = 3'000'000;
  uint64_t max_viewer_backlog_bytes = 4u << 20;
  /// Kernel send buffer of a live viewer's socket: with the backlog bound, what a viewer can
  /// hold of the server's memory (a fixed size also turns off the kernel's autotuning, which
  /// would let one stalled viewer pin megabytes).
  uint32_t viewer_send_buffer_bytes = 64u << 10;
  int64_t part_target_us = 200'000;   ///< LL-HLS PART-TARGET; the live feed's part duration.
};

/// What /status tells about the recording (filled by the recording's owner).
struct RecordingStatus {
  bool recording = false;       ///< Capture is running.
  std::string file;             ///< Name of the file being written (inside the recordings directory).
  uint64_t frames = 0;
  uint64_t dropped = 0;
  uint64_t bytes = 0;
  int64_t media_duration_us = 0;  ///< Capture time between the first and the latest frame.
  int64_t elapsed_us = 0;         ///< Wall time since the recording started.
  std::string video_codec;        ///< "h264" / "h265".
  std::string audio_codec;        ///< "g711u", "opus", ... or empty.
  std::string live_error;         ///< Why the live view stopped, if it did.
};

/// Counters of the server; any thread.
struct ServerStats {
  uint64_t connections = 0;       ///< Open connections.
  uint64_t viewers = 0;           ///< Open /live/stream.mp4 responses.
  uint64_t requests = 0;
  uint64_t bad_requests = 0;      ///< Answered 400/413/431.
  uint64_t refused = 0;           ///< Over max_connections.
  uint64_t viewer_skips = 0;      ///< Times a viewer was moved forward to the newest key frame.
  uint64_t viewer_timeouts = 0;   ///< Viewers disconnected for stalling.
  uint64_t live_bytes_sent = 0;
};

class Server {
 public:
  using StatusProvider = std::function<RecordingStatus()>;

  /// Validates `options`, opens the recordings directory, binds and starts serving on a
  /// thread of its own. `hub` (borrowed, may be null for recordings only) and `status` must
  /// outlive the server. Errors: invalid_argument (address, TLS files, options), not_found
  /// (directory), io (the port is taken: the message says so).
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, LiveHub* hub, StatusProvider status);
  ~Server();

  /// The bound port (useful with port 0).
  uint16_t port() const;
  /// "http://127.0.0.1:8080/" (https when TLS is on).
  std::string url() const;
  ServerStats stats() const;
  /// Closes every connection and joins the server thread. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Parses "[ADDR:]PORT" ("8080", "0.0.0.0:8080", "[::1]:8080"); a missing address is loopback.
Status parse_listen(const std::string& text, std::string& address, uint16_t& port);

}  // namespace camrec::server
