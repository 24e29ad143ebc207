// Route table: method + path pattern ("/api/v1/tenants/{id}") → handler. All routes in one table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/http/message.hpp"

namespace wagate::http {

// Where a handler runs. Inline handlers run on the socket thread and must never block (no store
// reads, no waiting): they parse, validate and hand work on with a callback. Worker handlers run on
// the server's worker pool (they may read the store). Upstream handlers wait on Graph or stream a
// body to a client at the client's pace: they get a pool of their own, so however slow Graph or a
// client is, the worker pool keeps answering reads.
enum class Execution { kWorker, kInline, kUpstream };

// Runs a closure on the pool for `execution` (kWorker or kUpstream).
using Offload = std::function<void(Execution, std::function<void()>)>;

// Runs once a request's header is read, before any byte of its body: refuses what must not cost the
// server a body read (no valid key, another tenant's outlet, too many uploads at once). A granted
// admission may hand back a ticket the request holds until it is done (a concurrency slot).
using Admission = std::function<core::Result<std::shared_ptr<void>>(const Request& head)>;

// How a route takes its request body: whole, in Request::body before the handler runs; or streamed,
// through Request::body_stream while the handler runs (see AddStreamed).
enum class BodyMode { kBuffered, kStreamed };

// The answer to a request no route takes (`path_known`: some route has its path, with another method);
// nullopt leaves it to the router's own 404/405.
using Fallback = std::function<std::optional<Response>(const Request& request, bool path_known)>;

// Built at start-up, then read-only: safe to dispatch from many threads.
class Router final {
 public:
  // `max_body_bytes` > 0 replaces the server's body limit for this route (uploads).
  void Add(std::string method, const std::string& pattern, Handler handler, Execution execution = Execution::kWorker,
           size_t max_body_bytes = 0, Admission admission = nullptr);
  // A route whose body is streamed, for uploads too large to hold. Its handler runs on the upstream
  // pool as soon as the header is read and admitted, and reads the body from `request.body_stream`
  // (a BodyReader; `request.body` stays empty). `max_body_bytes` > 0 replaces the server's limit: a
  // declared length over it is answered 413 before the handler runs; a chunked body that outgrows it
  // fails the reader and is answered 413. Answering before the end of the body drops the rest of it
  // and closes the connection after the answer.
  void AddStreamed(std::string method, const std::string& pattern, Handler handler, size_t max_body_bytes = 0,
                   Admission admission = nullptr);
  // The admission of the route `head` (method and path set) would match: its ticket, or a null ticket
  // when the route has no admission (or there is no such route: the 404/405 comes later).
  core::Result<std::shared_ptr<void>> Admit(const Request& head) const;
  // The body limit of the route `method path` would match, if it has its own.
  std::optional<size_t> BodyLimit(std::string_view method, std::string_view path) const;
  // Whether the route `method path` would match streams its body (AddStreamed).
  bool StreamsBody(std::string_view method, std::string_view path) const;
  // The largest route-specific limit (0 if none): what may arrive before the route is known.
  size_t LargestBodyLimit() const;
  // Asked before the 404/405 answers below (the sandbox answers its Graph paths in Graph's shape).
  // Runs on the dispatching thread: it must not block.
  void SetFallback(Fallback fallback) { fallback_ = std::move(fallback); }
  // Matches the route (filling params and route), then runs its handler inline or through `offload`.
  // Answers 404 for unknown paths and 405 for known paths with another method (or runs the fallback).
  void Dispatch(const std::shared_ptr<Request>& request, Responder responder, const Offload& offload) const;
  // Convenience for tests and callers without a pool: every handler runs on the calling thread. A
  // streamed route without a body_stream reads `request.body` through one (StringBodyReader).
  void Dispatch(Request& request, Responder responder) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    Execution execution;
    size_t max_body_bytes;
    Admission admission;
    BodyMode body_mode;
  };
  const Route* Match(Request& request, bool* path_known) const;
  void Answer404or405(const Request& request, Responder responder, bool path_known) const;
  static void StreamWholeBody(const Route& route, Request& request);
  std::vector<Route> routes_;
  bool any_streamed_ = false;
  Fallback fallback_;
};

}  // namespace wagate::http
