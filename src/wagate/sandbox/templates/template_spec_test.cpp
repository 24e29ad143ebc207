#include "wagate/sandbox/templates/template_spec.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

using nlohmann::json;

core::Result<ParsedComponents> Parse(const std::string& components,
                                     ParameterFormat format = ParameterFormat::kPositional, bool strict = true,
                                     std::string_view category = "UTILITY") {
  return ParseTemplateComponents(json::parse(components), format, category, strict);
}

TEST(TemplateSpecTest, PositionalTemplateGivesPlaceholdersPerComponent) {
  auto parsed = Parse(R"([
      {"type":"header","format":"text","text":"Order {{1}}"},
      {"type":"BODY","text":"Hi {{1}}, total {{2}}. Bye {{1}}."},
      {"type":"FOOTER","text":"Reply STOP"},
      {"type":"buttons","buttons":[{"type":"quick_reply","text":"Track"},
                                   {"type":"URL","text":"Open","url":"https://x.com/o/{{1}}"},
                                   {"type":"URL","text":"Home","url":"https://x.com"},
                                   {"type":"COPY_CODE","example":"SAVE"},
                                   {"type":"PHONE_NUMBER","text":"Call","phone_number":"+15550001111"}]}])");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const TemplateSpec& spec = parsed->spec;
  EXPECT_EQ(spec.header_format, "TEXT");
  EXPECT_EQ(spec.header_params, std::vector<std::string>({"1"}));
  EXPECT_EQ(spec.body_params, std::vector<std::string>({"1", "2"}));
  ASSERT_EQ(spec.buttons.size(), 5u);
  EXPECT_EQ(spec.buttons[0].sub_type, "quick_reply");
  EXPECT_EQ(spec.buttons[0].max_params, 1u);
  EXPECT_EQ(spec.buttons[1].min_params, 1u);
  EXPECT_EQ(spec.buttons[2].max_params, 0u);
  EXPECT_EQ(spec.buttons[3].param_type, "coupon_code");
  EXPECT_EQ(spec.buttons[4].sub_type, "");
  // Answers use upper case, as Meta's do.
  EXPECT_EQ(parsed->components[0]["type"], "HEADER");
  EXPECT_EQ(parsed->components[0]["format"], "TEXT");
  EXPECT_EQ(parsed->components[3]["type"], "BUTTONS");
  EXPECT_EQ(parsed->components[3]["buttons"][0]["type"], "QUICK_REPLY");
}

TEST(TemplateSpecTest, NamedTemplateListsDistinctNamesInOrder) {
  auto parsed = Parse(R"([{"type":"BODY","text":"Hi {{first_name}}, order {{order_id}} for {{first_name}}"},
                          {"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW"]}}])",
                      ParameterFormat::kNamed);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->spec.format, ParameterFormat::kNamed);
  EXPECT_EQ(parsed->spec.body_params, std::vector<std::string>({"first_name", "order_id"}));
  EXPECT_EQ(parsed->spec.header_format, "IMAGE");
  EXPECT_TRUE(parsed->spec.header_params.empty());
}

TEST(TemplateSpecTest, AuthenticationBodyTakesTheCode) {
  auto parsed = Parse(R"([{"type":"BODY","add_security_recommendation":true},
                          {"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE"}]}])",
                      ParameterFormat::kPositional, true, "AUTHENTICATION");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->spec.body_params.size(), 1u);
  EXPECT_EQ(parsed->spec.buttons[0].sub_type, "url");
  EXPECT_EQ(parsed->spec.buttons[0].min_params, 1u);
}

TEST(TemplateSpecTest, CreationRulesAreEnforced) {
  struct Case {
    const char* why;
    std::string components;
    ParameterFormat format = ParameterFormat::kPositional;
  };
  std::string eleven = "[";
  for (int i = 0; i < 11; ++i)
    eleven += std::string(i ? "," : "") + R"({"type":"QUICK_REPLY","text":"Q)" + std::to_string(i) + "\"}";
  eleven += "]";
  std::vector<Case> cases = {
      {"not an array", R"({"type":"BODY","text":"x"})"},
      {"no BODY", R"([{"type":"FOOTER","text":"x"}])"},
      {"two BODY components", R"([{"type":"BODY","text":"x"},{"type":"body","text":"y"}])"},
      {"component without type", R"([{"text":"x"}])"},
      {"unknown component", R"([{"type":"BODY","text":"x"},{"type":"CAROUSEL"}])"},
      {"BODY without text", R"([{"type":"BODY"}])"},
      {"BODY too long", R"([{"type":"BODY","text":")" + std::string(1025, 'b') + "\"}]"},
      {"placeholders with a gap", R"([{"type":"BODY","text":"{{1}} and {{3}}"}])"},
      {"placeholders not from 1", R"([{"type":"BODY","text":"{{2}}"}])"},
      {"named placeholder in a positional template", R"([{"type":"BODY","text":"Hi {{name}}"}])"},
      {"positional placeholder in a named template", R"([{"type":"BODY","text":"Hi {{1}}"}])", ParameterFormat::kNamed},
      {"mixed placeholders", R"([{"type":"BODY","text":"{{name}} {{1}}"}])", ParameterFormat::kNamed},
      {"uppercase placeholder name", R"([{"type":"BODY","text":"Hi {{Name}}"}])", ParameterFormat::kNamed},
      {"unclosed placeholder", R"([{"type":"BODY","text":"Hi {{1"}])"},
      {"HEADER without format", R"([{"type":"HEADER","text":"x"},{"type":"BODY","text":"x"}])"},
      {"HEADER text too long",
       R"([{"type":"HEADER","format":"TEXT","text":")" + std::string(61, 'h') + R"("},{"type":"BODY","text":"x"}])"},
      {"HEADER with two placeholders",
       R"([{"type":"HEADER","format":"TEXT","text":"{{1}} {{2}}"},{"type":"BODY","text":"x"}])"},
      {"FOOTER with a placeholder", R"([{"type":"BODY","text":"x"},{"type":"FOOTER","text":"{{1}}"}])"},
      {"FOOTER too long", R"([{"type":"BODY","text":"x"},{"type":"FOOTER","text":")" + std::string(61, 'f') + "\"}]"},
      {"BUTTONS empty", R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[]}])"},
      {"eleven buttons", R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":)" + eleven + "}]"},
      {"three URL buttons", R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[
          {"type":"URL","text":"a","url":"https://a"},{"type":"URL","text":"b","url":"https://b"},
          {"type":"URL","text":"c","url":"https://c"}]}])"},
      {"URL button without url",
       R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"a"}]}])"},
      {"URL button not http",
       R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"a","url":"x.com"}]}])"},
      {"URL with two placeholders", R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[
          {"type":"URL","text":"a","url":"https://a/{{1}}/{{2}}"}]}])"},
      {"button label too long", R"([{"type":"BODY","text":"x"},{"type":"BUTTONS","buttons":[
          {"type":"QUICK_REPLY","text":")" +
                                    std::string(26, 'q') + "\"}]}]"},
  };
  for (const Case& c : cases) {
    auto parsed = Parse(c.components, c.format);
    EXPECT_FALSE(parsed.ok()) << c.why;
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().message.empty());
    }
  }
}

TEST(TemplateSpecTest, SeedsSkipTheLimitsButNotThePlaceholders) {
  EXPECT_TRUE(
      Parse(R"([{"type":"BODY","text":")" + std::string(2000, 'b') + "\"}]", ParameterFormat::kPositional, false).ok());
  EXPECT_FALSE(Parse(R"([{"type":"BODY","text":"{{2}}"}])", ParameterFormat::kPositional, false).ok());
  EXPECT_FALSE(Parse(R"([{"type":"FOOTER","text":"x"}])", ParameterFormat::kPositional, false).ok());
}

TEST(TemplateSpecTest, ParameterFormatNames) {
  EXPECT_EQ(ParseParameterFormat("named"), ParameterFormat::kNamed);
  EXPECT_EQ(ParseParameterFormat("POSITIONAL"), ParameterFormat::kPositional);
  EXPECT_FALSE(ParseParameterFormat("numbered").has_value());
  EXPECT_EQ(ParameterFormatName(ParameterFormat::kNamed), "NAMED");
}

}  // namespace
}  // namespace wagate::sandbox
