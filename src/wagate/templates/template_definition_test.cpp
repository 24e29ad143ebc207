#include "wagate/templates/template_definition.hpp"

#include <gtest/gtest.h>

namespace wagate::templates {
namespace {

using nlohmann::json;

json PoNotification(const std::string& status = "APPROVED") {
  json j = json::parse(R"({"id":"9001","name":"po_notification","language":"en","category":"UTILITY",
    "parameter_format":"POSITIONAL","components":[
      {"type":"HEADER","format":"TEXT","text":"Purchase order {{1}}"},
      {"type":"BODY","text":"Dear {{1}}, purchase order {{2}} for {{3}} is confirmed. Ref {{2}}."},
      {"type":"FOOTER","text":"Reply STOP to opt out"},
      {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Acknowledge"},
                                   {"type":"URL","text":"Open","url":"https://x.example/po/{{1}}"}]}]})");
  j["status"] = status;
  return j;
}

content::TemplateUse Use(std::map<std::string, size_t> counts) {
  content::TemplateUse u;
  u.name = "po_notification";
  u.language = "en";
  u.parameter_counts = std::move(counts);
  return u;
}

TEST(TemplateDefinition, CountsDistinctPlaceholdersPerComponent) {
  store::TemplateRecord t = FromGraph("waba1", PoNotification(), 5);
  EXPECT_EQ(t.graph_id, "9001");
  EXPECT_EQ(t.status, "APPROVED");
  EXPECT_EQ(t.parameter_format, "positional");
  ASSERT_EQ(t.parameters.size(), 4u);
  EXPECT_EQ(t.parameters["header"].count, 1u);
  EXPECT_EQ(t.parameters["body"].count, 3u);  // {{2}} twice counts once
  EXPECT_TRUE(t.parameters["button:0"].optional);
  EXPECT_EQ(t.parameters["button:1"].count, 1u);
}

TEST(TemplateDefinition, NamedPlaceholdersKeepTheirNames) {
  json g = {{"id", "1"},
            {"name", "greet"},
            {"language", "en_US"},
            {"status", "APPROVED"},
            {"category", "MARKETING"},
            {"parameter_format", "NAMED"},
            {"components", json::array({{{"type", "BODY"}, {"text", "Hi {{first_name}}, code {{ code }}"}}})}};
  store::TemplateRecord t = FromGraph("w", g, 0);
  EXPECT_EQ(t.parameter_format, "named");
  EXPECT_EQ(t.parameters["body"].names, (std::vector<std::string>{"first_name", "code"}));
}

TEST(TemplateDefinition, MediaHeaderNeedsOneParameter) {
  json g = {
      {"id", "1"},
      {"name", "n"},
      {"language", "en"},
      {"status", "APPROVED"},
      {"components", json::array({{{"type", "HEADER"}, {"format", "IMAGE"}}, {{"type", "BODY"}, {"text", "x"}}})}};
  store::TemplateRecord t = FromGraph("w", g, 0);
  EXPECT_EQ(t.parameters["header"].count, 1u);
  EXPECT_FALSE(t.parameters.count("body"));
}

TEST(TemplateDefinition, MalformedDefinitionsDemandLessAndNeverThrow) {
  for (const char* raw : {"{}", R"({"components":"x"})", R"({"components":[1,{"type":"BODY"}]})", "[]", "null"}) {
    store::TemplateRecord t = FromGraph("w", json::parse(raw), 0);
    EXPECT_TRUE(t.parameters.empty()) << raw;
  }
  EXPECT_EQ(Placeholders("{{1}} {{ 2 }} {{Bad}} {{}} {{1}} {{3"), (std::vector<std::string>{"1", "2"}));
}

TEST(TemplateCheck, RightCountsPass) {
  store::TemplateRecord t = FromGraph("w", PoNotification(), 0);
  EXPECT_TRUE(CheckSend(t, Use({{"header", 1}, {"body", 3}, {"button:1", 1}})).ok());
  EXPECT_TRUE(CheckSend(t, Use({{"header", 1}, {"body", 3}, {"button:0", 1}, {"button:1", 1}})).ok());
}

TEST(TemplateCheck, WrongCountNamesTheComponent) {
  store::TemplateRecord t = FromGraph("w", PoNotification(), 0);
  core::Status s = CheckSend(t, Use({{"header", 1}, {"body", 2}, {"button:1", 1}}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "template_parameter_mismatch");
  EXPECT_NE(s.error().message.find("expects 3 parameters in its body, the send gives 2"), std::string::npos);
  s = CheckSend(t, Use({{"header", 1}, {"body", 3}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("button 1"), std::string::npos) << s.error().message;
  s = CheckSend(t, Use({{"header", 1}, {"body", 3}, {"button:1", 1}, {"button:5", 1}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no parameters in its button 5"), std::string::npos) << s.error().message;
}

TEST(TemplateCheck, OnlyApprovedTemplatesSend) {
  for (const char* status : {"PENDING", "REJECTED", "PAUSED", "DISABLED"}) {
    store::TemplateRecord t = FromGraph("w", PoNotification(status), 0);
    core::Status s = CheckSend(t, Use({{"header", 1}, {"body", 3}, {"button:1", 1}}));
    ASSERT_FALSE(s.ok()) << status;
    EXPECT_EQ(s.error().code, "template_not_approved");
    EXPECT_NE(s.error().message.find(status), std::string::npos);
  }
}

TEST(TemplateCheck, NamedTemplatesNeedTheRightNames) {
  json g = {{"id", "1"},
            {"name", "greet"},
            {"language", "en"},
            {"status", "APPROVED"},
            {"parameter_format", "named"},
            {"components", json::array({{{"type", "BODY"}, {"text", "Hi {{first_name}} {{last_name}}"}}})}};
  store::TemplateRecord t = FromGraph("w", g, 0);
  content::TemplateUse u;
  u.name = "greet";
  u.language = "en";
  u.parameter_counts = {{"body", 2}};
  EXPECT_FALSE(CheckSend(t, u).ok());  // positional parameters for a named template
  u.named = true;
  u.parameter_names = {{"body", {"last_name", "first_name"}}};
  EXPECT_TRUE(CheckSend(t, u).ok());  // any order
  u.parameter_names = {{"body", {"first_name", "surname"}}};
  core::Status s = CheckSend(t, u);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("first_name, last_name"), std::string::npos);
}

}  // namespace
}  // namespace wagate::templates
