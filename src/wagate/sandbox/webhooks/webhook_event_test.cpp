#include "wagate/sandbox/webhooks/webhook_event.hpp"

#include <gtest/gtest.h>

#include "wagate/sandbox/webhooks/webhook_sender.hpp"

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
  failed.error_details =
      "Message failed to send because more than 24 hours have passed since the customer last "
      "replied to this number.";
  nlohmann::json st = BuildWebhookPayload({failed})["entry"][0]["changes"][0]["value"]["statuses"][0];
  EXPECT_EQ(st["status"], "failed");
  ASSERT_EQ(st["errors"].size(), 1u);
  EXPECT_EQ(st["errors"][0]["code"], 131047);
  EXPECT_EQ(st["errors"][0]["title"], "Re-engagement message");
  EXPECT_EQ(st["errors"][0]["message"], "Re-engagement message");
  EXPECT_EQ(st["errors"][0]["error_data"]["details"], failed.error_details);
  EXPECT_FALSE(st.contains("pricing"));
  EXPECT_FALSE(
      BuildWebhookPayload({Status("1", "sent")})["entry"][0]["changes"][0]["value"]["statuses"][0].contains("errors"));
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
  e.kind = WebhookEvent::Kind::kInbound;
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

TEST(SandboxWebhookEventTest, InboundMediaCarriesItsObject) {
  WebhookEvent e;
  e.kind = WebhookEvent::Kind::kInbound;
  e.phone_number_id = "1";
  e.wamid = "wamid.IN";
  e.peer_wa_id = "5";
  e.message_type = "document";
  e.media = std::make_shared<InboundMedia>(
      InboundMedia{"2000000000000001", "application/pdf", "abc", "a.pdf", "", false, false});
  nlohmann::json message = BuildWebhookPayload({e})["entry"][0]["changes"][0]["value"]["messages"][0];
  EXPECT_EQ(message["type"], "document");
  EXPECT_EQ(message["document"],
            nlohmann::json::parse(
                R"({"id":"2000000000000001","mime_type":"application/pdf","sha256":"abc","filename":"a.pdf"})"));
  EXPECT_FALSE(message.contains("text"));
  e.message_type = "audio";
  e.media = std::make_shared<InboundMedia>(InboundMedia{"2", "audio/ogg", "s", "", "", true, false});
  message = BuildWebhookPayload({e})["entry"][0]["changes"][0]["value"]["messages"][0];
  EXPECT_EQ(message["audio"]["voice"], true);
  EXPECT_FALSE(message["audio"].contains("filename"));
}

TEST(SandboxWebhookEventTest, InboundExtrasJoinTheMessageObject) {
  WebhookEvent e;
  e.kind = WebhookEvent::Kind::kInbound;
  e.phone_number_id = "1";
  e.wamid = "wamid.IN";
  e.peer_wa_id = "5";
  e.timestamp_s = 7;
  e.message_type = "location";
  e.extra = std::make_shared<const nlohmann::json>(nlohmann::json::parse(
      R"({"location":{"latitude":1.5,"longitude":2},"context":{"from":"15550000001","id":"wamid.OUT"}})"));
  nlohmann::json message = BuildWebhookPayload({e})["entry"][0]["changes"][0]["value"]["messages"][0];
  EXPECT_EQ(message, nlohmann::json::parse(R"({"from":"5","id":"wamid.IN","timestamp":"7","type":"location",
      "location":{"latitude":1.5,"longitude":2},"context":{"from":"15550000001","id":"wamid.OUT"}})"));
}

TEST(SandboxWebhookEventTest, PhoneNumberQualityUpdateIsAnAccountChangeWithTime) {
  WebhookEvent e;
  e.kind = WebhookEvent::Kind::kPhoneQuality;
  e.waba_id = "200";
  e.phone_number_id = "1";
  e.timestamp_s = 1751247548;
  e.extra = std::make_shared<const nlohmann::json>(nlohmann::json::parse(
      R"({"display_phone_number":"15550000001","event":"THROUGHPUT_UPGRADE","current_limit":"TIER_2K"})"));
  nlohmann::json p = BuildWebhookPayload({e, Status("1", "sent")});
  ASSERT_EQ(p["entry"].size(), 2u);
  EXPECT_EQ(p["entry"][0]["id"], "200");
  EXPECT_EQ(p["entry"][0]["time"], 1751247548);
  ASSERT_EQ(p["entry"][0]["changes"].size(), 1u);
  EXPECT_EQ(p["entry"][0]["changes"][0]["field"], "phone_number_quality_update");
  EXPECT_EQ(p["entry"][0]["changes"][0]["value"], *e.extra);
  EXPECT_FALSE(p["entry"][1].contains("time"));
}

TEST(SandboxWebhookEventTest, TemplateStatusUpdateHasMetasShape) {
  WebhookEvent e;
  e.kind = WebhookEvent::Kind::kTemplateStatus;
  e.waba_id = "200";
  e.timestamp_s = 1751247548;
  e.template_change = std::make_shared<TemplateStatusChange>(
      TemplateStatusChange{"1689556908129835", "abandoned_cart", "en", "MARKETING", "REJECTED", "INVALID_FORMAT"});
  nlohmann::json p = BuildWebhookPayload({e, Status("1", "sent")});
  EXPECT_EQ(p["object"], "whatsapp_business_account");
  ASSERT_EQ(p["entry"].size(), 2u) << "one entry per WABA";
  const auto& entry = p["entry"][0];
  EXPECT_EQ(entry["id"], "200");
  EXPECT_EQ(entry["time"], 1751247548);
  EXPECT_EQ(entry["changes"][0]["field"], "message_template_status_update");
  EXPECT_EQ(entry["changes"][0]["value"], nlohmann::json::parse(R"({"event":"REJECTED",
      "message_template_id":1689556908129835,"message_template_name":"abandoned_cart",
      "message_template_language":"en","reason":"INVALID_FORMAT","message_template_category":"MARKETING"})"));
  EXPECT_EQ(p["entry"][1]["id"], std::string(kSandboxWabaId));
  EXPECT_FALSE(p["entry"][1].contains("time"));
  e.template_change = std::make_shared<TemplateStatusChange>(
      TemplateStatusChange{"1", "t", "en", "UTILITY", "PENDING_DELETION", std::nullopt});
  EXPECT_TRUE(BuildWebhookPayload({e})["entry"][0]["changes"][0]["value"]["reason"].is_null());
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
