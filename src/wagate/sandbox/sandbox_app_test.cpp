#include "wagate/sandbox/sandbox_app.hpp"

#include <gtest/gtest.h>

#include "wagate/http/router.hpp"

namespace wagate::sandbox {
namespace {

constexpr const char* kText = R"({"messaging_product":"whatsapp","to":"+16505551234","type":"text",
                                  "text":{"body":"hi"},"biz_opaque_callback_data":"msg_1"})";

SandboxSettings NoWebhooks() {
  SandboxSettings s;
  s.webhook_url = "";
  s.mps = 2;
  return s;
}

TEST(SandboxAppTest, AcceptsAndAnswersLikeMeta) {
  core::FakeClock clock;
  SandboxApp app(NoWebhooks(), clock, 1);
  SendOutcome out = app.Send("v24.0", "106540352242922", "token", kText);
  ASSERT_EQ(out.http_status, 200) << out.body.dump();
  EXPECT_EQ(out.body["messaging_product"], "whatsapp");
  EXPECT_EQ(out.body["contacts"][0]["input"], "+16505551234");
  EXPECT_EQ(out.body["contacts"][0]["wa_id"], "16505551234");
  std::string wamid = out.body["messages"][0]["id"];
  EXPECT_EQ(wamid.rfind("wamid.", 0), 0u);
  EXPECT_LE(wamid.size(), 128u);
  EXPECT_EQ(out.wamid, wamid);
  EXPECT_FALSE(out.body["messages"][0].contains("message_status"));
}

TEST(SandboxAppTest, TemplatesAreAcceptedWithMessageStatus) {
  core::FakeClock clock;
  SandboxApp app(NoWebhooks(), clock, 1);
  SendOutcome out = app.Send("v24.0", "1", "token",
                             R"({"messaging_product":"whatsapp","to":"1","type":"template",
                                 "template":{"name":"hello_world","language":{"code":"en_US"}}})");
  ASSERT_EQ(out.http_status, 200);
  EXPECT_EQ(out.body["messages"][0]["message_status"], "accepted");
}

TEST(SandboxAppTest, ChecksPathThenTokenThenRateThenBody) {
  core::FakeClock clock;
  SandboxApp app(NoWebhooks(), clock, 1);
  EXPECT_EQ(app.Send("latest", "1", "token", kText).http_status, 400);
  EXPECT_EQ(app.Send("v24.0", "abc", "token", kText).graph_code, 100);
  SendOutcome no_token = app.Send("v24.0", "1", "", "{");
  EXPECT_EQ(no_token.http_status, 401);
  EXPECT_EQ(no_token.graph_code, 190);
  // Unauthenticated requests did not use up the window: two bad bodies do, then 130429.
  EXPECT_EQ(app.Send("v24.0", "1", "t", "{").graph_code, 100);
  EXPECT_EQ(app.Send("v24.0", "1", "t", "{").graph_code, 100);
  EXPECT_EQ(app.Send("v24.0", "1", "t", kText).graph_code, 130429);
  clock.Advance(core::Millis(1000));
  EXPECT_EQ(app.Send("v24.0", "1", "t", kText).http_status, 200);
}

TEST(SandboxAppTest, ConfiguredAccessTokenIsTheOnlyOneAccepted) {
  core::FakeClock clock;
  SandboxSettings s = NoWebhooks();
  s.access_token = "secret-token";
  SandboxApp app(s, clock, 1);
  EXPECT_EQ(app.Send("v24.0", "1", "other", kText).graph_code, 190);
  EXPECT_EQ(app.Send("v24.0", "1", "secret-token", kText).http_status, 200);
}

TEST(SandboxAppTest, InjectedFaultsUseMetasShapes) {
  core::FakeClock clock;
  SandboxSettings s = NoWebhooks();
  s.mps = 0;
  s.faults.fail_rate = 1.0;
  SandboxApp fail(s, clock, 1);
  SendOutcome out = fail.Send("v24.0", "1", "t", kText);
  EXPECT_EQ(out.http_status, 500);
  EXPECT_EQ(out.body["error"]["code"], 131000);

  s.faults.fail_rate = 0;
  s.faults.timeout_rate = 1.0;
  s.timeout_ms = 1234;
  SandboxApp hang(s, clock, 1);
  out = hang.Send("v24.0", "1", "t", kText);
  EXPECT_EQ(out.hold.count(), 1234);
  EXPECT_FALSE(out.wamid.has_value());

  s.faults.timeout_rate = 0;
  s.faults.error_code = 131026;
  s.faults.error_rate = 1.0;
  SandboxApp chosen(s, clock, 1);
  out = chosen.Send("v24.0", "1", "t", kText);
  EXPECT_EQ(out.http_status, 400);
  EXPECT_EQ(out.body["error"]["message"], "(#131026) Message undeliverable");
}

TEST(SandboxAppTest, MarkAsReadAnswersSuccess) {
  core::FakeClock clock;
  SandboxApp app(NoWebhooks(), clock, 1);
  SendOutcome out =
      app.Send("v24.0", "1", "t", R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"})");
  EXPECT_EQ(out.http_status, 200);
  EXPECT_EQ(out.body.dump(), R"({"success":true})");
}

// Dispatches through the real route table; handlers answer synchronously unless a request is held.
http::Response Call(const http::Router& router, std::string method, std::string path, std::string body = "",
                    std::string bearer = "t") {
  http::Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = std::move(body);
  if (!bearer.empty()) request.headers.emplace_back("authorization", "Bearer " + bearer);
  http::Response answer;
  answer.status = -1;
  router.Dispatch(request, http::Responder([&answer](http::Response r) { answer = std::move(r); }));
  return answer;
}

TEST(SandboxAppTest, ControlRoutesInspectAndChangeTheSimulator) {
  core::FakeClock clock;
  SandboxApp app(NoWebhooks(), clock, 1);
  http::Router router;
  app.RegisterRoutes(router);

  EXPECT_EQ(Call(router, "POST", "/v24.0/1/messages", kText).status, 200);
  EXPECT_EQ(Call(router, "POST", "/v24.0/1/messages", kText, "").status, 401);
  auto requests = nlohmann::json::parse(Call(router, "GET", "/_sandbox/requests").body);
  ASSERT_EQ(requests["count"], 2);
  EXPECT_EQ(requests["requests"][0]["biz_opaque_callback_data"], "msg_1");
  EXPECT_TRUE(requests["requests"][0]["graph_code"].is_null());
  EXPECT_EQ(requests["requests"][1]["graph_code"], 190);
  EXPECT_EQ(requests["requests"][1]["http_status"], 401);
  EXPECT_TRUE(requests["requests"][1]["wamid"].is_null());

  auto messages = nlohmann::json::parse(Call(router, "GET", "/_sandbox/messages").body);
  ASSERT_EQ(messages["count"], 1);
  EXPECT_EQ(messages["messages"][0]["text"], "hi");
  EXPECT_EQ(messages["messages"][0]["request"]["to"], "+16505551234");
  EXPECT_EQ(messages["messages"][0]["wamid"], requests["requests"][0]["wamid"]);

  auto stats = nlohmann::json::parse(Call(router, "GET", "/_sandbox/stats").body);
  EXPECT_EQ(stats["requests"], 2);
  EXPECT_EQ(stats["accepted"], 1);
  EXPECT_EQ(stats["rejected_by_code"]["190"], 1);

  EXPECT_EQ(Call(router, "DELETE", "/_sandbox/messages").status, 200);
  EXPECT_EQ(nlohmann::json::parse(Call(router, "GET", "/_sandbox/messages").body)["count"], 0);
  EXPECT_EQ(nlohmann::json::parse(Call(router, "GET", "/_sandbox/requests").body)["count"], 0);

  EXPECT_EQ(Call(router, "POST", "/_sandbox/faults", R"({"fail_rate":2})").status, 400);
  EXPECT_EQ(Call(router, "POST", "/_sandbox/faults", R"({"fail_rate":1})").status, 200);
  EXPECT_EQ(Call(router, "POST", "/v24.0/1/messages", kText).status, 500);
  EXPECT_EQ(nlohmann::json::parse(Call(router, "GET", "/_sandbox/faults").body)["fail_rate"], 1.0);

  EXPECT_EQ(Call(router, "POST", "/_sandbox/config", R"({"mps":"x"})").status, 400);
  auto config = nlohmann::json::parse(Call(router, "POST", "/_sandbox/config", R"({"mps":7})").body);
  EXPECT_EQ(config["mps"], 7);

  auto inbound = Call(router, "POST", "/_sandbox/inbound", R"({"phone_number_id":"1","from":"+4915112345678","text":"hi"})");
  EXPECT_EQ(inbound.status, 200);
  EXPECT_EQ(nlohmann::json::parse(inbound.body)["webhook_scheduled"], false);  // no webhook URL
}

}  // namespace
}  // namespace wagate::sandbox
