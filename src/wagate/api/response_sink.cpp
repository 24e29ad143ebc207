#include "wagate/api/response_sink.hpp"

#include <string>
#include <utility>

namespace wagate::api {

bool ResponseSink::Open(const media::DownloadHead& head) {
  opened_ = true;
  http::Response h;
  h.status = 200;
  h.content_type = head.content_type;
  if (head.content_length) h.headers.emplace_back("content-length", std::to_string(*head.content_length));
  h.headers.emplace_back("x-media-sha256", head.sha256);
  writer_ = respond_.Stream(std::move(h));
  return writer_ != nullptr;
}

bool ResponseSink::Write(std::string_view chunk) { return writer_ && writer_->Write(chunk); }

void ResponseSink::Finish() {
  if (writer_) writer_->Finish();
}

}  // namespace wagate::api
