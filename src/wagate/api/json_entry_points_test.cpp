// Every parser of untrusted JSON refuses deep nesting without recursing into it (run under ASan in the
// sanitizer stage): API bodies, Meta's webhooks, Graph answers, and the sandbox's requests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wagate/content/message_content.hpp"
#include "wagate/core/json/object_reader.hpp"
#include "wagate/graph/client.hpp"
#include "wagate/graph/webhook_payload.hpp"
#include "wagate/sandbox/messages/message_validator.hpp"

namespace wagate {
namespace {

// Deep values in several shapes: arrays, objects, mixed, unterminated, inside strings (harmless).
std::vector<std::string> DeepValues() {
  std::vector<std::string> out;
  for (int depth : {65, 1000, 100'000}) {
    out.push_back(std::string(depth, '[') + std::string(depth, ']'));
    std::string objects;
    for (int i = 0; i < depth; ++i) objects += "{\"a\":";
    out.push_back(objects + "1" + std::string(depth, '}'));
    std::string mixed;
    for (int i = 0; i < depth; ++i) mixed += i % 2 ? "[" : "{\"k\":";
    out.push_back(mixed);  // unterminated
  }
  return out;
}

TEST(JsonEntryPointsTest, DeepNestingIsRefusedEverywhere) {
  for (const std::string& deep : DeepValues()) {
    std::string send =
        R"({"to":"+628123456789","message_type":"template","template":{"name":"x","language":{"code":"en"},)"
        R"("components":[{"type":"button","sub_type":"flow","index":"0","parameters":[{"type":"action","action":{"flow_action_data":)" +
        deep + "}}]}]}}";
    auto body = core::ParseJsonObject(send);
    ASSERT_FALSE(body.ok());
    EXPECT_EQ(body.error().code, "invalid_json");
    std::string webhook = R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":)" + deep + "}]}";
    EXPECT_FALSE(graph::ParseWebhookPayload(webhook).has_value());
    graph::SendResult answer = graph::InterpretResponse(200, R"({"messages":[{"id":)" + deep + "}]}");
    EXPECT_TRUE(answer.wamid.empty());
    auto validated = sandbox::ValidateSendBody(send);
    EXPECT_TRUE(std::holds_alternative<sandbox::GraphError>(validated));
  }
}

TEST(JsonEntryPointsTest, ShallowEnoughStillParses) {
  std::string ok = std::string(50, '[') + std::string(50, ']');
  auto body = core::ParseJsonObject("{\"a\":" + ok + "}");
  EXPECT_TRUE(body.ok());
  EXPECT_TRUE(
      graph::ParseWebhookPayload(R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":)" + ok + "}]}")
          .has_value());
}

}  // namespace
}  // namespace wagate
