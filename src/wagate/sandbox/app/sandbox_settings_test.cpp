#include "wagate/sandbox/app/sandbox_settings.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TEST(SandboxSettingsTest, DefaultsMatchTheDocs) {
  auto s = ParseSandboxFlags({});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->listen_host, "127.0.0.1");
  EXPECT_EQ(s->listen_port, 9090);
  EXPECT_EQ(s->app_secret, "sandbox-app-secret");
  EXPECT_EQ(s->mps, 80);
  EXPECT_EQ(s->delay_sent_ms, 100);
  EXPECT_EQ(s->delay_delivered_ms, 300);
  EXPECT_EQ(s->delay_read_ms, 600);
  EXPECT_EQ(s->webhook_horizon_s, 3600);
  EXPECT_EQ(s->timeout_ms, 30000);
  EXPECT_FALSE(s->seed.has_value());
  EXPECT_EQ(s->pair_burst, 45);
  EXPECT_EQ(s->pair_interval_ms, 6000);
  EXPECT_FALSE(s->enforce_window);
  EXPECT_EQ(s->window_hours, 24);
  EXPECT_EQ(s->tier, 0);
  EXPECT_EQ(s->verify_token, "");
}

TEST(SandboxSettingsTest, ParsesTheVerifyToken) {
  auto s = ParseSandboxFlags({"--verify-token", "tok en"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->verify_token, "tok en");
  auto too_long = ParseSandboxFlags({"--verify-token=" + std::string(513, 'x')});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("--verify-token"), std::string::npos);
}

TEST(SandboxSettingsTest, ParsesTheDeliveryRuleFlags) {
  auto s = ParseSandboxFlags(
      {"--pair-burst", "0", "--pair-interval-ms=200", "--enforce-window", "--window-hours", "2", "--tier", "250"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->pair_burst, 0);
  EXPECT_EQ(s->pair_interval_ms, 200);
  EXPECT_TRUE(s->enforce_window);
  EXPECT_EQ(s->window_hours, 2);
  EXPECT_EQ(s->tier, 250);
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{{"--pair-burst", "-1"},
                                                                            {"--pair-interval-ms", "0"},
                                                                            {"--enforce-window=yes"},
                                                                            {"--window-hours", "0"},
                                                                            {"--tier", "x"}}) {
    auto r = ParseSandboxFlags(bad);
    EXPECT_FALSE(r.ok()) << bad[0];
  }
}

TEST(SandboxSettingsTest, ParsesTheTemplateAndMediaFlags) {
  auto defaults = ParseSandboxFlags({});
  EXPECT_EQ(defaults->template_review, "manual");
  EXPECT_EQ(defaults->template_review_ms, 0);
  EXPECT_EQ(defaults->media_url_ttl_ms, 300000);
  EXPECT_EQ(defaults->default_waba_id, "100000000000001");
  auto s = ParseSandboxFlags(
      {"--template-review", "reject", "--template-review-ms=1500", "--media-url-ttl-ms", "2000", "--default-waba-id="});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->template_review, "reject");
  EXPECT_EQ(s->template_review_ms, 1500);
  EXPECT_EQ(s->media_url_ttl_ms, 2000);
  EXPECT_EQ(s->default_waba_id, "");
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{{"--template-review", "auto"},
                                                                            {"--template-review-ms", "-1"},
                                                                            {"--media-url-ttl-ms", "0"},
                                                                            {"--default-waba-id", "waba"}}) {
    EXPECT_FALSE(ParseSandboxFlags(bad).ok()) << bad[0];
  }
}

TEST(SandboxSettingsTest, ParsesBothFlagForms) {
  auto s = ParseSandboxFlags({"--listen", "127.0.0.1:0", "--mps=0", "--fail-rate", "0.5", "--reorder", "--error-code",
                              "131026", "--error-rate=0.25", "--seed", "7", "--webhook-url",
                              "http://127.0.0.1:8080/webhooks/whatsapp"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->listen_port, 0);
  EXPECT_EQ(s->mps, 0);
  EXPECT_DOUBLE_EQ(s->faults.fail_rate, 0.5);
  EXPECT_TRUE(s->faults.reorder);
  EXPECT_EQ(s->faults.error_code, 131026);
  EXPECT_DOUBLE_EQ(s->faults.error_rate, 0.25);
  EXPECT_EQ(s->seed, 7u);
}

TEST(SandboxSettingsTest, RejectsUnknownFlagsAndBadValuesNamingTheFlag) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{{"--nope"},
                                                                             {"--mps", "-1"},
                                                                             {"--mps", "ten"},
                                                                             {"--fail-rate", "2"},
                                                                             {"--listen", "9090"},
                                                                             {"--listen", "h:99999"},
                                                                             {"--webhook-url", "ftp://x"},
                                                                             {"--mps"},
                                                                             {"--reorder=yes"},
                                                                             {"--error-rate", "0.5"}}) {
    auto s = ParseSandboxFlags(args);
    ASSERT_FALSE(s.ok()) << args[0];
    if (args[0] != "--error-rate") {
      EXPECT_NE(s.error().message.find(args[0].substr(0, args[0].find('='))), std::string::npos) << s.error().message;
    }
  }
}

}  // namespace
}  // namespace wagate::sandbox
