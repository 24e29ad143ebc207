// Every member of valid requests swapped for every JSON kind, or removed: the parser answers with a
// value (never throws), and whatever it accepts builds a Graph body free of nulls.
#include <gtest/gtest.h>

#include "wagate/content/message_content.hpp"

namespace wagate::content {
namespace {

using nlohmann::json;

const char* const kValidRequests[] = {
    R"({"text":{"body":"hi","preview_url":true},"context":{"message_id":"wamid.1"}})",
    R"({"message_type":"document","document":{"id":"1","caption":"c","filename":"f.pdf"}})",
    R"({"message_type":"audio","audio":{"link":"https://x.io/a.ogg","voice":true}})",
    R"({"message_type":"location","location":{"latitude":"1.5","longitude":2,"name":"n","address":"a"}})",
    R"({"message_type":"contacts","contacts":[{"name":{"formatted_name":"A","first_name":"A"},"birthday":"2000-01-01",
        "phones":[{"phone":"+1","type":"WORK"}],"org":{"company":"X"}}]})",
    R"({"message_type":"interactive","interactive":{"type":"button","header":{"type":"document",
        "document":{"id":"9","filename":"f"}},"body":{"text":"b"},"footer":{"text":"f"},
        "action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}})",
    R"({"message_type":"interactive","interactive":{"type":"list","body":{"text":"b"},"action":{"button":"B",
        "sections":[{"title":"s","rows":[{"id":"r","title":"t","description":"d"}]},{"title":"u","rows":[{"id":"q","title":"t"}]}]}}})",
    R"({"message_type":"interactive","interactive":{"type":"cta_url","body":{"text":"b"},
        "action":{"name":"cta_url","parameters":{"display_text":"Go","url":"https://x.io"}}}})",
    R"({"message_type":"template","template":{"name":"t","language":{"code":"en","policy":"deterministic"},"components":[
        {"type":"header","parameters":[{"type":"location","location":{"latitude":1,"longitude":2}}]},
        {"type":"body","parameters":[{"type":"text","parameter_name":"a","text":"x"},
          {"type":"currency","parameter_name":"b","currency":{"fallback_value":"$1","code":"USD","amount_1000":1000}},
          {"type":"date_time","parameter_name":"c","date_time":{"fallback_value":"today"}}]},
        {"type":"button","sub_type":"flow","index":0,"parameters":[{"type":"action","action":{"flow_token":"t",
          "flow_action_data":{"k":1}}}]},
        {"type":"button","sub_type":"catalog","index":"1","parameters":[{"type":"action",
          "action":{"thumbnail_product_retailer_id":"sku"}}]}]}})",
    R"({"message_type":"reaction","reaction":{"message_id":"wamid.1","emoji":"👍"}})",
    R"({"message_type":"mark_read","mark_read":{"message_id":"wamid.1","typing_indicator":{"type":"text"}}})",
};

void CollectPointers(const json& value, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  if (!at.empty()) out.push_back(at);
  // flow_action_data is the caller's own data for the flow, passed on as given (nulls included).
  if (!at.empty() && at.back() == "flow_action_data") return;
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) CollectPointers(member, at / key, out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) CollectPointers(value[i], at / i, out);
  }
}

bool HasNull(const json& value) {
  if (value.is_null()) return true;
  if (value.is_structured()) {
    for (const auto& member : value) {
      if (HasNull(member)) return true;
    }
  }
  return false;
}

void ExpectSound(const json& request) {
  SCOPED_TRACE(request.dump());
  core::Result<MessageContent> r = core::Error::Internal("not run");
  ASSERT_NO_THROW(r = ParseMessageContent(request));
  if (!r.ok()) {
    EXPECT_EQ(r.error().code, "invalid_field");
    EXPECT_FALSE(r.error().field.empty());
    return;
  }
  std::string body;
  ASSERT_NO_THROW(body = BuildGraphRequest(*r, "+15550001111", "msg_1"));
  json graph = json::parse(body, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(graph.is_discarded());
  EXPECT_FALSE(HasNull(graph)) << body;
}

TEST(MessageContentRobustness, SwappedOrRemovedMembersNeverThrow) {
  const json kReplacements[] = {nullptr, 0, -1.5, 7, "", "x", true, json::array(), json::object(), json::array({1})};
  for (const char* text : kValidRequests) {
    json valid = json::parse(text);
    ASSERT_TRUE(ParseMessageContent(valid).ok()) << text << ": " << ParseMessageContent(valid).error().message;
    std::vector<json::json_pointer> pointers;
    CollectPointers(valid, json::json_pointer(), pointers);
    for (const auto& pointer : pointers) {
      for (const json& replacement : kReplacements) {
        json mutated = valid;
        mutated[pointer] = replacement;
        ExpectSound(mutated);
      }
      json removed = valid;
      json& parent = removed[pointer.parent_pointer()];
      if (parent.is_object()) {
        parent.erase(pointer.back());
      } else {
        parent.erase(std::stoul(pointer.back()));
      }
      ExpectSound(removed);
    }
  }
}

}  // namespace
}  // namespace wagate::content
