// HTTP/1.1 server (Boost.Beast): keep-alive, body limit, handlers run off the I/O threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "wagate/core/result.hpp"
#include "wagate/http/router.hpp"

namespace wagate::http {

struct ServerSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port
  int io_threads = 2;
  int worker_threads = 8;     // run handlers; they may block briefly (SQLite reads)
  int upstream_threads = 16;  // run handlers that wait on Graph or stream to a slow client
  size_t max_body_bytes = 1 << 20;
  // A connection that makes no progress this long (no byte of a request read, or a response not
  // drained) is closed; a slow upload that keeps sending is not cut.
  std::chrono::seconds idle_timeout{75};
  size_t max_connections = 10000;  // beyond it new connections are closed at once
  // Stamp each request's arrival with the kernel's receive time of its first byte (SO_TIMESTAMPNS)
  // rather than when a thread got round to reading it: on a starved machine the two differ by tens
  // of milliseconds. The sandbox turns this on, since Meta counts throughput by arrival.
  bool kernel_arrival_stamps = false;
};

// How far streamed request bodies ran ahead of their handlers, since the server started.
struct StreamedBodyStats {
  size_t peak_bytes_ahead = 0;  // the most bytes of one body held at once between socket and handler
  uint64_t pauses = 0;          // times a socket stopped reading until its handler took a piece
};

// Called once per answered request (metrics, access logs); on any thread.
using RequestObserver = std::function<void(const Request&, int status, double seconds)>;

// Threads: `io_threads` run the sockets; handlers run on a pool of `worker_threads`, or of
// `upstream_threads` (Execution::kUpstream, streamed request bodies).
class HttpServer final {
 public:
  HttpServer(ServerSettings settings, const Router& router, RequestObserver observer = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; returns the bound "host:port".
  core::Result<std::string> Start();
  // Stops accepting, closes connections, joins the threads. Idempotent.
  void Stop();
  // Thread-safe; for tests and gauges.
  StreamedBodyStats StreamedBodies() const;

  struct Impl;  // public only so the connection code in server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace wagate::http
