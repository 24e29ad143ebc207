#include "wagate/graph/webhook_payload.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace wagate::graph {
namespace {

using Tier = std::optional<std::optional<int64_t>>;

// One change of `field` in one entry of WABA W1, sent at entry time 1751247548.
std::string Envelope(const std::string& value, const std::string& field = "messages") {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"W1","time":1751247548,"changes":[{"field":")" +
         field + R"(","value":)" + value + "}]}]}";
}

// A `messages` change of number 111 holding one customer message: `fields` are its type-specific keys.
std::string OneMessage(const std::string& fields) {
  return Envelope(R"({"messaging_product":"whatsapp",
    "metadata":{"display_phone_number":"15550783881","phone_number_id":"111"},
    "contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],
    "messages":[{"from":"16505551234","id":"wamid.IN","timestamp":"1749416383",)" +
                  fields + "}]}");
}

std::optional<InboundMessageEvent> ParseOne(const std::string& fields) {
  auto p = ParseWebhookPayload(OneMessage(fields));
  if (!p || p->messages.size() != 1) return std::nullopt;
  return p->messages[0];
}

nlohmann::json Json(const std::string& text) { return nlohmann::json::parse(text); }

// --- envelope, statuses, template statuses ---

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
  ASSERT_EQ(p->messages.size(), 1u);
  EXPECT_EQ(p->messages[0].phone_number_id, "222");
  EXPECT_EQ(p->messages[0].waba_id, "W2");
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
  EXPECT_TRUE(p->unhandled_fields.empty());
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

TEST(WebhookPayload, StatusesCarryRecipientPricingAndErrors) {
  auto p = ParseWebhookPayload(Envelope(R"({"metadata":{"phone_number_id":"111"},"statuses":[
    {"id":"wamid.A","status":"sent","timestamp":"1750030073","recipient_id":"+1 650-555-1234",
     "pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}},
    {"id":"wamid.B","status":"delivered","timestamp":"1750030074","recipient_id":"16505551234",
     "pricing":{"billable":"yes","pricing_model":"CBP","type":"free_customer_service","category":"service"}},
    {"id":"wamid.C","status":"failed","timestamp":"1751142888","recipient_id":"16505551234","pricing":"free",
     "errors":[{"code":131047,"message":"Re-engagement message","error_data":{"details":"more than 24 hours"}}]}]})"));
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->statuses.size(), 3u);
  const auto& sent = p->statuses[0];
  EXPECT_EQ(sent.recipient_id, "16505551234");
  ASSERT_TRUE(sent.pricing.has_value());
  EXPECT_EQ(sent.pricing->category, "marketing");
  EXPECT_EQ(sent.pricing->type, "regular");
  EXPECT_EQ(sent.pricing->model, "PMP");
  EXPECT_EQ(sent.pricing->billable, true);
  EXPECT_FALSE(sent.error.has_value());
  ASSERT_TRUE(p->statuses[1].pricing.has_value());
  EXPECT_EQ(p->statuses[1].pricing->model, "CBP");
  EXPECT_FALSE(p->statuses[1].pricing->billable.has_value());  // not a boolean
  const auto& failed = p->statuses[2];
  EXPECT_FALSE(failed.pricing.has_value());  // not an object
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_EQ(failed.error->code, 131047);
  EXPECT_EQ(failed.error->title, "Re-engagement message");  // `message` when there is no `title`
  EXPECT_EQ(failed.error->details, "more than 24 hours");
}

// --- customers' messages, one test per type (cloud-api.md §4.4) ---

TEST(WebhookPayload, TextMessage) {
  auto m = ParseOne(R"("type":"text","text":{"body":"Does it come in another color?"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->phone_number_id, "111");
  EXPECT_EQ(m->waba_id, "W1");
  EXPECT_EQ(m->wamid, "wamid.IN");
  EXPECT_EQ(m->from, "16505551234");
  EXPECT_EQ(m->profile_name, "Sheena Nelson");
  EXPECT_EQ(m->at_ms, 1749416383000);
  EXPECT_EQ(m->type, "text");
  EXPECT_EQ(Json(m->content), Json(R"({"body":"Does it come in another color?"})"));
  EXPECT_EQ(m->preview, "Does it come in another color?");
  EXPECT_FALSE(m->context_id.has_value());
  EXPECT_FALSE(m->context_from.has_value());
  EXPECT_FALSE(m->forwarded);
  EXPECT_FALSE(m->frequently_forwarded);
  EXPECT_FALSE(m->referral.has_value());
  EXPECT_FALSE(m->errors.has_value());
  EXPECT_FALSE(m->media_id.has_value());
  EXPECT_FALSE(m->reaction_to.has_value());
}

TEST(WebhookPayload, ImageMessage) {
  auto m =
      ParseOne(R"("type":"image","image":{"id":"1003383421387256","mime_type":"image/jpeg","caption":"the red one"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "image");
  EXPECT_EQ(m->media_id, "1003383421387256");
  EXPECT_EQ(m->preview, "the red one");
  EXPECT_EQ(Json(m->content)["mime_type"], "image/jpeg");
  auto bare = ParseOne(R"("type":"image","image":{"id":"55","mime_type":"image/jpeg"})");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->preview, "[image]");
}

TEST(WebhookPayload, VideoMessage) {
  auto m =
      ParseOne(R"("type":"video","video":{"id":"77","mime_type":"video/mp4","url":"https://lookaside.fbsbx.com/x"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->media_id, "77");
  EXPECT_EQ(m->preview, "[video]");
}

TEST(WebhookPayload, AudioVoiceMessage) {
  auto voice = ParseOne(R"("type":"audio","audio":{"id":"88","mime_type":"audio/ogg; codecs=opus","voice":true})");
  ASSERT_TRUE(voice.has_value());
  EXPECT_EQ(voice->media_id, "88");
  EXPECT_EQ(voice->preview, "[voice message]");
  auto audio = ParseOne(R"("type":"audio","audio":{"id":"89","mime_type":"audio/mpeg","voice":false})");
  ASSERT_TRUE(audio.has_value());
  EXPECT_EQ(audio->preview, "[audio]");
}

TEST(WebhookPayload, DocumentMessage) {
  auto m = ParseOne(R"("type":"document","document":{"id":"99","mime_type":"application/pdf","filename":"a.pdf"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->media_id, "99");
  EXPECT_EQ(m->preview, "[document: a.pdf]");
  auto captioned = ParseOne(R"("type":"document","document":{"id":"99","filename":"a.pdf","caption":"invoice"})");
  ASSERT_TRUE(captioned.has_value());
  EXPECT_EQ(captioned->preview, "invoice");
}

TEST(WebhookPayload, StickerMessage) {
  auto m = ParseOne(R"("type":"sticker","sticker":{"id":"42","mime_type":"image/webp","animated":false})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->media_id, "42");
  EXPECT_EQ(m->preview, "[sticker]");
}

TEST(WebhookPayload, LocationMessage) {
  auto named = ParseOne(
      R"("type":"location","location":{"latitude":37.48,"longitude":-122.14,"name":"Philz Coffee","address":"101 Forest Ave"})");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->preview, "Philz Coffee");
  EXPECT_EQ(Json(named->content)["latitude"], 37.48);
  EXPECT_FALSE(named->media_id.has_value());
  auto addressed = ParseOne(R"("type":"location","location":{"latitude":1,"longitude":2,"address":"101 Forest Ave"})");
  ASSERT_TRUE(addressed.has_value());
  EXPECT_EQ(addressed->preview, "101 Forest Ave");
  auto bare = ParseOne(R"("type":"location","location":{"latitude":1,"longitude":2})");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->preview, "[location]");
}

TEST(WebhookPayload, ContactsMessageKeepsTheArray) {
  auto m = ParseOne(R"("type":"contacts","contacts":[
    {"name":{"formatted_name":"Ana Lima"},"phones":[{"phone":"+55 11 5555-0000","wa_id":"551155550000","type":"CELL"}]},
    {"name":{"formatted_name":"Bo"}}])");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "contacts");
  nlohmann::json content = Json(m->content);
  ASSERT_TRUE(content.is_array());
  EXPECT_EQ(content.size(), 2u);
  EXPECT_EQ(m->preview, "[contact: Ana Lima]");
  // The customer's own profile comes from value.contacts, not from the shared cards.
  EXPECT_EQ(m->profile_name, "Sheena Nelson");
}

TEST(WebhookPayload, ButtonMessageWithContext) {
  auto m = ParseOne(
      R"("type":"button","button":{"payload":"Unsubscribe","text":"Stop promotions"},"context":{"from":"15550783881","id":"wamid.TEMPLATE"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "button");
  EXPECT_EQ(m->preview, "Stop promotions");
  EXPECT_EQ(Json(m->content)["payload"], "Unsubscribe");
  EXPECT_EQ(m->context_id, "wamid.TEMPLATE");
  EXPECT_EQ(m->context_from, "15550783881");
  EXPECT_FALSE(m->forwarded);
}

TEST(WebhookPayload, InteractiveButtonReply) {
  auto m = ParseOne(
      R"("type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"chg","title":"Change"}},"context":{"from":"15550783881","id":"wamid.OUT"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "interactive");
  EXPECT_EQ(m->preview, "Change");
  EXPECT_EQ(Json(m->content)["button_reply"]["id"], "chg");
  EXPECT_EQ(m->context_id, "wamid.OUT");
}

TEST(WebhookPayload, InteractiveListReply) {
  auto m = ParseOne(
      R"("type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"priority","title":"Priority","description":"next day"}},"context":{"id":"wamid.OUT"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->preview, "Priority");
  EXPECT_EQ(m->context_id, "wamid.OUT");
  EXPECT_FALSE(m->context_from.has_value());
}

TEST(WebhookPayload, InteractiveFlowReply) {
  auto m = ParseOne(
      R"("type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent","response_json":"{\"flow_token\":\"t\"}"}})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->preview, "[form reply]");
  EXPECT_EQ(Json(m->content)["nfm_reply"]["response_json"], R"({"flow_token":"t"})");
}

TEST(WebhookPayload, ReactionSetAndRemoved) {
  auto set = ParseOne(R"("type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":"👍"})");
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->reaction_to, "wamid.OUT");
  EXPECT_EQ(set->reaction_emoji, "👍");
  EXPECT_EQ(set->preview, "👍");
  auto removed = ParseOne(R"("type":"reaction","reaction":{"message_id":"wamid.OUT"})");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->reaction_to, "wamid.OUT");
  EXPECT_EQ(removed->reaction_emoji, "");
  EXPECT_EQ(removed->preview, "[reaction removed]");
  auto emptied = ParseOne(R"("type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":""})");
  ASSERT_TRUE(emptied.has_value());
  EXPECT_EQ(emptied->preview, "[reaction removed]");
}

TEST(WebhookPayload, OrderMessage) {
  auto m = ParseOne(R"("type":"order","order":{"catalog_id":"C1","text":"please hurry","product_items":[
    {"product_retailer_id":"sku-1","quantity":1,"item_price":9.99,"currency":"USD"},
    {"product_retailer_id":"sku-2","quantity":3,"item_price":1.5,"currency":"USD"}]})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->preview, "[order: 2 items]");
  EXPECT_EQ(Json(m->content)["product_items"][1]["quantity"], 3);
}

TEST(WebhookPayload, SystemMessage) {
  auto m = ParseOne(
      R"("type":"system","system":{"body":"User A changed from 16505551234 to 16505559999","wa_id":"16505559999","type":"user_changed_number"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "system");
  EXPECT_EQ(m->preview, "User A changed from 16505551234 to 16505559999");
  EXPECT_EQ(Json(m->content)["wa_id"], "16505559999");
}

TEST(WebhookPayload, UnsupportedMessageKeepsItsErrors) {
  auto m = ParseOne(R"("type":"unsupported","unsupported":{"type":"edit"},"errors":[{"code":131051,
    "title":"Message type unknown","message":"Message type unknown",
    "error_data":{"details":"Message type is currently not supported."}}])");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "unsupported");
  EXPECT_EQ(m->preview, "[unsupported: edit]");
  ASSERT_TRUE(m->errors.has_value());
  nlohmann::json errors = Json(*m->errors);
  ASSERT_TRUE(errors.is_array());
  EXPECT_EQ(errors[0]["code"], 131051);
}

TEST(WebhookPayload, UnknownTypeIsKeptWhole) {
  auto m = ParseOne(R"("type":"poll","poll":{"question":"Lunch?","options":["yes","no"]})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "poll");
  EXPECT_EQ(Json(m->content), Json(R"({"question":"Lunch?","options":["yes","no"]})"));
  EXPECT_EQ(m->preview, "[unsupported: poll]");
  auto untyped = ParseOne(R"("text":{"body":"no type"})");
  ASSERT_TRUE(untyped.has_value());
  EXPECT_EQ(untyped->type, "unknown");
  EXPECT_EQ(untyped->content, "{}");
  EXPECT_EQ(untyped->preview, "[unsupported: unknown]");
}

// --- context, referral, contacts, identity ---

TEST(WebhookPayload, ForwardedFlags) {
  auto forwarded = ParseOne(R"("type":"text","text":{"body":"fwd"},"context":{"forwarded":true})");
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_TRUE(forwarded->forwarded);
  EXPECT_FALSE(forwarded->frequently_forwarded);
  EXPECT_FALSE(forwarded->context_id.has_value());
  auto frequently = ParseOne(R"("type":"text","text":{"body":"fwd"},"context":{"frequently_forwarded":true})");
  ASSERT_TRUE(frequently.has_value());
  EXPECT_FALSE(frequently->forwarded);
  EXPECT_TRUE(frequently->frequently_forwarded);
  auto stringy = ParseOne(R"("type":"text","text":{"body":"fwd"},"context":{"forwarded":"true"})");
  ASSERT_TRUE(stringy.has_value());
  EXPECT_FALSE(stringy->forwarded);  // only a boolean counts
}

TEST(WebhookPayload, ReferralFromAnAd) {
  auto m = ParseOne(R"("type":"text","text":{"body":"I saw your ad"},"referral":{"source_url":"https://fb.me/x",
    "source_id":"ad-1","source_type":"ad","headline":"Sale","media_type":"image","ctwa_clid":"clid-9"})");
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(m->referral.has_value());
  nlohmann::json referral = Json(*m->referral);
  EXPECT_EQ(referral["source_id"], "ad-1");
  EXPECT_EQ(referral["ctwa_clid"], "clid-9");
}

TEST(WebhookPayload, ProfileNameMatchesTheSendersContact) {
  auto p = ParseWebhookPayload(Envelope(R"({"metadata":{"phone_number_id":"111"},
    "contacts":[{"profile":{"name":"Ana"},"wa_id":"15550000001"},{"profile":{"name":"Bo"},"wa_id":"15550000002"}],
    "messages":[{"from":"15550000002","id":"wamid.1","type":"text","text":{"body":"a"}},
                {"from":"+1 555 000 0001","id":"wamid.2","type":"text","text":{"body":"b"}},
                {"from":"15550000003","id":"wamid.3","type":"text","text":{"body":"c"}}]})"));
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->messages.size(), 3u);
  EXPECT_EQ(p->messages[0].profile_name, "Bo");
  EXPECT_EQ(p->messages[1].from, "15550000001");
  EXPECT_EQ(p->messages[1].profile_name, "Ana");
  EXPECT_EQ(p->messages[2].profile_name, "");  // several contacts, none of them the sender
}

TEST(WebhookPayload, TheOnlyContactNamesTheSender) {
  auto p = ParseWebhookPayload(Envelope(R"({"metadata":{"phone_number_id":"111"},
    "contacts":[{"profile":{"name":"Ana"}}],
    "messages":[{"from":"15550000002","id":"wamid.1","timestamp":1749416383,"type":"text","text":{"body":"a"}}]})"));
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->messages.size(), 1u);
  EXPECT_EQ(p->messages[0].profile_name, "Ana");
  EXPECT_EQ(p->messages[0].at_ms, 1749416383000);  // an integer timestamp reads too
}

TEST(WebhookPayload, SkipsMessagesWithoutIdSenderOrNumber) {
  auto p = ParseWebhookPayload(Envelope(R"({"metadata":{"phone_number_id":"111"},"messages":[
    7, "x", {"id":"wamid.1","type":"text"}, {"from":"1","type":"text"}, {"from":"abc","id":"wamid.2"},
    {"from":"1","id":"wamid.3","timestamp":"soon","type":"text","text":"not an object","context":5,"referral":[1],"errors":{}}]})"));
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->messages.size(), 1u);
  const auto& m = p->messages[0];
  EXPECT_EQ(m.wamid, "wamid.3");
  EXPECT_EQ(m.at_ms, 0);
  EXPECT_EQ(m.content, R"("not an object")");
  EXPECT_EQ(m.preview, "[text]");
  EXPECT_FALSE(m.context_id.has_value());
  EXPECT_FALSE(m.referral.has_value());
  EXPECT_FALSE(m.errors.has_value());
  // Without metadata there is no business number to file a message under.
  auto orphan = ParseWebhookPayload(Envelope(R"({"messages":[{"from":"1","id":"wamid.1","type":"text"}]})"));
  ASSERT_TRUE(orphan.has_value());
  EXPECT_TRUE(orphan->messages.empty());
}

TEST(WebhookPayload, MessagesChangeWithOnlyErrorsHoldsNothing) {
  auto p = ParseWebhookPayload(Envelope(R"({"metadata":{"phone_number_id":"111"},
    "errors":[{"code":131000,"title":"Something went wrong"}]})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->phone_number_ids, (std::set<std::string>{"111"}));
  EXPECT_TRUE(p->messages.empty());
  EXPECT_TRUE(p->statuses.empty());
  EXPECT_TRUE(p->unhandled_fields.empty());
}

TEST(WebhookPayload, MultiEntryMultiChangeBatch) {
  std::string body = R"({"object":"whatsapp_business_account","entry":[
    {"id":"W1","changes":[
      {"field":"messages","value":{"metadata":{"phone_number_id":"111"},"contacts":[{"profile":{"name":"A"},"wa_id":"1"}],
        "messages":[{"from":"1","id":"wamid.1","type":"text","text":{"body":"one"}},
                    {"from":"1","id":"wamid.2","type":"sticker","sticker":{"id":"s"}}]}},
      {"field":"messages","value":{"metadata":{"phone_number_id":"112"},"statuses":[{"id":"wamid.OUT","status":"delivered"}]}}]},
    {"id":"W2","time":1751247548,"changes":[
      {"field":"messages","value":{"metadata":{"phone_number_id":"222"},"contacts":[{"profile":{"name":"B"},"wa_id":"2"}],
        "messages":[{"from":"2","id":"wamid.3","type":"reaction","reaction":{"message_id":"wamid.OUT","emoji":"❤"}}]}},
      {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]})";
  auto p = ParseWebhookPayload(body);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->waba_ids, (std::set<std::string>{"W1", "W2"}));
  EXPECT_EQ(p->phone_number_ids, (std::set<std::string>{"111", "112", "222"}));
  ASSERT_EQ(p->messages.size(), 3u);
  EXPECT_EQ(p->messages[0].wamid, "wamid.1");
  EXPECT_EQ(p->messages[1].type, "sticker");
  EXPECT_EQ(p->messages[2].waba_id, "W2");
  EXPECT_EQ(p->messages[2].phone_number_id, "222");
  EXPECT_EQ(p->messages[2].profile_name, "B");
  ASSERT_EQ(p->statuses.size(), 1u);
  EXPECT_EQ(p->statuses[0].phone_number_id, "112");
  ASSERT_EQ(p->signals.size(), 1u);
  EXPECT_EQ(p->signals[0].waba_id, "W2");
}

// --- account signals and other fields ---

std::optional<AccountSignalEvent> OneSignal(const std::string& field, const std::string& value) {
  auto p = ParseWebhookPayload(Envelope(value, field));
  if (!p || p->signals.size() != 1) return std::nullopt;
  return p->signals[0];
}

TEST(WebhookPayload, QualityUpdateAnnouncesItsTier) {
  auto legacy = OneSignal("phone_number_quality_update",
                          R"({"display_phone_number":"+1 555-078-3881","event":"UPGRADE","current_limit":"TIER_10K"})");
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ(legacy->field, "phone_number_quality_update");
  EXPECT_EQ(legacy->waba_id, "W1");
  EXPECT_EQ(legacy->display_phone_number, "15550783881");
  EXPECT_EQ(legacy->at_ms, 1751247548000);
  EXPECT_EQ(Json(legacy->value)["event"], "UPGRADE");
  EXPECT_EQ(legacy->messaging_tier, Tier(10000));

  // The new key wins over the one being retired.
  auto unlimited = OneSignal("phone_number_quality_update", R"({"display_phone_number":"15550783881",
    "event":"THROUGHPUT_UPGRADE","current_limit":"TIER_10K","old_limit":"TIER_2K","max_daily_conversations_per_business":"TIER_UNLIMITED"})");
  ASSERT_TRUE(unlimited.has_value());
  ASSERT_TRUE(unlimited->messaging_tier.has_value());
  EXPECT_FALSE(unlimited->messaging_tier->has_value());

  auto not_set = OneSignal("phone_number_quality_update",
                           R"({"event":"ONBOARDING","max_daily_conversations_per_business":"TIER_NOT_SET"})");
  ASSERT_TRUE(not_set.has_value());
  EXPECT_FALSE(not_set->messaging_tier.has_value());
  EXPECT_EQ(not_set->display_phone_number, "");

  auto silent = OneSignal("phone_number_quality_update", R"({"event":"FLAGGED"})");
  ASSERT_TRUE(silent.has_value());
  EXPECT_FALSE(silent->messaging_tier.has_value());
}

TEST(WebhookPayload, CapabilityUpdateAnnouncesNumericTiers) {
  auto two_k = OneSignal("business_capability_update",
                         R"({"max_daily_conversations_per_business":2000,"max_daily_conversation_per_phone":2000,
                             "max_phone_numbers_per_business":2,"max_phone_numbers_per_waba":2})");
  ASSERT_TRUE(two_k.has_value());
  EXPECT_EQ(two_k->messaging_tier, Tier(2000));
  auto unlimited = OneSignal("business_capability_update", R"({"max_daily_conversations_per_business":-1})");
  ASSERT_TRUE(unlimited.has_value());
  ASSERT_TRUE(unlimited->messaging_tier.has_value());
  EXPECT_FALSE(unlimited->messaging_tier->has_value());
  for (const char* junk : {"0", "-7", "2000.5", "true", "null", "{}", "1e300"}) {
    auto s = OneSignal("business_capability_update",
                       std::string(R"({"max_daily_conversations_per_business":)") + junk + "}");
    ASSERT_TRUE(s.has_value()) << junk;
    EXPECT_FALSE(s->messaging_tier.has_value()) << junk;
  }
}

TEST(WebhookPayload, AccountUpdateAndTemplateQualityAreRecorded) {
  std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"W7","time":"1751247548","changes":[
    {"field":"account_update","value":{"phone_number":"15550783881","event":"ACCOUNT_VIOLATION",
      "violation_info":{"violation_type":"SCAM"}}},
    {"field":"message_template_quality_update","value":{"previous_quality_score":"GREEN","new_quality_score":"YELLOW",
      "message_template_id":12,"message_template_name":"promo","message_template_language":"en"}}]}]})";
  auto p = ParseWebhookPayload(body);
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->signals.size(), 2u);
  EXPECT_EQ(p->signals[0].field, "account_update");
  EXPECT_EQ(p->signals[0].waba_id, "W7");
  EXPECT_EQ(p->signals[0].at_ms, 1751247548000);  // entry.time as a string reads too
  EXPECT_EQ(Json(p->signals[0].value)["violation_info"]["violation_type"], "SCAM");
  EXPECT_FALSE(p->signals[0].messaging_tier.has_value());
  EXPECT_EQ(p->signals[1].field, "message_template_quality_update");
  EXPECT_EQ(Json(p->signals[1].value)["new_quality_score"], "YELLOW");
  EXPECT_TRUE(p->template_statuses.empty());
  EXPECT_TRUE(p->unhandled_fields.empty());
}

TEST(WebhookPayload, OtherFieldsAreNamedAsUnhandled) {
  std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"W1","time":1,"changes":[
    {"field":"template_category_update","value":{"message_template_id":1,"new_category":"MARKETING"}},
    {"field":"history","value":{"metadata":{"phone_number_id":"333"},"history":[]}},
    {"value":{"x":1}}]}]})";
  auto p = ParseWebhookPayload(body);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->unhandled_fields, (std::vector<std::string>{"template_category_update", "history", ""}));
  EXPECT_EQ(p->phone_number_ids, (std::set<std::string>{"333"}));  // every change's number is still named
  EXPECT_TRUE(p->signals.empty());
}

// --- bytes ---

TEST(WebhookPayload, InvalidUtf8NeverThrows) {
  std::string raw = OneMessage("\"type\":\"text\",\"text\":{\"body\":\"bad \xC3\x28 \xFF byte\"}");
  EXPECT_NO_THROW(ParseWebhookPayload(raw));
  // The JSON parser refuses ill-formed UTF-8 outright: such a body is no envelope at all.
  EXPECT_FALSE(ParseWebhookPayload(raw).has_value());
  std::string surrogate = OneMessage(R"("type":"text","text":{"body":"lone \ud800 half"})");
  EXPECT_NO_THROW(ParseWebhookPayload(surrogate));
  EXPECT_FALSE(ParseWebhookPayload(surrogate).has_value());
  // Escaped non-ASCII (how Meta sends it) reads as UTF-8.
  auto m = ParseOne(R"("type":"text","text":{"body":"Zo\u00eb \u20ac \ud83d\udc4d"})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->preview, "Zoë € 👍");
}

TEST(WebhookPayload, PreviewIsCappedOnACharacterBoundary) {
  std::string body = "a";
  for (int i = 0; i < 150; ++i) body += "é";  // 1 + 300 bytes: byte 200 falls inside a character
  auto m = ParseOne(R"("type":"text","text":{"body":")" + body + "\"}");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->preview.size(), 199u);
  EXPECT_EQ(m->preview, body.substr(0, 199));
  EXPECT_EQ(Json(m->content)["body"], body);  // the content is never cut
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "€";  // 3 bytes each: 66 fit in 198 bytes
  auto e = ParseOne(R"("type":"text","text":{"body":")" + euros + "\"}");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->preview, euros.substr(0, 198));
  auto exact = ParseOne(R"("type":"text","text":{"body":")" + std::string(200, 'x') + "\"}");
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->preview.size(), 200u);
}

// --- ParseMessagingTier ---

TEST(WebhookPayloadMessagingTier, NamedTiers) {
  EXPECT_EQ(ParseMessagingTier("TIER_50"), Tier(50));
  EXPECT_EQ(ParseMessagingTier("TIER_250"), Tier(250));
  EXPECT_EQ(ParseMessagingTier("TIER_1K"), Tier(1000));
  EXPECT_EQ(ParseMessagingTier("TIER_2K"), Tier(2000));
  EXPECT_EQ(ParseMessagingTier("TIER_10K"), Tier(10000));
  EXPECT_EQ(ParseMessagingTier("TIER_100K"), Tier(100000));
  Tier unlimited = ParseMessagingTier("TIER_UNLIMITED");
  ASSERT_TRUE(unlimited.has_value());
  EXPECT_FALSE(unlimited->has_value());
}

TEST(WebhookPayloadMessagingTier, DecimalStrings) {
  EXPECT_EQ(ParseMessagingTier("2000"), Tier(2000));
  EXPECT_EQ(ParseMessagingTier("100000"), Tier(100000));
  Tier unlimited = ParseMessagingTier("-1");
  ASSERT_TRUE(unlimited.has_value());
  EXPECT_FALSE(unlimited->has_value());
}

TEST(WebhookPayloadMessagingTier, UnsetForAnythingElse) {
  for (const char* s : {"TIER_NOT_SET", "", "TIER_5K", "tier_2k", "0", "-2", "12a", " 250", "99999999999999999999"}) {
    EXPECT_FALSE(ParseMessagingTier(s).has_value()) << s;
  }
}

}  // namespace
}  // namespace wagate::graph
