#include "wagate/sandbox/app/control_json.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

using nlohmann::json;

TEST(SandboxControlJsonTest, FaultPatchKeepsFieldsLeftOut) {
  FaultSettings f;
  f.fail_rate = 0.1;
  EXPECT_EQ(PatchFaults(json{{"throttle_rate", 0.2}, {"reorder", true}}, &f), "");
  EXPECT_DOUBLE_EQ(f.fail_rate, 0.1);
  EXPECT_DOUBLE_EQ(f.throttle_rate, 0.2);
  EXPECT_TRUE(f.reorder);
  EXPECT_EQ(PatchFaults(json{{"error_code", 131026}, {"error_rate", 0.5}}, &f), "");
  EXPECT_EQ(FaultsToJson(f, 3)["error_code"], 131026);
  EXPECT_EQ(PatchFaults(json{{"error_code", nullptr}, {"error_rate", 0}}, &f), "");
  EXPECT_TRUE(FaultsToJson(f, 3)["error_code"].is_null());
}

TEST(SandboxControlJsonTest, FaultPatchRejectsBadFieldsAndChangesNothing) {
  FaultSettings f;
  for (const json& bad : {json{{"fail_rate", 2}}, json{{"fail_rate", "0.1"}}, json{{"bogus", 1}}, json{{"reorder", 1}},
                          json{{"error_rate", 0.5}}, json::array()}) {
    EXPECT_NE(PatchFaults(bad, &f), "") << bad.dump();
  }
  EXPECT_EQ(f.fail_rate, 0.0);
}

TEST(SandboxControlJsonTest, ConfigPatchAndMaskedSecret) {
  LiveConfig c;
  c.app_secret = "a-very-long-sandbox-secret";
  EXPECT_EQ(PatchConfig(json{{"mps", 1000}, {"webhook_url", "http://127.0.0.1:1/w"}}, &c), "");
  EXPECT_EQ(c.mps, 1000);
  EXPECT_NE(PatchConfig(json{{"mps", -1}}, &c), "");
  EXPECT_NE(PatchConfig(json{{"app_secret", ""}}, &c), "");
  json shown = ConfigToJson(c);
  EXPECT_EQ(shown["webhook_url"], "http://127.0.0.1:1/w");
  EXPECT_EQ(shown["app_secret"].get<std::string>().find("a-very"), std::string::npos);
}

TEST(SandboxControlJsonTest, TemplateAndMediaKeys) {
  LiveConfig c;
  json shown = ConfigToJson(c);
  EXPECT_EQ(shown["template_review"], "manual");
  EXPECT_EQ(shown["template_review_ms"], 0);
  EXPECT_EQ(shown["media_url_ttl_ms"], 300000);
  EXPECT_EQ(shown["default_waba_id"], "100000000000001");
  EXPECT_EQ(PatchConfig(json{{"template_review", "approve"},
                             {"template_review_ms", 5000},
                             {"media_url_ttl_ms", 1000},
                             {"default_waba_id", ""}},
                        &c),
            "");
  EXPECT_EQ(c.template_review, "approve");
  EXPECT_EQ(c.default_waba_id, "");
  for (const json& bad :
       {json{{"template_review", "auto"}}, json{{"template_review_ms", -1}}, json{{"media_url_ttl_ms", 0}},
        json{{"default_waba_id", "waba"}}, json{{"default_waba_id", 1}}}) {
    EXPECT_NE(PatchConfig(bad, &c), "") << bad.dump();
  }
  EXPECT_EQ(c.media_url_ttl_ms, 1000);
}

TEST(SandboxControlJsonTest, VerifyTokenIsShownAndPatched) {
  LiveConfig c;
  EXPECT_EQ(ConfigToJson(c)["verify_token"], "");
  EXPECT_EQ(PatchConfig(json{{"verify_token", "tok-1"}}, &c), "");
  EXPECT_EQ(c.verify_token, "tok-1");
  EXPECT_EQ(ConfigToJson(c)["verify_token"], "tok-1");
  EXPECT_EQ(PatchConfig(json{{"verify_token", ""}}, &c), "");  // off again
  EXPECT_EQ(c.verify_token, "");
  for (const json& bad :
       {json{{"verify_token", 5}}, json{{"verify_token", nullptr}}, json{{"verify_token", std::string(513, 'x')}}}) {
    EXPECT_NE(PatchConfig(bad, &c), "") << bad.dump();
  }
}

}  // namespace
}  // namespace wagate::sandbox
