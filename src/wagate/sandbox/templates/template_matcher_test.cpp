#include "wagate/sandbox/templates/template_matcher.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

using nlohmann::json;

TemplateSpec Spec(const std::string& components, ParameterFormat format = ParameterFormat::kPositional) {
  auto parsed = ParseTemplateComponents(json::parse(components), format, "UTILITY", true);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed->spec;
}

const char* kPositional = R"([
    {"type":"HEADER","format":"IMAGE","example":{"header_handle":["h"]}},
    {"type":"BODY","text":"Hi {{1}}, total {{2}}."},
    {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"More"},
                                 {"type":"URL","text":"Open","url":"https://x.com/o/{{1}}"},
                                 {"type":"PHONE_NUMBER","text":"Call","phone_number":"+15550001111"}]}])";

int Code(const std::string& components, const TemplateSpec& spec) {
  json tmpl = {{"name", "t"}, {"language", {{"code", "en"}}}, {"components", json::parse(components)}};
  Check e = MatchTemplate(tmpl, spec);
  return e ? e->code : 0;
}

const std::string kHeader = R"({"type":"header","parameters":[{"type":"image","image":{"link":"https://x/i.jpg"}}]})";
const std::string kBody = R"({"type":"body","parameters":[{"type":"text","text":"Ana"},
    {"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1000}}]})";
const std::string kUrl = R"({"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"42"}]})";

std::string Components(std::initializer_list<std::string> parts) {
  std::string out = "[";
  for (const std::string& p : parts) out += (out.size() > 1 ? "," : "") + p;
  return out + "]";
}

TEST(TemplateMatcherTest, MatchingSendsPass) {
  TemplateSpec spec = Spec(kPositional);
  EXPECT_EQ(Code(Components({kHeader, kBody, kUrl}), spec), 0);
  // The quick reply's payload is optional; button components may come in any order.
  EXPECT_EQ(Code(Components({kUrl, R"({"type":"BUTTON","sub_type":"QUICK_REPLY","index":0,
                                      "parameters":[{"type":"payload","payload":"p"}]})",
                             kBody, kHeader}),
                 spec),
            0);
  EXPECT_EQ(Code("[]", Spec(R"([{"type":"BODY","text":"No placeholders"}])")), 0);
}

TEST(TemplateMatcherTest, CountMismatchesAre132000) {
  TemplateSpec spec = Spec(kPositional);
  EXPECT_EQ(Code(Components({kBody, kUrl}), spec), 132000) << "header media missing";
  EXPECT_EQ(Code(Components({kHeader, kUrl}), spec), 132000) << "body missing";
  EXPECT_EQ(Code(Components({kHeader, R"({"type":"body","parameters":[{"type":"text","text":"Ana"}]})", kUrl}), spec),
            132000)
      << "one body parameter short";
  EXPECT_EQ(
      Code(Components({kHeader, R"({"type":"body","parameters":[{"type":"text","text":"a"},{"type":"text","text":"b"},
                                         {"type":"text","text":"c"}]})",
                       kUrl}),
           spec),
      132000)
      << "one too many";
  EXPECT_EQ(Code(Components({kHeader, kBody}), spec), 132000) << "URL suffix missing";
  EXPECT_EQ(Code(Components({kHeader, kBody, kUrl, R"({"type":"button","sub_type":"quick_reply","index":"0",
      "parameters":[{"type":"payload","payload":"a"},{"type":"payload","payload":"b"}]})"}),
                 spec),
            132000);
  EXPECT_EQ(Code(Components({kHeader, kBody, kUrl, R"({"type":"button","sub_type":"url","index":"5",
      "parameters":[{"type":"text","text":"x"}]})"}),
                 spec),
            132000)
      << "no button at index 5";
  EXPECT_EQ(Code(Components({kHeader, kBody, kUrl, R"({"type":"button","sub_type":"url","index":"2",
      "parameters":[{"type":"text","text":"x"}]})"}),
                 spec),
            132000)
      << "the phone button takes none";
  EXPECT_EQ(Code(Components({R"({"type":"header","parameters":[{"type":"text","text":"x"}]})"}),
                 Spec(R"([{"type":"BODY","text":"x"}])")),
            132000)
      << "a header the template lacks";
}

TEST(TemplateMatcherTest, FormatAndTypeMismatchesAre132012) {
  TemplateSpec spec = Spec(kPositional);
  EXPECT_EQ(Code(Components({R"({"type":"header","parameters":[{"type":"video","video":{"link":"https://x/v.mp4"}}]})",
                             kBody, kUrl}),
                 spec),
            132012)
      << "video for an image header";
  EXPECT_EQ(Code(Components({kHeader, R"({"type":"body","parameters":[{"type":"payload","payload":"a"},
                                         {"type":"text","text":"b"}]})",
                             kUrl}),
                 spec),
            132012)
      << "payload in the body";
  EXPECT_EQ(Code(Components({kHeader, kBody, R"({"type":"button","sub_type":"copy_code","index":"1",
      "parameters":[{"type":"coupon_code","coupon_code":"X"}]})"}),
                 spec),
            132012)
      << "sub_type of another button";
  EXPECT_EQ(Code(Components({kHeader, kBody, R"({"type":"button","sub_type":"url","index":"1",
      "parameters":[{"type":"payload","payload":"42"}]})"}),
                 spec),
            132012)
      << "URL suffix must be text";
  EXPECT_EQ(
      Code(Components({kHeader, R"({"type":"body","parameters":[{"type":"text","text":"a","parameter_name":"name"},
                                         {"type":"text","text":"b"}]})",
                       kUrl}),
           spec),
      132012)
      << "a name, positional";
}

TEST(TemplateMatcherTest, NamedTemplatesNeedTheirNames) {
  TemplateSpec spec = Spec(R"([{"type":"HEADER","format":"TEXT","text":"Order {{order_id}}"},
                               {"type":"BODY","text":"Hi {{first_name}}, see {{order_id}}"}])",
                           ParameterFormat::kNamed);
  const std::string header =
      R"({"type":"header","parameters":[{"type":"text","text":"42","parameter_name":"order_id"}]})";
  EXPECT_EQ(Code(Components({header, R"({"type":"body","parameters":[
      {"type":"text","text":"42","parameter_name":"order_id"},{"type":"text","text":"Ana","parameter_name":"first_name"}]})"}),
                 spec),
            0)
      << "any order";
  EXPECT_EQ(Code(Components({header, R"({"type":"body","parameters":[
      {"type":"text","text":"42"},{"type":"text","text":"Ana"}]})"}),
                 spec),
            132012)
      << "positional for named";
  EXPECT_EQ(Code(Components({header, R"({"type":"body","parameters":[
      {"type":"text","text":"42","parameter_name":"order"},{"type":"text","text":"Ana","parameter_name":"first_name"}]})"}),
                 spec),
            132012)
      << "unknown name";
  EXPECT_EQ(Code(Components({header, R"({"type":"body","parameters":[
      {"type":"text","text":"1","parameter_name":"first_name"},{"type":"text","text":"2","parameter_name":"first_name"}]})"}),
                 spec),
            132012)
      << "repeated name";
  EXPECT_EQ(Code(Components({header, R"({"type":"body","parameters":[
      {"type":"text","text":"Ana","parameter_name":"first_name"}]})"}),
                 spec),
            132000)
      << "count first";
}

}  // namespace
}  // namespace wagate::sandbox
