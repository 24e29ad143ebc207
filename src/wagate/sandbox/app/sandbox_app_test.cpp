#include "wagate/sandbox/app/sandbox_app.hpp"

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
  std::string wamid = *app.Send("v24.0", "1", "t", kText).wamid;
  SendOutcome out =
      app.Send("v24.0", "1", "t", R"({"messaging_product":"whatsapp","status":"read","message_id":")" + wamid + "\"}");
  EXPECT_EQ(out.http_status, 200);
  EXPECT_EQ(out.body.dump(), R"({"success":true})");
  EXPECT_FALSE(out.wamid.has_value());
}

// Dispatches through the real route table; handlers answer synchronously unless a request is held.
http::Response Call(const http::Router& router, std::string method, std::string path, std::string body = "",
                    const std::string& bearer = "t") {
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

  auto inbound =
      Call(router, "POST", "/_sandbox/inbound", R"({"phone_number_id":"1","from":"+4915112345678","text":"hi"})");
  EXPECT_EQ(inbound.status, 200);
  EXPECT_EQ(nlohmann::json::parse(inbound.body)["webhook_scheduled"], false);  // no webhook URL
}

// --- pair rate limit, service window, messaging tier -------------------------------------------------

std::string TextTo(const std::string& to) {
  return R"({"messaging_product":"whatsapp","to":")" + to + R"(","type":"text","text":{"body":"hi"}})";
}
std::string TemplateTo(const std::string& to) {
  return R"({"messaging_product":"whatsapp","to":")" + to +
         R"(","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}})";
}

SandboxSettings Rules() {
  SandboxSettings s = NoWebhooks();
  s.mps = 0;
  return s;
}

TEST(SandboxAppTest, PairRateLimitAnswers131056AfterTheBurst) {
  core::FakeClock clock;
  SandboxSettings s = Rules();
  s.pair_burst = 3;
  s.pair_interval_ms = 6000;
  SandboxApp app(s, clock, 1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(app.Send("v24.0", "1", "t", TextTo("+62 812 3456 789")).http_status, 200);
  SendOutcome out = app.Send("v24.0", "1", "t", TextTo("628123456789"));  // same digits, other spelling
  EXPECT_EQ(out.http_status, 400);
  EXPECT_EQ(out.graph_code, 131056);
  EXPECT_EQ(out.body["error"]["message"], "(#131056) (Business Account, Consumer Account) pair rate limit hit");
  EXPECT_EQ(out.body["error"]["type"], "OAuthException");
  EXPECT_FALSE(out.wamid.has_value());
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("628123456780")).http_status, 200);        // another customer
  EXPECT_EQ(app.Send("v24.0", "2", "t", TextTo("628123456789")).http_status, 200);        // another number
  EXPECT_EQ(app.Send("v24.0", "1", "t", TemplateTo("628123456789")).graph_code, 131056);  // templates too
  clock.Advance(core::Millis(6000));
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("628123456789")).http_status, 200);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("628123456789")).graph_code, 131056);
}

TEST(SandboxAppTest, PairTokensAreTakenOnlyByMessagesThatPassEverythingElse) {
  core::FakeClock clock;
  SandboxSettings s = Rules();
  s.mps = 1;
  s.pair_burst = 2;
  SandboxApp app(s, clock, 1);
  std::string first = *app.Send("v24.0", "1", "t", TextTo("5")).wamid;
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("5")).graph_code, 130429);  // takes no pair token
  clock.Advance(core::Millis(1000));
  EXPECT_EQ(app.Send("v24.0", "1", "t", R"({"messaging_product":"whatsapp","to":"5","type":"text"})").graph_code,
            131008);  // an invalid body takes none either
  clock.Advance(core::Millis(1000));
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("5")).http_status, 200);  // the second token
  clock.Advance(core::Millis(1000));
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("5")).graph_code, 131056);
  clock.Advance(core::Millis(1000));
  EXPECT_EQ(
      app.Send("v24.0", "1", "t", R"({"messaging_product":"whatsapp","status":"read","message_id":")" + first + "\"}")
          .http_status,
      200);  // mark-as-read has no recipient: not limited
}

TEST(SandboxAppTest, PairLimitDefaultsToMetasAndZeroTurnsItOff) {
  core::FakeClock clock;
  SandboxApp app(Rules(), clock, 1);
  for (int i = 0; i < 45; ++i) ASSERT_EQ(app.Send("v24.0", "1", "t", TextTo("5")).http_status, 200) << i;
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("5")).graph_code, 131056);
  SandboxSettings s = Rules();
  s.pair_burst = 0;
  SandboxApp off(s, clock, 1);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(off.Send("v24.0", "1", "t", TextTo("5")).http_status, 200) << i;
}

TEST(SandboxAppTest, WindowIsNotEnforcedByDefault) {
  core::FakeClock clock;
  SandboxApp app(Rules(), clock, 1);
  SendOutcome out = app.Send("v24.0", "1", "t", TextTo("5"));
  EXPECT_EQ(out.http_status, 200);
  EXPECT_FALSE(out.async_failure.has_value());
}

TEST(SandboxAppTest, FreeFormOutsideTheWindowIsAcceptedThenFails131047) {
  core::FakeClock clock;
  SandboxSettings s = Rules();
  s.enforce_window = true;
  SandboxApp app(s, clock, 1);
  http::Router router;
  app.RegisterRoutes(router);

  SendOutcome out = app.Send("v24.0", "1", "t", TextTo("+4915112345678"));  // never wrote
  EXPECT_EQ(out.http_status, 200);
  EXPECT_TRUE(out.wamid.has_value());
  EXPECT_EQ(out.async_failure, 131047);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("+4915112345678")).async_failure.has_value());
  std::string reaction = R"({"messaging_product":"whatsapp","to":"4915112345678","type":"reaction",
                             "reaction":{"message_id":")" +
                         *out.wamid + R"(","emoji":"👍"}})";
  EXPECT_EQ(app.Send("v24.0", "1", "t", reaction).async_failure, 131047);

  ASSERT_EQ(
      Call(router, "POST", "/_sandbox/inbound", R"({"phone_number_id":"1","from":"+49 151 12345678","text":"hi"})")
          .status,
      200);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure.has_value());
  EXPECT_FALSE(app.Send("v24.0", "1", "t", reaction).async_failure.has_value());
  EXPECT_EQ(app.Send("v24.0", "2", "t", TextTo("+4915112345678")).async_failure, 131047);  // per number
  clock.Advance(core::Millis(24LL * 3600 * 1000 - 1));
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure.has_value());
  clock.Advance(core::Millis(1));
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure, 131047);

  // POST /_sandbox/window moves the customer in and out without waiting.
  std::string inside = R"({"phone_number_id":"1","customer":"+4915112345678","last_inbound_ms":)" +
                       std::to_string(clock.NowMs() - 3600 * 1000) + "}";
  auto answer = Call(router, "POST", "/_sandbox/window", inside);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(nlohmann::json::parse(answer.body)["window_open"], true);
  EXPECT_EQ(nlohmann::json::parse(answer.body)["customer"], "4915112345678");
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure.has_value());
  std::string outside = R"({"phone_number_id":"1","customer":"4915112345678","last_inbound_ms":)" +
                        std::to_string(clock.NowMs() - 25LL * 3600 * 1000) + "}";
  ASSERT_EQ(Call(router, "POST", "/_sandbox/window", outside).status, 200);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure, 131047);
  ASSERT_EQ(Call(router, "POST", "/_sandbox/window", inside).status, 200);
  ASSERT_EQ(Call(router, "POST", "/_sandbox/window",
                 R"({"phone_number_id":"1","customer":"4915112345678","last_inbound_ms":null})")
                .status,
            200);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure, 131047);

  // A shorter window applies at once.
  ASSERT_EQ(Call(router, "POST", "/_sandbox/window", inside).status, 200);  // 1 h ago
  ASSERT_EQ(Call(router, "POST", "/_sandbox/config", R"({"window_hours":1})").status, 200);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("+4915112345678")).async_failure, 131047);

  auto stats = nlohmann::json::parse(Call(router, "GET", "/_sandbox/stats").body);
  EXPECT_EQ(stats["window_failures"], 7);
  EXPECT_EQ(stats["tier_failures"], 0);
  EXPECT_EQ(stats["accepted"], 0);  // Send() is called directly here: only routed requests are logged
}

TEST(SandboxAppTest, WindowControlRouteChecksItsFields) {
  core::FakeClock clock;
  SandboxApp app(Rules(), clock, 1);
  http::Router router;
  app.RegisterRoutes(router);
  for (const char* bad :
       {R"({"phone_number_id":"1","customer":"5"})", R"({"phone_number_id":"x","customer":"5","last_inbound_ms":1})",
        R"({"phone_number_id":"1","customer":"abc","last_inbound_ms":1})",
        R"({"phone_number_id":"1","customer":"5","last_inbound_ms":"1"})",
        R"({"phone_number_id":"1","customer":"5","last_inbound_ms":-1})",
        R"({"phone_number_id":"1","customer":"5","last_inbound_ms":1,"extra":1})", "[]"}) {
    EXPECT_EQ(Call(router, "POST", "/_sandbox/window", bad).status, 400) << bad;
  }
}

TEST(SandboxAppTest, TierLimitsUniqueCustomersOutsideTheWindow) {
  core::FakeClock clock;
  SandboxSettings s = Rules();
  s.tier = 2;
  SandboxApp app(s, clock, 1);
  http::Router router;
  app.RegisterRoutes(router);

  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("11")).async_failure.has_value());
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TextTo("12")).async_failure.has_value());  // window not enforced
  SendOutcome out = app.Send("v24.0", "1", "t", TemplateTo("13"));
  EXPECT_EQ(out.http_status, 200);
  EXPECT_EQ(out.async_failure, 131000);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("11")).async_failure.has_value());  // counted once
  EXPECT_FALSE(app.Send("v24.0", "2", "t", TemplateTo("13")).async_failure.has_value());  // per number

  // Inside a window, messages do not count and are not limited.
  ASSERT_EQ(Call(router, "POST", "/_sandbox/inbound", R"({"phone_number_id":"1","from":"14","text":"hi"})").status,
            200);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("14")).async_failure.has_value());
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TextTo("14")).async_failure.has_value());

  clock.Advance(core::Millis(24LL * 3600 * 1000));  // the rolling period moved on
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("13")).async_failure.has_value());

  auto config = nlohmann::json::parse(Call(router, "POST", "/_sandbox/config", R"({"tier":0})").body);
  EXPECT_EQ(config["tier"], 0);
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo(std::to_string(100 + i))).async_failure.has_value());
  }
  EXPECT_EQ(nlohmann::json::parse(Call(router, "GET", "/_sandbox/stats").body)["tier_failures"], 1);
}

TEST(SandboxAppTest, WindowFailuresDoNotUseTheTier) {
  core::FakeClock clock;
  SandboxSettings s = Rules();
  s.tier = 1;
  s.enforce_window = true;
  SandboxApp app(s, clock, 1);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("11")).async_failure, 131047);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TextTo("12")).async_failure, 131047);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("13")).async_failure.has_value());
  EXPECT_EQ(app.Send("v24.0", "1", "t", TemplateTo("14")).async_failure, 131000);
}

TEST(SandboxAppTest, RulesAreReportedAndChangedThroughConfig) {
  core::FakeClock clock;
  SandboxApp app(Rules(), clock, 1);
  http::Router router;
  app.RegisterRoutes(router);
  auto config = nlohmann::json::parse(Call(router, "GET", "/_sandbox/config").body);
  EXPECT_EQ(config["pair_burst"], 45);
  EXPECT_EQ(config["pair_interval_ms"], 6000);
  EXPECT_EQ(config["enforce_window"], false);
  EXPECT_EQ(config["window_hours"], 24);
  EXPECT_EQ(config["tier"], 0);
  config = nlohmann::json::parse(Call(router, "POST", "/_sandbox/config",
                                      R"({"pair_burst":1,"pair_interval_ms":200,"enforce_window":true,"tier":5})")
                                     .body);
  EXPECT_EQ(config["pair_burst"], 1);
  EXPECT_EQ(config["enforce_window"], true);
  EXPECT_EQ(Call(router, "POST", "/v24.0/1/messages", TemplateTo("5")).status, 200);
  auto refused = Call(router, "POST", "/v24.0/1/messages", TemplateTo("5"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(nlohmann::json::parse(refused.body)["error"]["code"], 131056);
  clock.Advance(core::Millis(200));
  EXPECT_EQ(Call(router, "POST", "/v24.0/1/messages", TemplateTo("5")).status, 200);
  auto stats = nlohmann::json::parse(Call(router, "GET", "/_sandbox/stats").body);
  EXPECT_EQ(stats["rejected_by_code"]["131056"], 1);
  EXPECT_EQ(stats["accepted"], 2);
  for (const char* bad : {R"({"pair_burst":-1})", R"({"pair_interval_ms":0})", R"({"enforce_window":1})",
                          R"({"window_hours":0})", R"({"tier":-1})"}) {
    EXPECT_EQ(Call(router, "POST", "/_sandbox/config", bad).status, 400) << bad;
  }
}

}  // namespace
}  // namespace wagate::sandbox
