// POST /_sandbox/numbers/{phone_number_id}/quality: the phone_number_quality_update webhook it queues (read
// from a sender that is never started) and the messaging tier it sets for the number.
#include <gtest/gtest.h>

#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/app/sandbox_test_support.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Json;

SandboxSettings Queued() {
  SandboxSettings s = testing::QuietSettings();
  s.webhook_url = "http://127.0.0.1:1/never-started";  // events are queued, and stay queued
  return s;
}

std::string TemplateTo(const std::string& to) {
  return R"({"messaging_product":"whatsapp","to":")" + to +
         R"(","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}})";
}

TEST(SandboxQualityRouteTest, SchedulesMetasPhoneNumberQualityUpdate) {
  core::FakeClock clock;
  SandboxApp app(Queued(), clock, 1);
  http::Router router;
  app.RegisterRoutes(router);
  ASSERT_EQ(
      Call(router, "POST", "/_sandbox/numbers", R"({"phone_number_id":"106540352242922","waba_id":"777"})").status,
      200);
  auto answer = Call(router, "POST", "/_sandbox/numbers/106540352242922/quality",
                     R"({"current_limit":"TIER_UNLIMITED","old_limit":"TIER_10K",
                         "max_daily_conversations_per_business":"TIER_UNLIMITED"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(Json(answer), json::parse(R"({"webhook_scheduled":true,"messaging_tier":null})"));
  std::vector<WebhookEvent> queued = app.webhook_sender().Queued();
  ASSERT_EQ(queued.size(), 1u);
  json payload = BuildWebhookPayload(queued);
  EXPECT_EQ(payload, (json{{"object", "whatsapp_business_account"},
                           {"entry",
                            {{{"id", "777"},
                              {"time", clock.NowMs() / 1000},
                              {"changes",
                               {{{"field", "phone_number_quality_update"},
                                 {"value",
                                  {{"display_phone_number", "15552242922"},
                                   {"event", "THROUGHPUT_UPGRADE"},
                                   {"current_limit", "TIER_UNLIMITED"},
                                   {"old_limit", "TIER_10K"},
                                   {"max_daily_conversations_per_business", "TIER_UNLIMITED"}}}}}}}}}}))
      << payload.dump();

  answer = Call(router, "POST", "/_sandbox/numbers/5/quality",
                R"({"event":"DOWNGRADE","current_limit":"TIER_250","max_daily_conversations_per_business":250})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(Json(answer)["messaging_tier"], 250);
  json value = BuildWebhookPayload({app.webhook_sender().Queued().back()})["entry"][0]["changes"][0]["value"];
  EXPECT_EQ(value, json::parse(R"({"display_phone_number":"15550000005","event":"DOWNGRADE",
                                   "current_limit":"TIER_250","max_daily_conversations_per_business":250})"));
  EXPECT_EQ(BuildWebhookPayload({app.webhook_sender().Queued().back()})["entry"][0]["id"], std::string(kSandboxWabaId));
}

TEST(SandboxQualityRouteTest, TheNewLimitIsEnforcedForThatNumber) {
  core::FakeClock clock;
  SandboxApp app(testing::QuietSettings(), clock, 1);  // no webhook URL: nothing scheduled, the tier still moves
  http::Router router;
  app.RegisterRoutes(router);
  auto answer = Call(router, "POST", "/_sandbox/numbers/1/quality", R"({"current_limit":"TIER_50"})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(Json(answer), json::parse(R"({"webhook_scheduled":false,"messaging_tier":50})"));
  for (int i = 0; i < 50; ++i) {
    ASSERT_FALSE(app.Send("v24.0", "1", "t", TemplateTo(std::to_string(1000 + i))).async_failure.has_value()) << i;
  }
  SendOutcome refused = app.Send("v24.0", "1", "t", TemplateTo("2000"));
  EXPECT_EQ(refused.async_failure, 131000);
  EXPECT_FALSE(app.Send("v24.0", "2", "t", TemplateTo("2000")).async_failure.has_value()) << "other numbers: default";

  // TIER_NOT_SET leaves the limit as it is; a later update replaces it; unlimited lifts it.
  answer =
      Call(router, "POST", "/_sandbox/numbers/1/quality", R"({"event":"ONBOARDING","current_limit":"TIER_NOT_SET"})");
  EXPECT_EQ(Json(answer)["messaging_tier"], 50);
  EXPECT_EQ(app.Send("v24.0", "1", "t", TemplateTo("2000")).async_failure, 131000);
  answer = Call(router, "POST", "/_sandbox/numbers/1/quality", R"({"current_limit":"TIER_250","old_limit":"TIER_50"})");
  EXPECT_EQ(Json(answer)["messaging_tier"], 250);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("2000")).async_failure.has_value()) << "the counts are kept";
  answer = Call(router, "POST", "/_sandbox/numbers/1/quality",
                R"({"current_limit":"TIER_NOT_SET","max_daily_conversations_per_business":-1})");
  EXPECT_TRUE(Json(answer)["messaging_tier"].is_null());
  for (int i = 0; i < 300; ++i) {
    ASSERT_FALSE(app.Send("v24.0", "1", "t", TemplateTo(std::to_string(3000 + i))).async_failure.has_value()) << i;
  }
  // The number keeps its own limit whatever the default (`tier`) does.
  ASSERT_EQ(Call(router, "POST", "/_sandbox/config", R"({"tier":1})").status, 200);
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("9999")).async_failure.has_value());
  EXPECT_EQ(Json(Call(router, "POST", "/_sandbox/numbers/1/quality",
                      R"({"current_limit":"TIER_NOT_SET"})"))["messaging_tier"],
            nullptr);
}

TEST(SandboxQualityRouteTest, BadValuesAreRefusedAndChangeNothing) {
  core::FakeClock clock;
  SandboxApp app(Queued(), clock, 1);
  http::Router router;
  app.RegisterRoutes(router);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "current_limit"},
      {R"({"current_limit":"TIER_3K"})", "current_limit"},
      {R"({"current_limit":250})", "current_limit"},
      {R"({"current_limit":"TIER_250","old_limit":"big"})", "old_limit"},
      {R"({"current_limit":"TIER_250","event":"PROMOTED"})", "event"},
      {R"({"current_limit":"TIER_250","max_daily_conversations_per_business":0})",
       "max_daily_conversations_per_business"},
      {R"({"current_limit":"TIER_250","max_daily_conversations_per_business":"lots"})",
       "max_daily_conversations_per_business"},
      {R"({"current_limit":"TIER_250","quality":"GREEN"})", "quality"},
  };
  for (const auto& [body, field] : cases) {
    auto answer = Call(router, "POST", "/_sandbox/numbers/1/quality", body);
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_NE(answer.body.find("'" + field + "'"), std::string::npos) << field << ": " << answer.body;
  }
  EXPECT_EQ(Call(router, "POST", "/_sandbox/numbers/abc/quality", R"({"current_limit":"TIER_250"})").status, 400);
  EXPECT_EQ(Call(router, "POST", "/_sandbox/numbers/1/quality", "[]").status, 400);
  EXPECT_TRUE(app.webhook_sender().Queued().empty());
  EXPECT_FALSE(app.Send("v24.0", "1", "t", TemplateTo("5")).async_failure.has_value());
}

}  // namespace
}  // namespace wagate::sandbox
