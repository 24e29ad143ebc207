// Plain HTTP request/response values: what handlers see. No networking types leak past the server.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::http {

// A streamed request body arrives in pieces of at most this many bytes.
inline constexpr size_t kBodyPieceBytes = 64 * 1024;

// A request body read while it arrives, for uploads too large to hold (a campaign's recipient list).
// The server reads at most one piece ahead of what the handler has taken (plus the piece it is
// filling), so a slow handler slows the client down instead of filling memory. Read blocks: use it only
// where waiting is allowed (routes added with Router::AddStreamed run on the upstream pool).
// Used by one thread at a time.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Blocks until the next piece of the body and returns true with it in `*piece` (its old contents
  // replaced; 1 to kBodyPieceBytes bytes), or false at the end of the body. An error means the body
  // will never be whole, so whatever was done with its pieces must be rolled back:
  //   payload_too_large (413)  a chunked body grew past the route's limit; the server answers 413 itself
  //   malformed_body (400)     broken chunked framing; the server answers 400 itself
  //   body_incomplete (400)    the client closed the connection, or sent nothing for the idle timeout
  //   server_stopping (503)    the server is shutting down
  //   body_abandoned (500)     the request was answered already, so the rest of its body was dropped
  // When the server answers by itself, a later answer of the handler is ignored (as any second answer
  // is). After the end or an error, Read keeps returning the same.
  virtual core::Result<bool> Read(std::string* piece) = 0;
};

// A reader that yields `body` in pieces: a streamed route dispatched with the whole body in hand
// (tests, Router::Dispatch without a server).
std::shared_ptr<BodyReader> StringBodyReader(std::string body);

struct Request {
  std::string method;                                        // "GET", "POST", …
  std::string path;                                          // decoded path without the query
  std::string query;                                         // raw query string (no '?')
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;  // empty on streamed routes, whose body comes through body_stream
  // The body, piece by piece while it arrives, on routes added with Router::AddStreamed; null otherwise.
  std::shared_ptr<BodyReader> body_stream;
  std::map<std::string, std::string> params;  // path parameters filled by the router ("{id}")
  std::string route;                          // the matched route pattern, for metrics
  // Wall clock (µs since the epoch) when the request reached this machine: the kernel's receive stamp
  // of its first byte when the server stamps arrivals (ServerSettings::kernel_arrival_stamps), else
  // when the request was read off the socket.
  int64_t received_at_us = 0;
  std::shared_ptr<void> admission;  // the route's admission ticket (see Router), held until the request is done

  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view lower_name) const;
  // Decoded query parameter.
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A response body produced piece by piece (a download relayed from Graph). Write blocks until the
// bytes are on the socket, so a slow client slows the producer instead of filling memory.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // False when the client is gone: stop producing.
  virtual bool Write(std::string_view chunk) = 0;
  // The body is complete. Destroying the writer without Finish aborts the connection, so a client
  // never mistakes a truncated body for a whole one.
  virtual void Finish() = 0;
};

// Completes a request. Callable from any thread, exactly once (later calls are ignored).
class Responder {
 public:
  using Fn = std::function<void(Response)>;
  using StreamFn = std::function<std::shared_ptr<BodyWriter>(Response)>;
  // Without `stream_fn` a streamed body is gathered and answered whole through `fn` (tests).
  explicit Responder(Fn fn, StreamFn stream_fn = nullptr);
  void operator()(Response response) const;
  // Sends status and headers of `head` (a "content-length" header, if set, fixes the length;
  // otherwise the body is chunked) and returns the writer for the body. Counts as the answer.
  std::shared_ptr<BodyWriter> Stream(Response head) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request&, Responder)>;

std::string UrlDecode(std::string_view in);
// "a=1&b=x+y" (a query string or an application/x-www-form-urlencoded body) → decoded pairs, in order.
std::vector<std::pair<std::string, std::string>> ParseUrlEncoded(std::string_view text);

}  // namespace wagate::http
