// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP side of the server, and the only file that includes Boost.Asio/Beast (they are
// heavy to compile): accepting, TLS, reading requests with bounded parsers, and sending the
// Router's replies, including the two long-lived ones (live stream, blocking playlist).
// Boost 1.74's Asio uses std::exchange without including <utility> (C++20 builds).
#include <utility>

#include <pthread.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "server/routes.h"
#include "server/server.h"

namespace camrec::server {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

/// A connection the server wakes when the live window changes.
class Waker {
 public:
  virtual ~Waker() = default;
  virtual void wake() = 0;
  /// The connection is closed: the server lets go of it.
  virtual bool done() const = 0;
};

/// What the hub's change callback reaches: the server while it runs, nothing after stop().
struct WakeTarget {
  std::mutex mutex;
  Server::Impl* server = nullptr;  ///< Null once the server stopped.
  std::atomic<bool> pending{false};
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  LiveHub* hub = nullptr;
  StatusProvider status;
  std::unique_ptr<RecordingsDir> recordings;
  Counters counters;
  std::unique_ptr<Router> router;
  std::optional<ssl::context> tls;
  /// Connections waiting for the live window (server thread only). Held here because
  /// between two fragments nothing else keeps a live viewer alive.
  std::vector<std::shared_ptr<Waker>> wakers;
  std::shared_ptr<WakeTarget> wake_target = std::make_shared<WakeTarget>();
  uint16_t port = 0;
  bool stopped = false;
  // Declared last: destroyed first, with the connections still in its queues.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;

  // The held connections go before the io_context their sockets belong to.
  ~Impl() { wakers.clear(); }
  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void wake_all();
  void add_waker(std::shared_ptr<Waker> waker) { wakers.push_back(std::move(waker)); }
};

namespace {

beast::tcp_stream& lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& lowest(beast::ssl_stream<beast::tcp_stream>& s) { return beast::get_lowest_layer(s); }

template <class Stream>
class Session : public Waker, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& server, Stream stream, bool refuse)
      : server_(server), stream_(std::move(stream)), refuse_(refuse) {
    ++server_.counters.connections;
  }
  ~Session() override {
    --server_.counters.connections;
    if (live_) --server_.counters.viewers;
  }

  void run() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      lowest(stream_).expires_after(milliseconds(server_.options.idle_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close();
        self->begin();
      });
    } else {
      begin();
    }
  }

  bool done() const override { return closed_ || (!live_ && !hls_waiting_); }

  void wake() override {
    if (closed_) return;
    if (live_ && !live_header_sent_) start_live();
    else if (live_) pump();
    else if (hls_waiting_ && timer_) timer_->cancel();
  }

 private:
  void begin() {
    if (refuse_) {
      keep_alive_ = false;
      return send(Router::error(503, "too many connections: close another viewer and retry"));
    }
    read_request();
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(server_.options.max_header_bytes);
    // A GET carries no body; a small limit keeps a body from being buffered at all.
    parser_->body_limit(1024);
    lowest(stream_).expires_after(milliseconds(server_.options.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
      return close();
    if (ec) {
      // A request the parser refuses: say why and close; the server keeps serving others.
      ++server_.counters.bad_requests;
      keep_alive_ = false;
      if (ec == http::error::header_limit)
        return send(Router::error(431, "request line and headers too large (limit " +
                                           std::to_string(server_.options.max_header_bytes) + " bytes)"));
      if (ec == http::error::body_limit) return send(Router::error(413, "request body too large: GET has none"));
      if (ec.category() == http::make_error_code(http::error::bad_target).category())
        return send(Router::error(400, "malformed HTTP request: " + ec.message()));
      return close();
    }
    ++server_.counters.requests;
    const auto& req = parser_->get();
    Request request{std::string(req.method_string()), std::string(req.target()),
                    std::string(req[http::field::authorization]), std::string(req[http::field::range]),
                    std::string(req[http::field::host]), req.count(http::field::host)};
    head_ = req.method() == http::verb::head;
    keep_alive_ = req.keep_alive();
    Reply reply = server_.router->handle(request);
    if (reply.status == 400) ++server_.counters.bad_requests;
    if (head_ && (reply.kind == Reply::Kind::live_stream || reply.kind == Reply::Kind::hls_wait)) {
      // HEAD of a response that never ends (or not yet): its headers only.
      if (reply.kind == Reply::Kind::hls_wait) reply.content_type = "application/vnd.apple.mpegurl";
      reply.kind = Reply::Kind::simple;
    }
    switch (reply.kind) {
      case Reply::Kind::simple: return send(std::move(reply));
      case Reply::Kind::file: return send_file(std::move(reply));
      case Reply::Kind::live_stream:
        live_ = true;
        ++server_.counters.viewers;
        live_deadline_ = std::chrono::steady_clock::now() + milliseconds(server_.options.idle_timeout_ms);
        server_.add_waker(this->shared_from_this());
        return start_live();
      case Reply::Kind::hls_wait: return wait_for_playlist(std::move(reply));
    }
  }

  template <class Response>
  void fill_header(Response& res, const Reply& reply) {
    res.version(11);
    res.result(static_cast<http::status>(reply.status));
    res.set(http::field::server, "camrec");
    res.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    res.keep_alive(keep_alive_);
  }

  void send(Reply reply) {
    auto res = std::make_shared<http::response<http::string_body>>();
    fill_header(*res, reply);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    if (head_) res->body().clear();  // Content-Length stays that of the GET
    lowest(stream_).expires_after(milliseconds(server_.options.stall_timeout_ms));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
      self->after_response(ec);
    });
  }

  void after_response(beast::error_code ec) {
    if (ec || !keep_alive_) return close();
    read_request();
  }

  void send_file(Reply reply) {
    file_ = std::move(reply.file);
    file_pos_ = reply.range.first;
    file_end_ = file_->size() == 0 ? 0 : reply.range.last + 1;
    auto header = std::make_shared<HeaderOnly>();
    fill_header(header->res, reply);
    header->res.content_length(file_end_ - file_pos_);
    lowest(stream_).expires_after(milliseconds(server_.options.stall_timeout_ms));
    http::async_write_header(stream_, header->sr, [self = this->shared_from_this(), header](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (self->head_) return self->after_response(ec);
      self->send_file_chunk();
    });
  }

  void send_file_chunk() {
    if (file_pos_ >= file_end_) {
      file_.reset();
      return after_response({});
    }
    chunk_.resize(64 * 1024);
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_.size(), file_end_ - file_pos_));
    ssize_t n = ::pread(file_->fd(), chunk_.data(), want, static_cast<off_t>(file_pos_));
    // The file shrank (a recording cut back after an error): the promised length cannot be
    // kept, so the connection closes and the client sees a short body.
    if (n <= 0) return close();
    lowest(stream_).expires_after(milliseconds(server_.options.stall_timeout_ms));
    net::async_write(stream_, net::buffer(chunk_.data(), static_cast<size_t>(n)),
                     [self = this->shared_from_this()](beast::error_code ec, size_t written) {
                       if (ec) return self->close();
                       self->file_pos_ += written;
                       self->send_file_chunk();
                     });
  }

  void start_live() {
    LiveHub* hub = server_.router->hub();
    LiveSnapshot snap = hub->snapshot();
    if (!snap.init) {
      if (snap.ended || std::chrono::steady_clock::now() > live_deadline_) {
        live_header_sent_ = true;  // no more waiting for a start
        keep_alive_ = false;
        return send(Router::error(503, "the live stream has not started: retry in a second"));
      }
      return;  // woken when the first fragment arrives
    }
    live_header_sent_ = true;
    keep_alive_ = false;
    init_ = snap.init;
    beast::error_code ignored;
    lowest(stream_).socket().set_option(
        net::socket_base::send_buffer_size(static_cast<int>(server_.options.viewer_send_buffer_bytes)), ignored);
    auto key = hub->newest_key();
    next_sequence_ = key ? *key : 0;
    auto header = std::make_shared<HeaderOnly>();
    Reply r;
    r.content_type = "video/mp4";
    r.headers.emplace_back("Cache-Control", "no-store");
    fill_header(header->res, r);
    header->res.chunked(true);
    writing_ = true;
    lowest(stream_).expires_after(milliseconds(server_.options.stall_timeout_ms));
    http::async_write_header(stream_, header->sr, [self = this->shared_from_this(), header](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->send_bytes(self->init_, std::nullopt);
    });
  }

  /// Sends `bytes` (the init segment, or a fragment's bytes) as HTTP chunks of at most 32 KiB,
  /// each with its own deadline: the stall timeout means "no progress", not "a whole
  /// fragment in time", so a slow but moving viewer is skipped forward rather than dropped.
  /// `next` is the fragment sequence to continue from once all is written.
  void send_bytes(std::shared_ptr<const std::vector<uint8_t>> bytes, std::optional<uint64_t> next) {
    out_ = std::move(bytes);
    out_offset_ = 0;
    out_next_ = next;
    writing_ = true;
    write_slice();
  }

  void write_slice() {
    constexpr size_t kSlice = 32 * 1024;
    const size_t n = std::min(kSlice, out_->size() - out_offset_);
    lowest(stream_).expires_after(milliseconds(server_.options.stall_timeout_ms));
    net::async_write(stream_, http::make_chunk(net::buffer(out_->data() + out_offset_, n)),
                     [self = this->shared_from_this(), n](beast::error_code ec, size_t written) {
                       if (ec) {
                         self->writing_ = false;
                         if (ec == beast::error::timeout) ++self->server_.counters.viewer_timeouts;
                         return self->close();
                       }
                       self->server_.counters.live_bytes_sent += written;
                       self->out_offset_ += n;
                       if (self->out_offset_ < self->out_->size()) return self->write_slice();
                       if (self->out_next_) self->next_sequence_ = *self->out_next_;
                       self->out_.reset();
                       self->writing_ = false;
                       self->pump();
                     });
  }

  /// Sends the next fragment, after applying the slow-viewer policy: a viewer more than
  /// max_viewer_lag_us or max_viewer_backlog_bytes behind the edge (or behind the window) jumps to the newest key
  /// fragment; a viewer whose socket takes nothing for stall_timeout_ms is disconnected by
  /// the write deadline. The recording side never waits: it only appends to the hub.
  void pump() {
    if (writing_ || closed_ || !live_header_sent_ || !init_) return;
    LiveHub* hub = server_.router->hub();
    bool lost = false;
    auto parts = hub->parts_since(next_sequence_, lost);
    uint64_t backlog = 0;
    for (const auto& p : parts) backlog += p.fragment->bytes.size();
    const int64_t lag_us = parts.empty() ? 0
                                         : parts.back().fragment->media_start_us + parts.back().fragment->duration_us -
                                               parts.front().fragment->media_start_us;
    if (lost || backlog > server_.options.max_viewer_backlog_bytes || lag_us > server_.options.max_viewer_lag_us) {
      ++server_.counters.viewer_skips;
      auto key = hub->newest_key();
      if (key && *key > next_sequence_) next_sequence_ = *key;
      else skip_to_key_ = true;
      parts = hub->parts_since(next_sequence_, lost);
    }
    if (skip_to_key_) {
      size_t i = 0;
      while (i < parts.size() && parts[i].part != 0) next_sequence_ = parts[i++].fragment->sequence + 1;
      parts.erase(parts.begin(), parts.begin() + static_cast<ptrdiff_t>(i));
      if (!parts.empty()) skip_to_key_ = false;
    }
    if (parts.empty()) {
      if (hub->snapshot().ended) finish_live();
      return;
    }
    auto fragment = parts.front().fragment;
    send_bytes(std::shared_ptr<const std::vector<uint8_t>>(fragment, &fragment->bytes), fragment->sequence + 1);
  }

  void finish_live() {
    closed_ = true;
    writing_ = true;
    lowest(stream_).expires_after(milliseconds(server_.options.stall_timeout_ms));
    net::async_write(stream_, http::make_chunk_last(),
                     [self = this->shared_from_this()](beast::error_code, size_t) { self->shutdown(); });
  }

  void wait_for_playlist(Reply reply) {
    hls_waiting_ = true;
    hls_ = reply.hls;
    hls_suffix_ = reply.uri_suffix;
    hls_deadline_ = std::chrono::steady_clock::now() + milliseconds(server_.router->hls_wait_limit_ms());
    timer_.emplace(server_.ioc);
    server_.add_waker(this->shared_from_this());
    arm_playlist_timer();
  }

  void arm_playlist_timer() {
    timer_->expires_at(hls_deadline_);
    timer_->async_wait([self = this->shared_from_this()](beast::error_code) { self->check_playlist(); });
  }

  void check_playlist() {
    if (!hls_waiting_) return;
    LiveSnapshot snap = server_.router->hub()->snapshot();
    HlsReady ready = hls_ready(snap, hls_);
    const bool late = std::chrono::steady_clock::now() >= hls_deadline_;
    if (ready == HlsReady::wait && !late) return arm_playlist_timer();
    hls_waiting_ = false;
    if (ready == HlsReady::too_far) return send(Router::error(400, "_HLS_msn is past the live edge"));
    // Late: the playlist as it is; the player asks again (RFC 8216bis 6.2.5.2 allows it).
    send(server_.router->playlist(hls_, hls_suffix_));
  }

  void shutdown() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    close();
  }

  void close() {
    closed_ = true;
    hls_waiting_ = false;
    if (timer_) timer_->cancel();
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest(stream_).socket().close(ec);
  }

  struct HeaderOnly {
    http::response<http::empty_body> res;
    http::response_serializer<http::empty_body> sr{res};
  };

  Server::Impl& server_;
  Stream stream_;
  bool refuse_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  bool head_ = false;
  bool closed_ = false;
  // A recording being sent.
  std::unique_ptr<OpenedFile> file_;
  uint64_t file_pos_ = 0;
  uint64_t file_end_ = 0;
  std::vector<char> chunk_;
  // The live stream.
  bool live_ = false;
  bool live_header_sent_ = false;
  bool writing_ = false;
  bool skip_to_key_ = false;
  uint64_t next_sequence_ = 0;
  std::shared_ptr<const std::vector<uint8_t>> init_;
  std::shared_ptr<const std::vector<uint8_t>> out_;  ///< Being written.
  size_t out_offset_ = 0;
  std::optional<uint64_t> out_next_;
  std::chrono::steady_clock::time_point live_deadline_;
  // A blocking playlist request.
  bool hls_waiting_ = false;
  HlsBlockingRequest hls_;
  std::string hls_suffix_;
  std::chrono::steady_clock::time_point hls_deadline_;
  std::optional<net::steady_timer> timer_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopped) return;
  if (!ec) {
    const bool refuse = counters.connections.load() >= options.max_connections;
    if (refuse) ++counters.refused;
    if (tls) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls), refuse)
          ->run();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)), refuse)->run();
    }
  }
  accept();
}

void Server::Impl::wake_all() {
  std::erase_if(wakers, [](const auto& w) { return w->done(); });
  // wake() may end a connection but never adds one; iterate over a copy all the same.
  auto current = wakers;
  for (auto& w : current) w->wake();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, LiveHub* hub, StatusProvider status) {
  if (options.max_connections == 0) return make_error(Errc::invalid_argument, "max_connections must be at least 1");
  if (options.max_header_bytes < 1024) return make_error(Errc::invalid_argument, "max_header_bytes must be at least 1024");
  if (options.idle_timeout_ms <= 0 || options.stall_timeout_ms <= 0)
    return make_error(Errc::invalid_argument, "server timeouts must be positive");
  if (options.tls_cert.empty() != options.tls_key.empty())
    return make_error(Errc::invalid_argument, "HTTPS needs both --tls-cert and --tls-key");
  beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return make_error(Errc::invalid_argument, "'" + options.address + "' is not an IP address (try 127.0.0.1 or 0.0.0.0)");

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->hub = hub;
  impl->status = std::move(status);
  CAMREC_ASSIGN_OR_RETURN(impl->recordings, RecordingsDir::open(options.recordings_dir));
  if (!options.tls_cert.empty()) {
    impl->tls.emplace(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    impl->tls->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) return make_error(Errc::invalid_argument, "cannot load TLS certificate '" + options.tls_cert + "': " + ec.message());
    impl->tls->use_private_key_file(options.tls_key, ssl::context::pem, ec);
    if (ec) return make_error(Errc::invalid_argument, "cannot load TLS key '" + options.tls_key + "': " + ec.message());
  }
  impl->router = std::make_unique<Router>(impl->options, hub, *impl->recordings, impl->status, impl->counters);

  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string where = options.address + ":" + std::to_string(options.port);
    if (ec == net::error::address_in_use)
      return make_error(Errc::io, "cannot listen on " + where + ": the port is in use (choose another port)");
    return make_error(Errc::io, "cannot listen on " + where + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();

  Impl* raw = impl.get();
  {
    std::lock_guard lock(impl->wake_target->mutex);
    impl->wake_target->server = raw;
  }
  if (hub) {
    // Runs on the recorder's thread: posts one wake-up (never more than one in flight) and
    // returns. A posted handler runs only while the server's io_context does.
    hub->set_on_change([target = impl->wake_target] {
      std::lock_guard lock(target->mutex);
      if (!target->server || target->pending.exchange(true)) return;
      net::post(target->server->ioc, [target, server = target->server] {
        target->pending = false;
        server->wake_all();
      });
    });
  }
  impl->accept();
  impl->thread = std::thread([raw] {
    // Named, so top -H and /proc/PID/task show what the viewers cost apart from the recording.
    pthread_setname_np(pthread_self(), "camrec-http");
    raw->ioc.run();
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

std::string Server::url() const {
  std::string host = impl_->options.address;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(impl_->tls ? "https" : "http") + "://" + host + ":" + std::to_string(impl_->port) + "/";
}

ServerStats Server::stats() const {
  const Counters& c = impl_->counters;
  return {c.connections.load(), c.viewers.load(),        c.requests.load(),        c.bad_requests.load(),
          c.refused.load(),     c.viewer_skips.load(),   c.viewer_timeouts.load(), c.live_bytes_sent.load()};
}

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  {
    std::lock_guard lock(impl_->wake_target->mutex);
    impl_->wake_target->server = nullptr;
  }
  net::post(impl_->ioc, [impl = impl_.get()] {
    impl->stopped = true;
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->ioc.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->stopped = true;
}

}  // namespace camrec::server
