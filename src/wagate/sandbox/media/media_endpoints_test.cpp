// Media through the route table: upload, metadata and signed URL, download, delete, inbound media, and
// sends that refer to media ids.
#include <gtest/gtest.h>

#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/app/sandbox_test_support.hpp"
#include "wagate/sandbox/media/media_limits.hpp"
#include "wagate/security/crypto.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Json;
using testing::MultipartUpload;

struct Fixture {
  Fixture() : app(testing::QuietSettings(), clock, 1) { app.RegisterRoutes(router); }
  http::Response Upload(const std::string& file, const std::string& mime, const std::string& phone = "1") {
    testing::Upload up = MultipartUpload(file, mime);
    return Call(router, "POST", "/v24.0/" + phone + "/media", up.body, "t", {{"content-type", up.content_type}});
  }
  std::string UploadId(const std::string& file, const std::string& mime) {
    http::Response r = Upload(file, mime);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r)["id"];
  }
  // The path and query of a media URL handed out by the sandbox.
  static std::string Local(const std::string& url) { return url.substr(url.find("/_media/")); }
  http::Response Send(const std::string& body) { return Call(router, "POST", "/v24.0/1/messages", body); }
  core::FakeClock clock;
  SandboxApp app;
  http::Router router;
};

TEST(MediaEndpointsTest, UploadDescribeDownloadDelete) {
  Fixture f;
  std::string png("\x89PNG\r\n\x1a\n\0binary", 15);  // with its NUL byte, without the literal's end
  auto uploaded = f.Upload(png, "image/png");
  ASSERT_EQ(uploaded.status, 200) << uploaded.body;
  std::string id = Json(uploaded)["id"];
  EXPECT_EQ(uploaded.body, R"({"id":")" + id + R"("})");
  EXPECT_EQ(id.size(), 16u);

  auto described = Call(f.router, "GET", "/v24.0/" + id + "?phone_number_id=1");
  ASSERT_EQ(described.status, 200) << described.body;
  json meta = Json(described);
  EXPECT_EQ(meta["messaging_product"], "whatsapp");
  EXPECT_EQ(meta["mime_type"], "image/png");
  EXPECT_EQ(meta["sha256"], security::Sha256Hex(png));
  EXPECT_EQ(meta["file_size"], png.size());
  EXPECT_EQ(meta["id"], id);
  std::string url = meta["url"];
  EXPECT_EQ(url.rfind("http://sandbox.test:9090/_media/" + id + "?sig=", 0), 0u) << url;

  auto bytes = Call(f.router, "GET", Fixture::Local(url));
  ASSERT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.content_type, "image/png");
  EXPECT_EQ(bytes.body, png);
  auto no_token = Call(f.router, "GET", Fixture::Local(url), "", "");
  EXPECT_EQ(no_token.status, 401);
  std::string tampered = Fixture::Local(url);
  tampered[tampered.find("sig=") + 4] = tampered[tampered.find("sig=") + 4] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Call(f.router, "GET", tampered).status, 404);

  f.clock.Advance(core::Millis(300'000));  // the URL lasts media_url_ttl_ms, inclusive
  EXPECT_EQ(Call(f.router, "GET", Fixture::Local(url)).status, 200);
  f.clock.Advance(core::Millis(1));
  EXPECT_EQ(Call(f.router, "GET", Fixture::Local(url)).status, 404);
  std::string fresh = Json(Call(f.router, "GET", "/v24.0/" + id))["url"];
  EXPECT_EQ(Call(f.router, "GET", Fixture::Local(fresh)).status, 200);

  EXPECT_EQ(Json(Call(f.router, "GET", "/v24.0/" + id + "?phone_number_id=2"))["error"]["code"], 100);
  auto deleted = Call(f.router, "DELETE", "/v24.0/" + id);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, R"({"success":true})");
  auto gone = Call(f.router, "GET", "/v24.0/" + id);
  EXPECT_EQ(gone.status, 400);
  EXPECT_EQ(Json(gone)["error"]["code"], 100);
  EXPECT_EQ(Call(f.router, "GET", Fixture::Local(fresh)).status, 404);
  EXPECT_EQ(Json(Call(f.router, "DELETE", "/v24.0/" + id))["error"]["code"], 100);
}

TEST(MediaEndpointsTest, UploadErrorsAreMetas100) {
  Fixture f;
  auto code_of = [](const http::Response& r) {
    return r.status == 400 ? Json(r)["error"]["code"].get<int>() : -r.status;
  };
  EXPECT_EQ(code_of(f.Upload("gif", "image/gif")), 100);
  EXPECT_EQ(code_of(f.Upload("", "image/png")), 100);
  EXPECT_EQ(code_of(f.Upload("x", "")), 100) << "no content type and no type field";
  auto big = f.Upload(std::string(5 * kMiB + 1, 'j'), "image/jpeg");
  ASSERT_EQ(code_of(big), 100);
  EXPECT_NE(Json(big)["error"]["error_data"]["details"].get<std::string>().find("5 MB"), std::string::npos);
  EXPECT_EQ(code_of(f.Upload(std::string(5 * kMiB, 'j'), "image/jpeg")), -200);
  EXPECT_EQ(code_of(f.Upload(std::string(500 * 1024 + 1, 'w'), "image/webp")), 100);

  testing::Upload no_product = MultipartUpload("x", "text/plain", /*with_product=*/false);
  EXPECT_EQ(code_of(Call(f.router, "POST", "/v24.0/1/media", no_product.body, "t",
                         {{"content-type", no_product.content_type}})),
            100);
  testing::Upload mismatch = MultipartUpload("x", "text/plain", true, "application/pdf");
  EXPECT_EQ(
      code_of(Call(f.router, "POST", "/v24.0/1/media", mismatch.body, "t", {{"content-type", mismatch.content_type}})),
      100);
  testing::Upload typed = MultipartUpload("%PDF", "", true, "application/pdf");  // `type` stands in
  EXPECT_EQ(code_of(Call(f.router, "POST", "/v24.0/1/media", typed.body, "t", {{"content-type", typed.content_type}})),
            -200);
  EXPECT_EQ(code_of(Call(f.router, "POST", "/v24.0/1/media", "{}", "t", {{"content-type", "application/json"}})), 100);
  testing::Upload ok = MultipartUpload("x", "text/plain");
  EXPECT_EQ(Call(f.router, "POST", "/v24.0/1/media", ok.body, "", {{"content-type", ok.content_type}}).status, 401);
  EXPECT_EQ(Json(Call(f.router, "POST", "/v24.0/x/media", ok.body, "t",
                      {{"content-type", ok.content_type}}))["error"]["error_subcode"],
            33);
}

TEST(MediaEndpointsTest, SendsMayOnlyUseMediaIdsOfThisSandbox) {
  Fixture f;
  std::string id = f.UploadId("%PDF-1.4", "application/pdf");
  auto ok = f.Send(R"({"messaging_product":"whatsapp","to":"5","type":"document","document":{"id":")" + id +
                   R"(","filename":"a.pdf"}})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto unknown =
      f.Send(R"({"messaging_product":"whatsapp","to":"5","type":"image","image":{"id":"2999999999999999"}})");
  EXPECT_EQ(unknown.status, 400);
  std::string details = Json(unknown)["error"]["error_data"]["details"];
  EXPECT_NE(details.find("2999999999999999"), std::string::npos) << details;
  EXPECT_NE(details.find("image['id']"), std::string::npos) << details;
  auto header = f.Send(R"({"messaging_product":"whatsapp","to":"5","type":"interactive","interactive":{"type":"button",
      "header":{"type":"image","image":{"id":"2999999999999998"}},"body":{"text":"x"},
      "action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}})");
  EXPECT_EQ(Json(header)["error"]["code"], 100);
  Call(f.router, "DELETE", "/v24.0/" + id);
  EXPECT_EQ(Json(f.Send(R"({"messaging_product":"whatsapp","to":"5","type":"document","document":{"id":")" + id +
                        R"("}})"))["error"]["code"],
            100);
}

TEST(MediaEndpointsTest, InboundMediaIsStoredAndDownloadable) {
  Fixture f;
  auto inbound = Call(f.router, "POST", "/_sandbox/inbound",
                      R"({"phone_number_id":"1","from":"+4915112345678","type":"document",
                          "document":{"filename":"a.pdf","mime_type":"application/pdf","size":3000000}})");
  ASSERT_EQ(inbound.status, 200) << inbound.body;
  json answer = Json(inbound);
  std::string media_id = answer["media_id"];
  json meta = Json(Call(f.router, "GET", "/v24.0/" + media_id + "?phone_number_id=1"));
  EXPECT_EQ(meta["file_size"], 3000000);
  EXPECT_EQ(meta["sha256"], answer["sha256"]);
  std::string url = meta["url"];
  auto bytes = Call(f.router, "GET", Fixture::Local(url));
  ASSERT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.body.size(), 3000000u);
  EXPECT_EQ(security::Sha256Hex(bytes.body), answer["sha256"]);
  // The same size gives the same bytes.
  auto again = Json(
      Call(f.router, "POST", "/_sandbox/inbound",
           R"({"phone_number_id":"1","from":"5","type":"image","image":{"mime_type":"image/jpeg","size":3000000}})"));
  EXPECT_EQ(again["sha256"], answer["sha256"]);
  EXPECT_NE(again["media_id"], answer["media_id"]);

  auto exact = Json(Call(f.router, "POST", "/_sandbox/inbound",
                         R"({"phone_number_id":"1","from":"5","type":"audio",
                             "audio":{"mime_type":"audio/ogg; codecs=opus","data_base64":"aGVsbG8=","voice":true}})"));
  EXPECT_EQ(exact["sha256"], security::Sha256Hex("hello"));
  EXPECT_EQ(Json(Call(f.router, "GET", "/v24.0/" + exact["media_id"].get<std::string>()))["mime_type"],
            "audio/ogg; codecs=opus");

  for (
      const char* bad :
      {R"({"phone_number_id":"1","from":"5","type":"document"})",
       R"({"phone_number_id":"1","from":"5","type":"document","document":{"mime_type":"application/pdf"}})",
       R"({"phone_number_id":"1","from":"5","type":"document","document":{"mime_type":"application/pdf","size":1,"data_base64":"aA=="}})",
       R"({"phone_number_id":"1","from":"5","type":"document","document":{"size":10}})",
       R"({"phone_number_id":"1","from":"5","type":"document","document":{"mime_type":"application/pdf","size":2147483649}})",
       R"({"phone_number_id":"1","from":"5","type":"image","image":{"mime_type":"image/png","size":1,"filename":"a.png"}})",
       R"({"phone_number_id":"1","from":"5","type":"audio","audio":{"mime_type":"audio/aac","size":1,"caption":"c"}})",
       R"({"phone_number_id":"1","from":"5","type":"image","image":{"mime_type":"image/png","data_base64":"***"}})",
       R"({"phone_number_id":"1","from":"5","type":"Poll!"})"}) {  // any lowercase word is a type (unknown)
    EXPECT_EQ(Call(f.router, "POST", "/_sandbox/inbound", bad).status, 400) << bad;
  }
}

TEST(MediaEndpointsTest, MarkAsReadNeedsAKnownWamid) {
  Fixture f;
  auto mark = [&](const std::string& wamid) {
    return f.Send(R"({"messaging_product":"whatsapp","status":"read","message_id":")" + wamid + R"("})");
  };
  auto unknown = mark("wamid.NOPE");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Json(unknown)["error"]["code"], 100);
  std::string inbound =
      Json(Call(f.router, "POST", "/_sandbox/inbound", R"({"phone_number_id":"1","from":"5","text":"hi"})"))["wamid"];
  auto read = mark(inbound);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, R"({"success":true})");
  std::string outbound =
      Json(f.Send(R"({"messaging_product":"whatsapp","to":"5","text":{"body":"hi"}})"))["messages"][0]["id"];
  EXPECT_EQ(mark(outbound).status, 200);
  // Accepted mark-as-read requests keep their exact body in the request log.
  auto requests = Json(Call(f.router, "GET", "/_sandbox/requests"));
  EXPECT_EQ(requests["requests"][1]["request"], json::parse(R"({"messaging_product":"whatsapp","status":"read",
                                                                "message_id":")" +
                                                            inbound + "\"}"));
  EXPECT_TRUE(requests["requests"][0]["request"].is_null()) << "refused requests keep no body";
}

TEST(MediaEndpointsTest, ReactionsToUnknownMessagesFailLater) {
  core::FakeClock clock;
  SandboxApp app(testing::QuietSettings(), clock, 1);
  auto react = [&](const std::string& target) {
    return app.Send("v24.0", "1", "t",
                    R"({"messaging_product":"whatsapp","to":"5","type":"reaction",
                                           "reaction":{"message_id":")" +
                        target + R"(","emoji":"👍"}})");
  };
  SendOutcome unknown = react("wamid.NOPE");
  EXPECT_EQ(unknown.http_status, 200);
  EXPECT_EQ(unknown.async_failure, 131009);
  SendOutcome text = app.Send("v24.0", "1", "t", R"({"messaging_product":"whatsapp","to":"5","text":{"body":"hi"}})");
  SendOutcome known = react(*text.wamid);
  EXPECT_FALSE(known.async_failure.has_value());
  EXPECT_EQ(react(*known.wamid).async_failure, 131009) << "a reaction to a reaction";
}

TEST(MediaEndpointsTest, MessagesLogKeepsTheExactBody) {
  Fixture f;
  std::string body = R"({"to":"5","messaging_product":"whatsapp","type":"location",)"
                     R"("location":{"longitude":-122.140,"latitude":"37.48","name":"HQ"}})";
  ASSERT_EQ(f.Send(body).status, 200);
  json messages = Json(Call(f.router, "GET", "/_sandbox/messages"));
  EXPECT_EQ(messages["messages"][0]["request_raw"], body);
  EXPECT_EQ(messages["messages"][0]["request"], json::parse(body));
  auto raw = Call(f.router, "GET", "/_sandbox/messages").body;
  EXPECT_NE(raw.find(R"("request":{"to":"5","messaging_product":"whatsapp")"), std::string::npos) << "key order kept";
}

}  // namespace
}  // namespace wagate::sandbox
