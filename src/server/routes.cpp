// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/routes.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace camrec::server {

namespace {

using nlohmann::json;

/// Compares in time independent of where the strings differ (the token is a secret).
bool same_secret(const std::string& given, const std::string& secret) {
  if (given.size() != secret.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ secret[i]);
  return diff == 0;
}

/// Escapes everything but unreserved characters (RFC 3986 2.3), for a query value.
std::string percent_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

/// Splits "a=1&b=2" into decoded pairs; nullopt when an escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while (at <= query.size() && !query.empty()) {
    size_t end = query.find('&', at);
    if (end == std::string::npos) end = query.size();
    std::string item = query.substr(at, end - at);
    size_t eq = item.find('=');
    auto key = percent_decode(item.substr(0, eq));
    auto value = percent_decode(eq == std::string::npos ? "" : item.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    if (!key->empty()) out.emplace_back(*key, *value);
    at = end + 1;
  }
  return out;
}

std::optional<std::string> query_value(const std::vector<std::pair<std::string, std::string>>& query,
                                       const std::string& key) {
  for (const auto& [k, v] : query)
    if (k == key) return v;
  return std::nullopt;
}

/// A decimal number that fits `max`; nullopt for anything else ("", "-1", "1e3", "08x").
std::optional<uint64_t> whole_number(const std::string& text, uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

int64_t clock_us(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

/// An address only this machine can reach: 127.0.0.0/8 or ::1.
bool is_loopback(const std::string& address) { return address.compare(0, 4, "127.") == 0 || address == "::1"; }

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

/// A Host header ("NAME" or "NAME:PORT") that names this machine by its loopback names
/// (127.0.0.1, localhost, [::1]) or by the address the server listens on. Any port: a
/// forwarded port (ssh -L) arrives with the client's port number.
bool loopback_host(const std::string& host, const std::string& listen_address) {
  std::string name = host;
  std::string port;
  const size_t colon = host.rfind(':');
  const size_t bracket = host.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    const bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (port.empty() || port.size() > 5 || !digits) return false;
  }
  const bool ipv6 = listen_address.find(':') != std::string::npos;
  const std::string listen = ipv6 ? "[" + listen_address + "]" : listen_address;
  for (const char* allowed : {"127.0.0.1", "localhost", "[::1]"})
    if (same_name(name, allowed)) return true;
  return same_name(name, listen);
}

Reply simple(unsigned status, std::string content_type, std::string body) {
  Reply r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Reply bytes_reply(const std::vector<uint8_t>& bytes, const char* content_type) {
  return simple(200, content_type, std::string(bytes.begin(), bytes.end()));
}

}  // namespace

Router::Router(const ServerOptions& options, LiveHub* hub, const RecordingsDir& recordings,
               const Server::StatusProvider& status, const Counters& counters)
    : options_(options), hub_(hub), recordings_(recordings), status_(status), counters_(counters) {
  hls_.part_target_us = options.part_target_us;
}

Reply Router::error(unsigned status, const std::string& message) {
  Reply r = simple(status, "text/plain; charset=utf-8", message + "\n");
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"camrec\"");
  return r;
}

Reply Router::handle(const Request& request) const {
  const size_t q = request.target.find('?');
  const std::string raw_path = request.target.substr(0, q);
  const std::string raw_query = q == std::string::npos ? "" : request.target.substr(q + 1);
  auto path = percent_decode(raw_path);
  auto query = parse_query(raw_query);
  if (!path || !query || path->empty() || (*path)[0] != '/')
    return error(400, "malformed request target: use a path like /status");

  // DNS rebinding: a web page on another site can point its own host name at 127.0.0.1 and
  // read a loopback server as if it were same-origin; its requests still carry that name in
  // Host. A server that only this machine can reach answers its own names only. A request
  // without Host (HTTP/1.0) passes: browsers always send one.
  if (request.host_fields > 1) return error(400, "more than one Host header");
  if (is_loopback(options_.address) && request.host_fields == 1 && !loopback_host(request.host, options_.address))
    return error(421, "this server listens on loopback and answers only Host 127.0.0.1, localhost or [::1] "
                      "(to serve other names, listen on another address with --serve ADDR:PORT)");

  // Every endpoint needs the token when one is set: as "Authorization: Bearer TOKEN", or as
  // ?token=TOKEN for players that cannot set headers (the playlist passes it on).
  std::string uri_suffix;
  if (!options_.token.empty()) {
    const std::string bearer = "Bearer ";
    std::string given;
    if (request.authorization.compare(0, bearer.size(), bearer) == 0) given = request.authorization.substr(bearer.size());
    auto from_query = query_value(*query, "token");
    if (given.empty() && from_query) {
      given = *from_query;
      uri_suffix = "?token=" + percent_encode(given);
    }
    if (!same_secret(given, options_.token))
      return error(401, "this server needs its token: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    Reply r = error(405, "only GET and HEAD are served");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }

  const std::string& p = *path;
  if (p == "/" || p == "/index.html") return simple(200, "text/html; charset=utf-8", live_page_html());
  if (p == "/status") return status_json();
  if (p == "/recordings" || p == "/recordings/") return recordings_json();
  const std::string rec_prefix = "/recordings/";
  if (p.compare(0, rec_prefix.size(), rec_prefix) == 0) return recording_file(p.substr(rec_prefix.size()), request);
  const std::string live_prefix = "/live/";
  if (p.compare(0, live_prefix.size(), live_prefix) == 0) return live(p.substr(live_prefix.size()), raw_query, uri_suffix);
  return error(404, "no such page: try /, /status, /recordings/ or /live/stream.mp4");
}

Reply Router::status_json() const {
  RecordingStatus s = status_ ? status_() : RecordingStatus{};
  json j;
  j["recording"] = s.recording;
  j["file"] = s.file;
  j["frames"] = s.frames;
  j["dropped"] = s.dropped;
  j["size"] = s.bytes;
  j["duration_us"] = s.media_duration_us;
  j["elapsed_us"] = s.elapsed_us;
  // Rates are for display only; the counts and microseconds above are exact.
  j["fps"] = s.elapsed_us > 0 ? static_cast<double>(s.frames) * 1e6 / static_cast<double>(s.elapsed_us) : 0.0;
  j["bitrate_bps"] = s.media_duration_us > 0 ? static_cast<uint64_t>(static_cast<int128>(s.bytes) * 8 * 1'000'000 /
                                                                     s.media_duration_us)
                                             : 0;
  j["video_codec"] = s.video_codec;
  j["audio_codec"] = s.audio_codec;
  json live = nullptr;
  if (hub_) {
    LiveSnapshot snap = hub_->snapshot();
    live = json::object();
    live["codec"] = snap.codec;
    live["mime"] = snap.codec.empty() ? "" : "video/mp4; codecs=\"" + snap.codec + "\"";
    // The live stream is the video and, when browsers play its codec, the audio.
    live["audio"] = snap.codec.find(',') != std::string::npos;
    live["ended"] = snap.ended;
    live["viewers"] = counters_.viewers.load();
    live["viewer_skips"] = counters_.viewer_skips.load();
    live["viewer_timeouts"] = counters_.viewer_timeouts.load();
    live["part_target_us"] = options_.part_target_us;
    if (!snap.parts.empty()) {
      const LiveFragment& edge = *snap.parts.back().fragment;
      // The live edge: the end of the newest fragment, on the stream's timeline and on the
      // capture clock (CLOCK_MONOTONIC, and the same instant in Unix time for a browser).
      const int64_t capture_end = edge.capture_start_us + edge.duration_us;
      live["edge_media_us"] = edge.media_start_us + edge.duration_us;
      live["edge_capture_monotonic_us"] = capture_end;
      live["edge_capture_unix_us"] = clock_us(CLOCK_REALTIME) - (clock_us(CLOCK_MONOTONIC) - capture_end);
      live["fragments"] = edge.sequence + 1;
    }
    if (!s.live_error.empty()) live["error"] = s.live_error;
  }
  j["live"] = live;
  j["now_unix_us"] = clock_us(CLOCK_REALTIME);
  return simple(200, "application/json", j.dump());
}

Reply Router::recordings_json() const {
  // The file being written is in progress while the recording runs; after it the status
  // still names it (for the page), but it is closed and complete.
  const RecordingStatus status = status_ ? status_() : RecordingStatus{};
  const std::string current = status.recording ? status.file : "";
  auto entries = recordings_.list([&](const std::string& name) { return !current.empty() && name == current; });
  json list = json::array();
  for (const auto& e : entries) {
    list.push_back({{"name", e.name},
                    {"size", e.size},
                    {"duration_us", e.duration_us},
                    {"state", e.state},
                    {"complete", e.state == "complete"},
                    {"modified_unix_s", e.modified_unix_s},
                    {"url", "/recordings/" + e.name}});
  }
  return simple(200, "application/json", list.dump());
}

Reply Router::recording_file(const std::string& name, const Request& request) const {
  auto file = recordings_.open_file(name);
  if (!file) return error(404, "no such recording: GET /recordings/ lists them");
  Reply r;
  r.kind = Reply::Kind::file;
  r.content_type = "video/mp4";
  r.headers.emplace_back("Accept-Ranges", "bytes");
  const uint64_t size = (*file)->size();
  ByteRange range{0, size ? size - 1 : 0};
  switch (parse_range(request.range, size, range)) {
    case RangeResult::whole:
      r.status = 200;
      range = {0, size ? size - 1 : 0};
      break;
    case RangeResult::partial:
      r.status = 206;
      r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                  std::to_string(range.last) + "/" + std::to_string(size));
      break;
    case RangeResult::unsatisfiable: {
      Reply e = error(416, "range outside the file of " + std::to_string(size) + " bytes");
      e.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return e;
    }
  }
  r.range = range;
  r.file = std::move(*file);
  return r;
}

int64_t Router::hls_wait_limit_ms() const {
  int64_t target_s = hub_ ? target_duration_s(hub_->snapshot()) : 1;
  return 3 * target_s * 1000;
}

Reply Router::playlist(const HlsBlockingRequest&, const std::string& uri_suffix) const {
  return simple(200, "application/vnd.apple.mpegurl", render_playlist(hub_->snapshot(), hls_, uri_suffix));
}

Reply Router::live(const std::string& path, const std::string& raw_query, const std::string& uri_suffix) const {
  if (!hub_) return error(404, "no live view: this server only serves recordings (camrec record --serve has one)");
  if (path == "stream.mp4") {
    Reply r;
    r.kind = Reply::Kind::live_stream;
    r.content_type = "video/mp4";
    return r;
  }
  LiveSnapshot snap = hub_->snapshot();
  if (path == "init.mp4") {
    if (!snap.init) return error(503, "the live stream has not started yet: retry in a second");
    return bytes_reply(*snap.init, "video/mp4");
  }
  if (path == "index.m3u8") {
    auto query = parse_query(raw_query);
    HlsBlockingRequest blocking;
    bool blocks = false;
    if (auto msn = query_value(*query, "_HLS_msn")) {
      auto n = whole_number(*msn, UINT32_MAX);
      if (!n) return error(400, "_HLS_msn must be a whole number");
      blocking.msn = *n;
      blocks = true;
    }
    if (auto part = query_value(*query, "_HLS_part")) {
      auto n = whole_number(*part, 100000);
      if (!n || !blocks) return error(400, "_HLS_part must be a whole number and come with _HLS_msn");
      blocking.part = static_cast<uint32_t>(*n);
    }
    if (blocks) {
      switch (hls_ready(snap, blocking)) {
        case HlsReady::now: break;
        case HlsReady::too_far: return error(400, "_HLS_msn is more than two segments past the live edge");
        case HlsReady::wait: {
          Reply r;
          r.kind = Reply::Kind::hls_wait;
          r.hls = blocking;
          r.uri_suffix = uri_suffix;
          return r;
        }
      }
    }
    return simple(200, "application/vnd.apple.mpegurl", render_playlist(snap, hls_, uri_suffix));
  }
  // seg/N.m4s and part/N.P.m4s
  auto parse_parts = [](const std::string& name, std::vector<uint64_t>& numbers) {
    const std::string ext = ".m4s";
    if (name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext) != 0) return false;
    std::string stem = name.substr(0, name.size() - ext.size());
    size_t at = 0;
    while (at <= stem.size()) {
      size_t dot = stem.find('.', at);
      if (dot == std::string::npos) dot = stem.size();
      auto n = whole_number(stem.substr(at, dot - at), UINT32_MAX);
      if (!n) return false;
      numbers.push_back(*n);
      at = dot + 1;
    }
    return true;
  };
  std::vector<uint64_t> numbers;
  if (path.compare(0, 4, "seg/") == 0 && parse_parts(path.substr(4), numbers) && numbers.size() == 1) {
    auto bytes = find_segment(snap, numbers[0]);
    if (!bytes) return error(404, "segment not in the live window: reload the playlist");
    return bytes_reply(*bytes, "video/iso.segment");
  }
  numbers.clear();
  if (path.compare(0, 5, "part/") == 0 && parse_parts(path.substr(5), numbers) && numbers.size() == 2) {
    auto part = find_part(snap, numbers[0], static_cast<uint32_t>(numbers[1]));
    if (!part) return error(404, "part not in the live window: reload the playlist");
    return bytes_reply(part->bytes, "video/iso.segment");
  }
  return error(404, "no such live resource: /live/stream.mp4, /live/index.m3u8 or /live/init.mp4");
}

}  // namespace camrec::server
