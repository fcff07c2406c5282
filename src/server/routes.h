// SPDX-License-Identifier: LGPL-2.1-or-later
// What each URL answers, apart from the HTTP machinery (http_server.cpp): a request comes in
// as plain strings, a Reply says what to send. The live stream and the blocking playlist are
// driven by the connection; the Router only says which one and with what parameters.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/hls_playlist.h"
#include "server/recordings.h"
#include "server/server.h"

namespace camrec::server {

struct Request {
  std::string method;         ///< "GET", "HEAD", ...
  std::string target;         ///< As received: path and query, still %-encoded.
  std::string authorization;  ///< Authorization header, if any.
  std::string range;          ///< Range header, if any.
  std::string host;           ///< Host header, if any.
  size_t host_fields = 0;     ///< How many Host headers came (more than one is malformed).
};

struct Reply {
  enum class Kind {
    simple,       ///< status + body.
    file,         ///< A recording, whole or a range.
    live_stream,  ///< The continuous fragmented MP4.
    hls_wait,     ///< A blocking playlist request not yet answerable.
  };
  Kind kind = Kind::simple;
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<OpenedFile> file;  ///< kind == file.
  ByteRange range;                   ///< kind == file: the bytes to send.
  HlsBlockingRequest hls;            ///< kind == hls_wait.
  std::string uri_suffix;            ///< kind == hls_wait: for the playlist once ready.
};

/// Counters shared by the connections (the server thread writes, anyone reads).
struct Counters {
  std::atomic<uint64_t> connections{0}, viewers{0}, requests{0}, bad_requests{0}, refused{0}, viewer_skips{0},
      viewer_timeouts{0}, live_bytes_sent{0};
};

class Router {
 public:
  /// Everything is borrowed and outlives the router; `hub` may be null (no live view).
  Router(const ServerOptions& options, LiveHub* hub, const RecordingsDir& recordings,
         const Server::StatusProvider& status, const Counters& counters);

  /// Answers `request`. Never fails: errors are replies (400, 401, 404, 405, 416, 421, 503).
  Reply handle(const Request& request) const;
  /// The playlist for a blocking request once ready (or once its wait ran out).
  Reply playlist(const HlsBlockingRequest& request, const std::string& uri_suffix) const;
  /// How long a blocking playlist request may wait (three target durations).
  int64_t hls_wait_limit_ms() const;
  /// A plain error reply: `status` and a one-line message saying what to do.
  static Reply error(unsigned status, const std::string& message);

  LiveHub* hub() const { return hub_; }

 private:
  Reply status_json() const;
  Reply recordings_json() const;
  Reply recording_file(const std::string& name, const Request& request) const;
  Reply live(const std::string& path, const std::string& query, const std::string& uri_suffix) const;

  const ServerOptions& options_;
  LiveHub* hub_;
  const RecordingsDir& recordings_;
  const Server::StatusProvider& status_;
  const Counters& counters_;
  HlsOptions hls_;
};

/// The page served at "/" (HTML, CSS and JavaScript in one document).
const std::string& live_page_html();

}  // namespace camrec::server
