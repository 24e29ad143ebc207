#include "wagate/api/response_sink.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace wagate::api {
namespace {

// A responder without a socket gathers a streamed body and answers only once it is finished.
struct Gathered {
  std::optional<http::Response> answer;
  http::Responder Responder() {
    return http::Responder([this](http::Response r) { answer = std::move(r); });
  }
};

TEST(ResponseSinkTest, FinishedDownloadIsA200WithTheMediasHeaders) {
  Gathered g;
  {
    ResponseSink sink(g.Responder());
    ASSERT_TRUE(sink.Open({"image/jpeg", 6, "abc123"}));
    EXPECT_TRUE(sink.opened());
    EXPECT_TRUE(sink.Write("bytes"));
    EXPECT_TRUE(sink.Write("!"));
    sink.Finish();
  }
  ASSERT_TRUE(g.answer);
  EXPECT_EQ(g.answer->status, 200);
  EXPECT_EQ(g.answer->content_type, "image/jpeg");
  EXPECT_EQ(g.answer->body, "bytes!");
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(g.answer->headers, (std::vector<Header>{{"content-length", "6"}, {"x-media-sha256", "abc123"}}));
}

TEST(ResponseSinkTest, UnknownLengthSendsNoContentLength) {
  Gathered g;
  ResponseSink sink(g.Responder());
  ASSERT_TRUE(sink.Open({"application/octet-stream", std::nullopt, ""}));
  sink.Finish();
  ASSERT_TRUE(g.answer);
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(g.answer->headers, (std::vector<Header>{{"x-media-sha256", ""}}));
}

// A body that broke off is never answered as if it were whole.
TEST(ResponseSinkTest, UnfinishedDownloadIsNeverAnsweredWhole) {
  Gathered g;
  {
    ResponseSink sink(g.Responder());
    ASSERT_TRUE(sink.Open({"image/jpeg", 100, ""}));
    EXPECT_TRUE(sink.Write("part"));
  }
  EXPECT_FALSE(g.answer);
}

TEST(ResponseSinkTest, NotOpenedUntilTheHead) {
  Gathered g;
  ResponseSink sink(g.Responder());
  EXPECT_FALSE(sink.opened());
  EXPECT_FALSE(sink.Write("x"));  // no head, no body
}

}  // namespace
}  // namespace wagate::api
