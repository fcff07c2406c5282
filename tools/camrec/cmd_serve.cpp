// SPDX-License-Identifier: LGPL-2.1-or-later
// camrec serve DIR: the recordings of a directory over HTTP (list, download with Range),
// and the server half of `camrec record --serve` (live view and status of the recording).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "serve.h"
#include "server/live_feed.h"

namespace camrec::cli {

namespace {

std::atomic<bool> g_serve_stop{false};

void on_serve_signal(int) { g_serve_stop = true; }

Result<server::ServerOptions> server_options(const ServeCliOptions& o, const std::string& default_listen,
                                             const std::string& dir) {
  server::ServerOptions s;
  const std::string listen = o.listen.empty() ? default_listen : o.listen;
  Status parsed = server::parse_listen(listen, s.address, s.port);
  if (!parsed.is_ok()) return parsed;
  s.token = o.token;
  s.tls_cert = o.tls_cert;
  s.tls_key = o.tls_key;
  s.recordings_dir = dir;
  s.max_connections = o.max_connections;
  if (!(o.idle_timeout > 0 && o.idle_timeout <= 3600) || !(o.stall_timeout > 0 && o.stall_timeout <= 3600))
    return make_error(Errc::invalid_argument, "--idle-timeout and --stall-timeout must be 0..3600 seconds (not 0)");
  s.idle_timeout_ms = static_cast<int64_t>(o.idle_timeout * 1000);
  s.stall_timeout_ms = static_cast<int64_t>(o.stall_timeout * 1000);
  return s;
}

void announce(const server::Server& server, const std::string& what, bool token) {
  std::fprintf(stderr, "camrec: serving %s on %s%s\n", what.c_str(), server.url().c_str(),
               token ? " (token required)" : "");
}

struct ServeOptions {
  std::string dir;
  ServeCliOptions server;
};

int run_serve(const ServeOptions& o) {
  auto options = server_options(o.server, "127.0.0.1:8080", o.dir);
  if (!options) return report_error("serve", options.error());
  auto server = server::Server::start(*options, nullptr, nullptr);
  if (!server) return report_error("serve", server.error());
  announce(**server, "the recordings of " + o.dir, !o.server.token.empty());
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  while (!g_serve_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->stop();
  return kExitOk;
}

const char* audio_name(const std::optional<media::AudioCodec>& codec) {
  if (!codec) return "";
  switch (*codec) {
    case media::AudioCodec::g711a: return "g711a";
    case media::AudioCodec::g711u: return "g711u";
    case media::AudioCodec::opus: return "opus";
    case media::AudioCodec::aac: return "aac";
  }
  return "";
}

}  // namespace

void add_server_options(CLI::App& cmd, ServeCliOptions& o, bool for_record) {
  if (for_record) {
    cmd.add_option("--serve", o.listen, "Serve the live view, status and recordings on [ADDR:]PORT (default address 127.0.0.1)");
    cmd.add_option("--serve-linger", o.linger, "Seconds the server stays up after the recording closed (default 2)");
  }
  cmd.add_option("--token", o.token, "Require this token (Authorization: Bearer TOKEN, or ?token=TOKEN)");
  cmd.add_option("--tls-cert", o.tls_cert, "Serve HTTPS with this PEM certificate chain (with --tls-key)");
  cmd.add_option("--tls-key", o.tls_key, "PEM private key for --tls-cert");
  cmd.add_option("--max-connections", o.max_connections, "Connections served at once; more get 503 (default 64)");
  cmd.add_option("--idle-timeout", o.idle_timeout, "Seconds a connection may wait for a request (default 30)");
  cmd.add_option("--stall-timeout", o.stall_timeout, "Seconds a live viewer may stall before it is dropped (default 10)");
}

void add_serve_command(CLI::App& app, Runner& run) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve the recordings of a directory over HTTP (list, download, seek)");
  cmd->add_option("dir", o->dir, "Directory of recordings")->required();
  cmd->add_option("--listen", o->server.listen, "[ADDR:]PORT to listen on (default 127.0.0.1:8080)");
  add_server_options(*cmd, o->server, false);
  cmd->callback([o, &run] { run = [o] { return run_serve(*o); }; });
}

Result<std::unique_ptr<RecordServer>> RecordServer::start(const ServeCliOptions& options, const std::string& output,
                                                          const recorder::RecorderConfig& config) {
  if (!(options.linger >= 0 && options.linger <= 3600))
    return make_error(Errc::invalid_argument, "--serve-linger must be 0..3600 seconds");
  std::string dir = std::filesystem::path(output).parent_path().string();
  if (dir.empty()) dir = ".";
  CAMREC_ASSIGN_OR_RETURN(auto server_opts, server_options(options, "", dir));
  std::unique_ptr<RecordServer> rs(new RecordServer());
  rs->options_ = options;
  rs->video_codec_ = codec_name(config.video_codec);
  rs->audio_codec_ = audio_name(config.audio);
  RecordServer* raw = rs.get();
  CAMREC_ASSIGN_OR_RETURN(rs->server_, server::Server::start(server_opts, &rs->hub_, [raw] { return raw->status(); }));
  announce(*rs->server_, "the live view and the recordings of " + dir, !options.token.empty());
  return rs;
}

RecordServer::~RecordServer() {
  if (server_) server_->stop();
}

Result<std::unique_ptr<MediaWriter>> RecordServer::wrap(std::unique_ptr<MediaWriter> writer) {
  CAMREC_ASSIGN_OR_RETURN(auto feed, server::LiveFeed::create(hub_));
  // A SegmentWriter moves to a new file at a key frame; /status names the current one.
  server::TeeWriter::CurrentPath current;
  if (auto* segments = dynamic_cast<SegmentWriter*>(writer.get())) {
    current = [segments] { return segments->segments().empty() ? std::string() : segments->segments().back().path; };
  }
  auto tee = std::make_unique<server::TeeWriter>(std::move(writer), std::move(feed), std::move(current));
  std::lock_guard lock(mutex_);
  tee_ = tee.get();
  return std::unique_ptr<MediaWriter>(std::move(tee));
}

void RecordServer::attach(const recorder::Recorder* recorder, const std::string& output) {
  std::lock_guard lock(mutex_);
  recorder_ = recorder;
  final_file_ = std::filesystem::path(output).filename().string();
  recording_ = true;
  started_ = std::chrono::steady_clock::now();
}

server::RecordingStatus RecordServer::status() const {
  std::lock_guard lock(mutex_);
  server::RecordingStatus s;
  s.recording = recording_;
  s.video_codec = video_codec_;
  s.audio_codec = audio_codec_;
  recorder::RecorderStats stats = final_stats_;
  s.file = final_file_;
  s.elapsed_us = final_elapsed_us_;
  if (recorder_) {
    stats = recorder_->stats();
    if (tee_) {
      std::string current = tee_->current_path();
      if (!current.empty()) s.file = std::filesystem::path(current).filename().string();
      Status live = tee_->live_error();
      if (!live.is_ok()) s.live_error = live.to_string();
    }
    s.elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_).count();
  }
  s.frames = stats.frames_written;
  s.dropped = stats.frames_dropped;
  s.bytes = stats.bytes;
  s.media_duration_us = stats.first_pts_us >= 0 ? stats.last_pts_us - stats.first_pts_us : 0;
  return s;
}

void RecordServer::finish(const std::function<bool()>& stop_requested) {
  {
    std::lock_guard lock(mutex_);
    if (recorder_) {
      final_stats_ = recorder_->stats();
      if (tee_ && !tee_->current_path().empty())
        final_file_ = std::filesystem::path(tee_->current_path()).filename().string();
      final_elapsed_us_ =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_).count();
    }
    recorder_ = nullptr;
    tee_ = nullptr;
    recording_ = false;
  }
  // Viewers see the end of the stream and the list shows the file complete before the
  // server goes away.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options_.linger * 1000));
  while (!stop_requested() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server_->stop();
}

}  // namespace camrec::cli
