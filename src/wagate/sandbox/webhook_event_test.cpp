#include "wagate/sandbox/webhook_event.hpp"

#include <gtest/gtest.h>

#include "wagate/sandbox/webhook_sender.hpp"

namespace wagate::sandbox {
namespace {

WebhookEvent Status(std::string phone, std::string status) {
  WebhookEvent e;
  e.phone_number_id = std::move(phone);
  e.wamid = "wamid.A";
  e.peer_wa_id = "16505551234";
  e.timestamp_s = 1750030073;
  e.status = std::move(status);
  return e;
}

TEST(SandboxWebhookEventTest, StatusPayloadHasMetasEnvelope) {
  WebhookEvent sent = Status("106540352242922", "sent");
  sent.biz_opaque_callback_data = "msg_1";
  sent.pricing_category = "service";
  nlohmann::json p = BuildWebhookPayload({sent});
  EXPECT_EQ(p["object"], "whatsapp_business_account");
  EXPECT_EQ(p["entry"][0]["id"], std::string(kSandboxWabaId));
  const auto& change = p["entry"][0]["changes"][0];
  EXPECT_EQ(change["field"], "messages");
  EXPECT_EQ(change["value"]["messaging_product"], "whatsapp");
  EXPECT_EQ(change["value"]["metadata"]["phone_number_id"], "106540352242922");
  EXPECT_EQ(change["value"]["metadata"]["display_phone_number"], "15552242922");
  const auto& status = change["value"]["statuses"][0];
  EXPECT_EQ(status["id"], "wamid.A");
  EXPECT_EQ(status["status"], "sent");
  EXPECT_EQ(status["timestamp"], "1750030073");
  EXPECT_EQ(status["recipient_id"], "16505551234");
  EXPECT_EQ(status["biz_opaque_callback_data"], "msg_1");
  EXPECT_EQ(status["pricing"]["pricing_model"], "PMP");
}

TEST(SandboxWebhookEventTest, FailedStatusCarriesTheErrorLikeMeta) {
  WebhookEvent failed = Status("1", "failed");
  failed.error_code = 131047;
  failed.error_details = "Message failed to send because more than 24 hours have passed since the customer last "
                         "replied to this number.";
  nlohmann::json st = BuildWebhookPayload({failed})["entry"][0]["changes"][0]["value"]["statuses"][0];
  EXPECT_EQ(st["status"], "failed");
  ASSERT_EQ(st["errors"].size(), 1u);
  EXPECT_EQ(st["errors"][0]["code"], 131047);
  EXPECT_EQ(st["errors"][0]["title"], "Re-engagement message");
  EXPECT_EQ(st["errors"][0]["message"], "Re-engagement message");
  EXPECT_EQ(st["errors"][0]["error_data"]["details"], failed.error_details);
  EXPECT_FALSE(st.contains("pricing"));
  EXPECT_FALSE(BuildWebhookPayload({Status("1", "sent")})["entry"][0]["changes"][0]["value"]["statuses"][0].contains(
      "errors"));
}

TEST(SandboxWebhookEventTest, BatchGroupsByPhoneNumber) {
  nlohmann::json p = BuildWebhookPayload({Status("1", "sent"), Status("2", "sent"), Status("1", "read")});
  const auto& changes = p["entry"][0]["changes"];
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["value"]["statuses"].size(), 2u);
  EXPECT_FALSE(changes[0]["value"]["statuses"][0].contains("biz_opaque_callback_data"));
}

TEST(SandboxWebhookEventTest, InboundTextCarriesContactAndMessage) {
  WebhookEvent e;
  e.kind = WebhookEvent::Kind::kInboundText;
  e.phone_number_id = "1";
  e.wamid = "wamid.IN";
  e.peer_wa_id = "4915112345678";
  e.timestamp_s = 5;
  e.text = "Grüße";
  e.profile_name = "Ana";
  nlohmann::json value = BuildWebhookPayload({e})["entry"][0]["changes"][0]["value"];
  EXPECT_EQ(value["contacts"][0]["wa_id"], "4915112345678");
  EXPECT_EQ(value["contacts"][0]["profile"]["name"], "Ana");
  EXPECT_EQ(value["messages"][0]["from"], "4915112345678");
  EXPECT_EQ(value["messages"][0]["text"]["body"], "Grüße");
}

TEST(SandboxWebhookEventTest, SerialisationIsAsciiWithLowercaseEscapes) {
  std::string s = SerializeAscii(nlohmann::json{{"t", "Grüße 😀"}});
  EXPECT_EQ(s, R"({"t":"Gr\u00fc\u00dfe \ud83d\ude00"})");
}

TEST(SandboxWebhookEventTest, BackoffDoublesFrom200msUpTo10s) {
  EXPECT_EQ(WebhookSender::Backoff(1).count(), 200);
  EXPECT_EQ(WebhookSender::Backoff(2).count(), 400);
  EXPECT_EQ(WebhookSender::Backoff(3).count(), 800);
  EXPECT_EQ(WebhookSender::Backoff(7).count(), 10'000);
  EXPECT_EQ(WebhookSender::Backoff(60).count(), 10'000);
}

}  // namespace
}  // namespace wagate::sandbox
