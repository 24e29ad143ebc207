// A media download as the HTTP answer: adapts media::ByteSink to a Responder's streamed body.
#pragma once

#include <memory>
#include <string_view>

#include "wagate/http/message.hpp"
#include "wagate/media/byte_sink.hpp"

namespace wagate::api {

// The head becomes a 200 with the media's Content-Type, its Content-Length when known and
// X-Media-SHA256; the bytes become the body. Used by one download, on the thread running it.
class ResponseSink final : public media::ByteSink {
 public:
  explicit ResponseSink(http::Responder respond) : respond_(std::move(respond)) {}

  bool Open(const media::DownloadHead& head) override;
  bool Write(std::string_view chunk) override;

  // Whether the head went out: from then on the status is spent and an error cannot be answered.
  bool opened() const { return opened_; }
  // The body is whole. A sink destroyed without Finish aborts the connection, so a client never
  // takes a truncated body for the whole media.
  void Finish();

 private:
  http::Responder respond_;
  std::shared_ptr<http::BodyWriter> writer_;
  bool opened_ = false;
};

}  // namespace wagate::api
