#include "wagate/http/server.hpp"

#include <sys/socket.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"
#include "wagate/http/body_pipe.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {
class Session;
}  // namespace

struct HttpServer::Impl {
  ServerSettings settings;
  const Router& router;
  RequestObserver observer;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  net::thread_pool workers;
  net::thread_pool upstream;
  std::vector<std::thread> io_threads;
  std::atomic<size_t> connections{0};
  net::steady_timer accept_retry{ioc};
  std::atomic<int64_t> last_accept_warning_ms{0};
  bool started = false;
  bool stopped = false;
  // Sessions reading a streamed body: stopped with the server so that no handler waits on a socket
  // that stopped, and no session is kept alive by its own pending answer (Session::StopBody).
  std::mutex streaming_mu;
  std::vector<std::weak_ptr<Session>> streaming;
  std::atomic<size_t> peak_bytes_ahead{0};
  std::atomic<uint64_t> body_pauses{0};
  // Answers handed over by other threads (the store's syncer answers a whole batch at once), waiting
  // for an I/O thread to write them. One post wakes an I/O thread per burst instead of per answer:
  // on this kind of machine each wake-up and thread switch costs more than writing the answer.
  // Declared after `ioc`, so the sessions it may still hold go before the context their sockets use.
  std::mutex answers_mu;
  std::vector<std::pair<std::shared_ptr<Session>, Response>> answers;
  bool answers_posted = false;

  Impl(ServerSettings s, const Router& r, RequestObserver o)
      : settings(std::move(s)),
        router(r),
        observer(std::move(o)),
        workers(static_cast<size_t>(std::max(1, settings.worker_threads))),
        upstream(static_cast<size_t>(std::max(1, settings.upstream_threads))) {}

  void Accept();
  void TrackStreaming(const std::shared_ptr<Session>& session);
  void NoteBytesAhead(size_t bytes);
  // Queues `response` for `session`; the first answer of a burst posts the one WriteAnswers.
  void PostAnswer(std::shared_ptr<Session> session, Response response);
  void WriteAnswers();
  // At most one warning a second: a failure that repeats (out of descriptors) must not flood the log.
  void WarnRateLimited(const char* message, std::initializer_list<core::LogField> fields);
};

namespace {

// How long a connection closed without reading its request's whole body goes on dropping what the
// client still sends (see Session::Linger).
constexpr std::chrono::seconds kLingerTime{2};

core::Error BodyIncomplete(const std::string& why) {
  return core::Error::Invalid("body_incomplete", "the request body ended early: " + why);
}

// The kernel's receive stamp (µs since the epoch) of the first unread byte on a socket with
// SO_TIMESTAMPNS set, read without consuming it; 0 when there is none.
int64_t KernelArrivalUs(int fd) {
  char byte;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  iovec io{&byte, 1};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT) <= 0) return 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
    }
  }
  return 0;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server) : stream_(std::move(socket)), server_(server) {
    ++server_->connections;
  }
  ~Session() { --server_->connections; }

  void Start() {
    if (server_->settings.kernel_arrival_stamps) {
      int on = 1;
      setsockopt(stream_.socket().native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    }
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

  // The server stopped (its I/O threads are joined, so nothing else runs on this strand): a handler
  // waiting for the next piece learns it, and the responder kept for a broken body, which holds this
  // session, is let go so that the session is freed with the stopped I/O context's handlers.
  void StopBody(const core::Error& why) {
    if (pipe_) std::exchange(pipe_, nullptr)->Fail(why);
    body_responder_.reset();
  }

  // Writes the handler's answer on this session's strand (inline when the caller runs the context
  // and the strand is free). Called by Impl::WriteAnswers.
  void Answer(Response response) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), response = std::move(response)]() mutable {
      self->Write(std::move(response));
    });
  }

 private:
  void ReadHeader() {
    body_parser_.reset();  // the previous streamed body, if any, was read to its end
    linger_ = false;
    parser_.emplace();
    // Beast checks a declared Content-Length against the limit while reading the header, before the
    // route is known: admit the largest route limit here and apply the route's own in OnHeader.
    body_limit_ = server_->settings.max_body_bytes;
    parser_->body_limit(std::max(body_limit_, server_->router.LargestBodyLimit()));
    parser_->header_limit(64 * 1024);
    arrival_us_ = 0;
    // With nothing buffered, the next bytes in the kernel are the request's first: stamp them.
    if (server_->settings.kernel_arrival_stamps && buffer_.size() == 0) return AwaitArrival();
    ReadHeaderBytes();
  }

  void ReadHeaderBytes() {
    stream_.expires_after(server_->settings.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Waits until the next request's first bytes are in the kernel and reads their receive stamp
  // without consuming them; the idle timeout applies to the wait as it does to the read.
  void AwaitArrival() {
    idle_timer_.expires_after(server_->settings.idle_timeout);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->stream_.socket().cancel();
    });
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      self->idle_timer_.cancel();
      if (ec) return self->Close();
      self->arrival_us_ = KernelArrivalUs(self->stream_.socket().native_handle());
      self->ReadHeaderBytes();
    });
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (auto refused = FramingError(req)) {
      keep_alive_ = false;  // the rest of the bytes cannot be trusted to start a request
      return Write(ErrorResponse(400, "bad_request", *refused));
    }
    // Upload routes have their own limit; known from the request line before the body is read.
    body_limit_ = RouteBodyLimit();
    parser_->body_limit(body_limit_);
    if (auto declared = parser_->content_length(); declared && *declared > body_limit_) {
      return OnReadError(bhttp::error::body_limit);  // refused before a byte of the body is read
    }
    // The route's admission (authentication, concurrency) before a byte of the body is read: an
    // unauthenticated upload costs a header, not 100 MiB of memory.
    head_ = std::make_shared<Request>();
    FillHead(req, head_.get());
    streamed_ = server_->router.StreamsBody(head_->method, head_->path);
    auto admitted = server_->router.Admit(*head_);
    if (!admitted.ok()) {
      keep_alive_ = false;  // the body (if the client sends it anyway) is never read
      return Write(ErrorResponse(admitted.error()));
    }
    head_->admission = std::move(*admitted);
    // Tell clients that wait for it (curl with large bodies) to go on sending the body.
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, size_t) {
        if (wec) return self->Close();
        self->StartBody();
      });
      return;
    }
    StartBody();
  }

  void StartBody() {
    if (streamed_) return StartStreamedBody();
    ReadBody();
  }

  // Method, path, query and headers (names lower-cased): what handlers and admissions see.
  static void FillHead(const bhttp::request_parser<bhttp::string_body>::value_type& raw, Request* request) {
    request->method = std::string(raw.method_string());
    std::string_view target(raw.target().data(), raw.target().size());
    size_t q = target.find('?');
    request->path = UrlDecode(target.substr(0, q));
    if (q != std::string_view::npos) request->query = std::string(target.substr(q + 1));
    for (const auto& field : raw.base()) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request->headers.emplace_back(std::move(name), std::string(field.value()));
    }
  }

  // RFC 9112 §6.3: a body is framed by Content-Length or by exactly `chunked`. Any other
  // Transfer-Encoding (`chunked, identity`, `identity`, `gzip`), or both headers at once, could be
  // read differently by a proxy in front of us — the body smuggled as the next request — so it is
  // refused and the connection closed. HTTP/1.1 also requires Host.
  static std::optional<std::string> FramingError(const bhttp::request_parser<bhttp::string_body>::value_type& req) {
    auto te = req.find(bhttp::field::transfer_encoding);
    if (te != req.end()) {
      std::string_view v(te->value().data(), te->value().size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      if (!beast::iequals(beast::string_view(v.data(), v.size()), "chunked"))
        return "unsupported Transfer-Encoding (only 'chunked')";
      if (req.count(bhttp::field::transfer_encoding) > 1) return "repeated Transfer-Encoding";
      if (req.find(bhttp::field::content_length) != req.end()) return "both Transfer-Encoding and Content-Length";
    }
    if (req.version() >= 11 && req.find(bhttp::field::host) == req.end()) return "HTTP/1.1 request without Host";
    return std::nullopt;
  }

  // The body limit of the route the parsed request line names (the server's default otherwise).
  size_t RouteBodyLimit() {
    const auto& req = parser_->get();
    std::string_view target(req.target().data(), req.target().size());
    std::string path = UrlDecode(target.substr(0, target.find('?')));
    std::string_view method(req.method_string().data(), req.method_string().size());
    return server_->router.BodyLimit(method, path).value_or(server_->settings.max_body_bytes);
  }

  // The body is read piece by piece and the idle timer restarts with each: a slow upload that keeps
  // sending is never cut, a stalled one is after `idle_timeout` without progress.
  void ReadBody() {
    if (parser_->is_done()) return OnRead({}, 0);
    stream_.expires_after(server_->settings.idle_timeout);
    bhttp::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->OnRead(ec, 0);
      self->ReadBody();
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      return Write(ErrorResponse(431, "header_too_large", "the request header is larger than 64 KiB"));
    }
    if (ec == bhttp::error::body_limit) {
      keep_alive_ = false;
      // Refused while reading the header (a declared length over every limit): the request line is
      // parsed by then, so the answer can name the route's limit.
      if (!parser_->get().target().empty()) body_limit_ = RouteBodyLimit();
      return Write(ErrorResponse(413, "payload_too_large",
                                 "the request body is larger than " + std::to_string(body_limit_) + " bytes"));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      keep_alive_ = false;
      return Write(ErrorResponse(400, "bad_request", "malformed HTTP request"));
    }
    Close();
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    stream_.expires_never();  // a handler may take long (synchronous sends); no timer while it runs
    bhttp::request<bhttp::string_body> raw = parser_->release();
    keep_alive_ = raw.keep_alive();
    std::shared_ptr<Request> request = std::move(head_);  // filled and admitted in OnHeader
    request->body = std::move(raw.body());
    Dispatch(request);
  }

  // Hands `request` to its handler (inline or on a pool) and returns the responder it answers through.
  Responder Dispatch(const std::shared_ptr<Request>& request) {
    request->received_at_us = arrival_us_ != 0 ? arrival_us_ : core::ToUnixUs(std::chrono::system_clock::now());
    auto start = std::chrono::steady_clock::now();
    auto self = shared_from_this();
    Responder responder(
        [self, request, start](Response response) {
          if (self->server_->observer) {
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            self->server_->observer(*request, response.status, secs);
          }
          self->server_->PostAnswer(self, std::move(response));
        },
        [self, request, start](Response head) -> std::shared_ptr<BodyWriter> {
          if (self->server_->observer) {
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            self->server_->observer(*request, head.status, secs);
          }
          return self->StartStream(std::move(head));
        });
    auto guarded = [request, responder](const std::function<void()>& run) {
      try {
        run();
      } catch (const std::exception& e) {
        core::LogError("http.server", "handler threw", {{"route", request->route}, {"error", e.what()}});
        responder(ErrorResponse(500, "internal_error", "internal error"));
      }
    };
    auto offload = [this, guarded](Execution execution, std::function<void()> work) {
      auto& pool = execution == Execution::kUpstream ? server_->upstream : server_->workers;
      net::post(pool, [guarded, work = std::move(work)]() { guarded(work); });
    };
    guarded([&] { server_->router.Dispatch(request, responder, offload); });
    return responder;
  }

  // Streamed bodies (Router::AddStreamed): the handler runs as soon as the header is admitted and
  // takes the body from a BodyPipe, which this strand fills a piece at a time. While a piece waits in
  // the pipe and the next one is full, nothing more is read from the socket (TCP slows the client),
  // so a body costs at most two pieces and one socket read of memory however large it is.
  void StartStreamedBody() {
    // Same header, same limit; a body type that writes into our pieces instead of one string.
    body_parser_.emplace(std::move(*parser_));
    keep_alive_ = body_parser_->get().keep_alive();
    piece_.resize(kBodyPieceBytes);
    piece_used_ = 0;
    body_paused_ = false;
    pipe_ = std::make_shared<BodyPipe>([weak = weak_from_this()] {
      if (auto self = weak.lock()) net::post(self->stream_.get_executor(), [self] { self->OnPipeEmptied(); });
    });
    server_->TrackStreaming(shared_from_this());
    std::shared_ptr<Request> request = std::move(head_);
    request->body_stream = pipe_;
    // The handler runs on the upstream pool and its answer is posted here, so pipe_ is still set below.
    body_responder_ = Dispatch(request);
    if (body_parser_->is_done()) return DeliverLastPiece();
    PumpBody();
  }

  void PumpBody() {
    auto& body = body_parser_->get().body();
    body.data = piece_.data() + piece_used_;
    body.size = piece_.size() - piece_used_;
    body_reading_ = true;
    stream_.expires_after(server_->settings.idle_timeout);  // per read: a slow upload that keeps sending is fine
    bhttp::async_read_some(stream_, buffer_, *body_parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBodyRead(ec); });
  }

  void OnBodyRead(beast::error_code ec) {
    body_reading_ = false;
    piece_used_ = piece_.size() - body_parser_->get().body().size;
    if (!pipe_) {  // answered meanwhile: the rest of the body is dropped
      if (lingering_) StartDropping();
      return;
    }
    if (ec == bhttp::error::need_buffer) ec = {};  // the piece is full
    if (ec) return OnBodyError(ec);
    server_->NoteBytesAhead(pipe_->WaitingBytes() + piece_used_ + buffer_.size());
    if (body_parser_->is_done()) return DeliverLastPiece();
    if (piece_used_ > 0 && OfferPiece()) return PumpBody();
    if (piece_used_ < piece_.size()) return PumpBody();  // fill the piece while the handler holds one
    body_paused_ = true;  // a piece waits and the next is full: read on once the handler takes one
    ++server_->body_pauses;
  }

  // Runs when the handler took the waiting piece after an Offer found the pipe full.
  void OnPipeEmptied() {
    if (!pipe_ || !body_paused_) return;  // answered meanwhile, or a late wake: reading went on
    body_paused_ = false;
    if (body_parser_->is_done()) return DeliverLastPiece();
    if (OfferPiece()) return PumpBody();
    body_paused_ = true;  // the slot refilled before this wake ran; a new wake is registered
  }

  void DeliverLastPiece() {
    if (piece_used_ > 0 && !OfferPiece()) {
      body_paused_ = true;
      return;
    }
    pipe_->Finish();
    body_responder_.reset();  // nothing left for the server to answer on the handler's behalf
  }

  // Hands the filled part of the current piece to the pipe; false (the piece kept) when one waits.
  bool OfferPiece() {
    piece_.resize(piece_used_);
    bool taken = pipe_->Offer(&piece_);
    if (taken) piece_used_ = 0;
    piece_.resize(kBodyPieceBytes);
    return taken;
  }

  // The body broke: the handler learns it from its reader, and the client from us when it can still
  // listen (the server's limit, broken framing), as it would for a body read whole.
  void OnBodyError(beast::error_code ec) {
    std::shared_ptr<BodyPipe> pipe = std::move(pipe_);
    pipe_.reset();
    std::optional<Responder> responder = std::move(body_responder_);
    body_responder_.reset();
    keep_alive_ = false;
    std::optional<core::Error> answer;
    if (ec == bhttp::error::body_limit) {
      answer = core::Error(core::ErrorKind::kTooLarge, "payload_too_large",
                           "the request body is larger than " + std::to_string(body_limit_) + " bytes");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      answer = core::Error::Invalid("malformed_body", "the request body's chunked framing is malformed");
    }
    if (!answer) {
      pipe->Fail(BodyIncomplete(ec == beast::error::timeout
                                    ? "no byte of it arrived for " +
                                          std::to_string(server_->settings.idle_timeout.count()) + " s"
                                    : "the client closed the connection"));
      return Close();
    }
    linger_ = true;
    // Answer before the reader fails, so that the handler, woken by the failure, cannot answer first.
    if (responder) (*responder)(ErrorResponse(*answer));  // ignored if the handler answered already
    pipe->Fail(*answer);
  }

  // The request is being answered. A streamed body read to its end leaves the connection usable; the
  // rest of one that is not (the handler answered early) is dropped and the connection closes after
  // the answer, so the rest is never read as the next request.
  void EndStreamedBody() {
    if (!pipe_) return;
    std::shared_ptr<BodyPipe> pipe = std::move(pipe_);
    pipe_.reset();
    body_responder_.reset();
    pipe->Fail({core::ErrorKind::kInternal, "body_abandoned", "the request was answered before its body was read"});
    if (body_parser_->is_done()) return;
    keep_alive_ = false;
    linger_ = true;
  }

  // After the answer was written (or failed to be).
  void AfterAnswer(beast::error_code ec) {
    if (ec) return Close();
    if (linger_) return Linger();
    if (!keep_alive_) return Close();
    ReadHeader();
  }

  // Closes a connection whose request body was not read to its end, without destroying the answer:
  // closing a socket with unread input resets the connection, and a client still sending may lose the
  // answer to that reset. So stop sending, drop what still arrives for up to kLingerTime, then close.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    lingering_ = true;
    if (!body_reading_) StartDropping();  // else OnBodyRead starts once the body's read ends
  }

  void StartDropping() {
    stream_.expires_after(kLingerTime);  // for the whole drop: each read keeps this deadline
    piece_.resize(kBodyPieceBytes);
    DropInput();
  }

  void DropInput() {
    stream_.async_read_some(net::buffer(piece_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->DropInput();
    });
  }

  void Write(Response response) {
    EndStreamedBody();
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(response.status), 11);
    res->set(bhttp::field::server, "wagate");
    res->set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, size_t) { self->AfterAnswer(ec); });
  }

  // Streamed bodies (BodyWriter): the producer runs on a worker thread and each step runs on this
  // session's strand while the producer waits, so at most one chunk is in memory per download.
  class SocketBodyWriter final : public BodyWriter {
   public:
    explicit SocketBodyWriter(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    ~SocketBodyWriter() override {
      if (!finished_) net::post(session_->stream_.get_executor(), [s = session_] { s->Close(); });
    }
    bool Write(std::string_view chunk) override {
      if (finished_ || failed_) return false;
      if (chunk.empty()) return true;
      failed_ = !session_->RunOnStrand([s = session_.get(), chunk](std::function<void(bool)> done) {
        s->stream_res_->body().data = const_cast<char*>(chunk.data());
        s->stream_res_->body().size = chunk.size();
        s->stream_res_->body().more = true;
        s->WriteStreamed(std::move(done));
      });
      return !failed_;
    }
    void Finish() override {
      if (finished_) return;
      finished_ = true;
      if (failed_) {
        net::post(session_->stream_.get_executor(), [s = session_] { s->Close(); });
        return;
      }
      net::post(session_->stream_.get_executor(), [s = session_] {
        s->stream_res_->body().data = nullptr;
        s->stream_res_->body().size = 0;
        s->stream_res_->body().more = false;
        s->WriteStreamed([s](bool ok) {
          s->stream_sr_.reset();
          s->stream_res_.reset();
          if (!ok) return s->Close();
          s->AfterAnswer({});
        });
      });
    }

   private:
    std::shared_ptr<Session> session_;
    bool finished_ = false;
    bool failed_ = false;
  };

  std::shared_ptr<BodyWriter> StartStream(Response head) {
    auto self = shared_from_this();
    bool ok = RunOnStrand([this, &head](const std::function<void(bool)>& done) {
      EndStreamedBody();
      stream_res_.emplace(static_cast<bhttp::status>(head.status), 11);
      auto& res = *stream_res_;
      res.set(bhttp::field::server, "wagate");
      res.set(bhttp::field::content_type, head.content_type);
      std::optional<uint64_t> length;
      for (auto& [name, value] : head.headers) {
        if (beast::iequals(name, "content-length")) {
          length = std::stoull(value);
        } else {
          res.set(name, value);
        }
      }
      res.keep_alive(keep_alive_);
      if (length) {
        res.content_length(*length);
      } else {
        res.chunked(true);
      }
      res.body().data = nullptr;
      res.body().more = true;
      stream_sr_.emplace(res);
      stream_.expires_after(std::chrono::seconds(30));
      bhttp::async_write_header(stream_, *stream_sr_, [done](beast::error_code ec, size_t) { done(!ec); });
    });
    auto writer = std::make_shared<SocketBodyWriter>(self);
    if (!ok) writer->Finish();  // the client is gone: Write answers false from now on
    return writer;
  }

  // Writes the current buffer of the streamed body; `done(true)` once it is on the socket.
  void WriteStreamed(std::function<void(bool)> done) {
    stream_.expires_after(std::chrono::seconds(30));  // a client that stops reading is dropped
    bhttp::async_write(stream_, *stream_sr_, [done = std::move(done)](beast::error_code ec, size_t) {
      done(!ec || ec == bhttp::error::need_buffer);
    });
  }

  // Runs `step` on the strand and blocks the calling (worker) thread until it reports. Never call
  // from an I/O thread.
  bool RunOnStrand(std::function<void(std::function<void(bool)>)> step) {
    auto result = std::make_shared<std::promise<bool>>();
    std::future<bool> future = result->get_future();
    net::post(stream_.get_executor(),
              [step = std::move(step), result]() { step([result](bool ok) { result->set_value(ok); }); });
    return future.get();
  }

  void Close() {
    if (pipe_) std::exchange(pipe_, nullptr)->Fail(BodyIncomplete("the connection closed"));
    body_responder_.reset();  // it holds this session: a closed one must not keep itself alive
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer idle_timer_{stream_.get_executor()};  // only while awaiting a stamped arrival
  int64_t arrival_us_ = 0;                                // the current request's kernel stamp, 0 = none
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Request> head_;  // the request being read: its head is filled and admitted in OnHeader
  size_t body_limit_ = 0;
  bool streamed_ = false;  // the request's route streams its body
  // A streamed body: the parser writes into `piece_` ([0, piece_used_) filled); `pipe_` is set until
  // the request is answered or its body breaks; `body_responder_` lets the server answer a broken body.
  std::optional<bhttp::request_parser<bhttp::buffer_body>> body_parser_;
  std::shared_ptr<BodyPipe> pipe_;
  std::optional<Responder> body_responder_;
  std::string piece_;
  size_t piece_used_ = 0;
  bool body_reading_ = false;  // a read of the body is on the socket
  bool body_paused_ = false;   // reading waits for the handler to take a piece
  bool linger_ = false;        // after the answer, close through Linger
  bool lingering_ = false;
  std::optional<bhttp::response<bhttp::buffer_body>> stream_res_;
  std::optional<bhttp::response_serializer<bhttp::buffer_body>> stream_sr_;
  HttpServer::Impl* server_;
  bool keep_alive_ = true;
};

}  // namespace

void HttpServer::Impl::PostAnswer(std::shared_ptr<Session> session, Response response) {
  bool first;
  {
    std::lock_guard lock(answers_mu);
    answers.emplace_back(std::move(session), std::move(response));
    first = !std::exchange(answers_posted, true);
  }
  if (first) net::post(ioc, [this] { WriteAnswers(); });
}

// On an I/O thread: each answer is written on its session's strand, here and now when the strand is
// free (dispatch from a thread running the context), so a burst costs one wake-up in all.
void HttpServer::Impl::WriteAnswers() {
  std::vector<std::pair<std::shared_ptr<Session>, Response>> burst;
  {
    std::lock_guard lock(answers_mu);
    burst.swap(answers);
    answers_posted = false;
  }
  for (auto& [session, response] : burst) session->Answer(std::move(response));
}

void HttpServer::Impl::TrackStreaming(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(streaming_mu);
  std::erase_if(streaming, [](const std::weak_ptr<Session>& s) { return s.expired(); });
  streaming.push_back(session);
}

void HttpServer::Impl::NoteBytesAhead(size_t bytes) {
  size_t peak = peak_bytes_ahead.load();
  while (bytes > peak && !peak_bytes_ahead.compare_exchange_weak(peak, bytes)) {
  }
}

void HttpServer::Impl::WarnRateLimited(const char* message, std::initializer_list<core::LogField> fields) {
  int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  int64_t last = last_accept_warning_ms.load();
  if (now - last < 1000 || !last_accept_warning_ms.compare_exchange_strong(last, now)) return;
  core::LogWarn("http.server", message, fields);
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      // Out of descriptors (EMFILE/ENFILE) the pending connection stays in the backlog and every
      // retry fails at once: pause instead of spinning, and say so at most once a second.
      WarnRateLimited("accept failed; retrying in 50 ms",
                      {{"error", ec.message()}, {"connections", connections.load()}});
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    if (connections.load() >= settings.max_connections) {
      WarnRateLimited("connection limit reached; closing new connections",
                      {{"max_connections", settings.max_connections}});
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

HttpServer::HttpServer(ServerSettings settings, const Router& router, RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(settings), router, std::move(observer))) {}

HttpServer::~HttpServer() { Stop(); }

core::Result<std::string> HttpServer::Start() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->settings.host, ec);
  if (ec)
    return core::Error::Invalid("invalid_config", "listen address '" + impl_->settings.host + "' is not an IP address");
  tcp::endpoint endpoint(address, impl_->settings.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Error::Internal("cannot listen on " + impl_->settings.host + ":" +
                                 std::to_string(impl_->settings.port) + ": " + ec.message());
  }
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->settings.io_threads); ++i) {
    impl_->io_threads.emplace_back([this] {
      core::NameThisThread("http");
      impl_->ioc.run();
    });
  }
  impl_->started = true;
  auto bound = acc.local_endpoint();
  return bound.address().to_string() + ":" + std::to_string(bound.port());
}

void HttpServer::Stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->accept_retry.cancel();
  });
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->io_threads) t.join();
  {
    // The sockets are stopped: a handler waiting for the next piece of a body would wait forever.
    std::lock_guard lock(impl_->streaming_mu);
    for (auto& weak : impl_->streaming) {
      if (auto session = weak.lock())
        session->StopBody({core::ErrorKind::kUnavailable, "server_stopping", "the server is stopping"});
    }
    impl_->streaming.clear();
  }
  impl_->workers.stop();
  impl_->workers.join();
  impl_->upstream.stop();
  impl_->upstream.join();
}

StreamedBodyStats HttpServer::StreamedBodies() const {
  return StreamedBodyStats{impl_->peak_bytes_ahead.load(), impl_->body_pauses.load()};
}

}  // namespace wagate::http
