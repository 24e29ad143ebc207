#include "wagate/graph/webhook_payload.hpp"

#include <gtest/gtest.h>

namespace wagate::graph {

TEST(WebhookPayload, ReadsEveryStatusOfEveryEntryAndChange) {
  std::string body = R"({"object":"whatsapp_business_account","entry":[
    {"id":"W1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"111"},
      "statuses":[{"id":"wamid.A","status":"sent","timestamp":"1750030073","recipient_id":"1","biz_opaque_callback_data":"msg_1"},
                  {"id":"wamid.B","status":"failed","timestamp":"1750030074","errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"24h"}}]}]}},
      {"field":"messages","value":{"metadata":{"phone_number_id":"111"},"statuses":[{"id":"wamid.A","status":"read","timestamp":"1750030080"}]}}]},
    {"id":"W2","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"222"},
      "messages":[{"from":"1","id":"wamid.IN","timestamp":"1","type":"text","text":{"body":"hi"}}]}}]}]})";
  auto p = ParseWebhookPayload(body);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->phone_number_ids, (std::set<std::string>{"111", "222"}));
  ASSERT_EQ(p->statuses.size(), 3u);
  EXPECT_EQ(p->statuses[0].message_id, "msg_1");
  EXPECT_EQ(p->statuses[0].phone_number_id, "111");
  EXPECT_EQ(p->statuses[0].at_ms, 1750030073000);
  EXPECT_EQ(p->statuses[1].status, core::MessageStatus::kFailed);
  EXPECT_EQ(p->statuses[1].error->code, 131047);
  EXPECT_EQ(p->statuses[1].error->details, "24h");
  EXPECT_EQ(p->statuses[2].status, core::MessageStatus::kRead);
  EXPECT_EQ(p->inbound_messages, 1u);
}

TEST(WebhookPayload, ReadsTemplateStatusUpdates) {
  std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"W9","time":1751247548,"changes":[
    {"field":"message_template_status_update","value":{"event":"REJECTED","message_template_id":1689556908129835,
      "message_template_name":"abandoned_cart","message_template_language":"en","reason":"INVALID_FORMAT"}},
    {"field":"message_template_status_update","value":{"event":"REINSTATED","message_template_id":7,
      "message_template_name":"po_notification","message_template_language":"en","reason":"NONE"}},
    {"field":"message_template_status_update","value":{"event":"FLAGGED","message_template_id":8}}]}]})";
  auto p = ParseWebhookPayload(body);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->waba_ids, (std::set<std::string>{"W9"}));
  EXPECT_TRUE(p->phone_number_ids.empty());
  ASSERT_EQ(p->template_statuses.size(), 2u);  // FLAGGED changes no status
  EXPECT_EQ(p->template_statuses[0].graph_id, "1689556908129835");
  EXPECT_EQ(p->template_statuses[0].status, "REJECTED");
  EXPECT_EQ(p->template_statuses[0].reason, "INVALID_FORMAT");
  EXPECT_EQ(p->template_statuses[1].status, "APPROVED");
  EXPECT_FALSE(p->template_statuses[1].reason.has_value());
  EXPECT_TRUE(p->statuses.empty());
}

TEST(WebhookPayload, RejectsWhatIsNotAnEnvelopeAndSkipsJunkInside) {
  EXPECT_FALSE(ParseWebhookPayload("not json").has_value());
  EXPECT_FALSE(ParseWebhookPayload("[]").has_value());
  EXPECT_FALSE(ParseWebhookPayload(R"({"object":"page","entry":[]})").has_value());
  auto p = ParseWebhookPayload(
      R"({"object":"whatsapp_business_account","entry":[1,{"changes":"x"},{"changes":[{"value":{"statuses":[7,{"status":"sent"},{"id":"w","status":"bogus"}]}}]}]})");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->statuses.empty());
}

}  // namespace wagate::graph
