#include "wagate/sandbox/sandbox_app.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace wagate::sandbox
