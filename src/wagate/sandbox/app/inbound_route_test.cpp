// POST /_sandbox/inbound through the route table, every message type: the webhook payload it queues (read
// from a sender that is never started, so nothing leaves and nothing waits), and its refusals.
#include <gtest/gtest.h>

#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/app/sandbox_test_support.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Json;

struct InboundFixture {
  InboundFixture() : app(Settings(), clock, 1) { app.RegisterRoutes(router); }
  static SandboxSettings Settings() {
    SandboxSettings s = testing::QuietSettings();
    s.webhook_url = "http://127.0.0.1:1/never-started";  // events are queued, and stay queued
    return s;
  }

  // Posts `body` (phone_number_id 106540352242922 and from 16505551234 added) and expects a 200.
  json Send(json body) {
    body["phone_number_id"] = "106540352242922";
    if (!body.contains("from")) body["from"] = "16505551234";
    http::Response answer = Call(router, "POST", "/_sandbox/inbound", body.dump());
    EXPECT_EQ(answer.status, 200) << answer.body;
    return Json(answer);
  }
  // The whole payload of the newest queued event.
  json LastPayload() const {
    std::vector<WebhookEvent> queued = app.webhook_sender().Queued();
    if (queued.empty()) return json();
    return BuildWebhookPayload({queued.back()});
  }
  json LastMessage() const { return LastPayload()["entry"][0]["changes"][0]["value"]["messages"][0]; }
  size_t QueuedCount() const { return app.webhook_sender().Queued().size(); }

  core::FakeClock clock;
  SandboxApp app;
  http::Router router;
};

TEST(SandboxInboundRouteTest, TextKeepsItsShapeAndAnswer) {
  InboundFixture f;
  json answer = f.Send({{"text", "hi"}, {"name", "Ana"}});
  EXPECT_EQ(answer["webhook_scheduled"], true);
  json payload = f.LastPayload();
  const json& value = payload["entry"][0]["changes"][0]["value"];
  EXPECT_EQ(payload["entry"][0]["id"], std::string(kSandboxWabaId));
  EXPECT_EQ(value["metadata"]["display_phone_number"], "15552242922");
  EXPECT_EQ(value["contacts"][0], json::parse(R"({"profile":{"name":"Ana"},"wa_id":"16505551234"})"));
  EXPECT_EQ(value["messages"][0], (json{{"from", "16505551234"},
                                        {"id", answer["wamid"]},
                                        {"timestamp", std::to_string(f.clock.NowMs() / 1000)},
                                        {"type", "text"},
                                        {"text", {{"body", "hi"}}}}));
}

TEST(SandboxInboundRouteTest, LocationIsDeliveredAsGiven) {
  InboundFixture f;
  json location = {{"latitude", 37.48}, {"longitude", -122.14}, {"name", "Office"}, {"address", "1 Hacker Way"}};
  f.Send({{"type", "location"}, {"location", location}});
  json message = f.LastMessage();
  EXPECT_EQ(message["type"], "location");
  EXPECT_EQ(message["location"], location);
  EXPECT_FALSE(message.contains("text"));
}

TEST(SandboxInboundRouteTest, ContactsAreAnArrayOfContacts) {
  InboundFixture f;
  json contacts = json::parse(
      R"([{"name":{"formatted_name":"Ana Silva","first_name":"Ana"},
           "phones":[{"phone":"+1 650 555 1234","wa_id":"16505551234","type":"CELL"}]}])");
  f.Send({{"type", "contacts"}, {"contacts", contacts}});
  EXPECT_EQ(f.LastMessage()["contacts"], contacts);
}

TEST(SandboxInboundRouteTest, ButtonReplyCarriesContextFromTheBusinessNumber) {
  InboundFixture f;
  f.Send({{"type", "button"},
          {"button", {{"payload", "STOP"}, {"text", "Unsubscribe"}}},
          {"context", {{"id", "wamid.TEMPLATE"}}}});
  json message = f.LastMessage();
  EXPECT_EQ(message["button"], json::parse(R"({"payload":"STOP","text":"Unsubscribe"})"));
  EXPECT_EQ(message["context"], json::parse(R"({"id":"wamid.TEMPLATE","from":"15552242922"})"));
  f.Send({{"type", "button"}, {"button", {{"payload", "STOP"}, {"text", "Unsubscribe"}}}});
  EXPECT_FALSE(f.LastMessage().contains("context")) << "context.id may be absent";
}

TEST(SandboxInboundRouteTest, InteractiveRepliesOfEachKind) {
  InboundFixture f;
  json button = {{"type", "button_reply"}, {"button_reply", {{"id", "chg"}, {"title", "Change"}}}};
  f.Send({{"type", "interactive"}, {"interactive", button}, {"context", {{"id", "wamid.OUT"}, {"from", "1555"}}}});
  EXPECT_EQ(f.LastMessage()["interactive"], button);
  EXPECT_EQ(f.LastMessage()["context"]["from"], "1555") << "a given from is kept";
  json list = {{"type", "list_reply"},
               {"list_reply", {{"id", "priority"}, {"title", "Priority"}, {"description", "Next day"}}}};
  f.Send({{"type", "interactive"}, {"interactive", list}});
  EXPECT_EQ(f.LastMessage()["interactive"], list);
  json flow = {
      {"type", "nfm_reply"},
      {"nfm_reply", {{"response_json", R"({"flow_token":"t","choice":"a"})"}, {"body", "Sent"}, {"name", "flow"}}}};
  f.Send({{"type", "interactive"}, {"interactive", flow}});
  EXPECT_EQ(f.LastMessage()["interactive"], flow);
}

TEST(SandboxInboundRouteTest, ReactionRemovalHasNoEmojiKey) {
  InboundFixture f;
  f.Send({{"type", "reaction"}, {"reaction", {{"message_id", "wamid.OUT"}, {"emoji", "👍"}}}});
  EXPECT_EQ(f.LastMessage()["reaction"], (json{{"message_id", "wamid.OUT"}, {"emoji", "👍"}}));
  f.Send({{"type", "reaction"}, {"reaction", {{"message_id", "wamid.OUT"}, {"emoji", ""}}}});
  EXPECT_EQ(f.LastMessage()["reaction"], (json{{"message_id", "wamid.OUT"}}));
  f.Send({{"type", "reaction"}, {"reaction", {{"message_id", "wamid.OUT"}}}});
  EXPECT_EQ(f.LastMessage()["reaction"], (json{{"message_id", "wamid.OUT"}}));
}

TEST(SandboxInboundRouteTest, OrderAndSystemAreDeliveredAsGiven) {
  InboundFixture f;
  json order = json::parse(R"({"catalog_id":"cat1","text":"for Friday","product_items":[
      {"product_retailer_id":"sku-1","quantity":2,"item_price":9.99,"currency":"USD"}]})");
  f.Send({{"type", "order"}, {"order", order}});
  EXPECT_EQ(f.LastMessage()["order"], order);
  json system = {{"body", "User A changed from 16505551234 to 16505559999"},
                 {"wa_id", "16505559999"},
                 {"type", "user_changed_number"}};
  f.Send({{"type", "system"}, {"system", system}});
  EXPECT_EQ(f.LastMessage()["system"], system);
}

TEST(SandboxInboundRouteTest, UnsupportedCarriesMetasError) {
  InboundFixture f;
  f.Send({{"type", "unsupported"}});
  json message = f.LastMessage();
  EXPECT_EQ(message["unsupported"], (json{{"type", "unknown"}}));
  EXPECT_EQ(message["errors"], json::parse(R"([{"code":131051,"title":"Message type unknown",
      "message":"Message type unknown","error_data":{"details":"Message type is currently not supported."}}])"));
  f.Send({{"type", "unsupported"}, {"unsupported", {{"type", "poll"}}}});
  EXPECT_EQ(f.LastMessage()["unsupported"], (json{{"type", "poll"}}));
}

TEST(SandboxInboundRouteTest, UnknownTypesAreDeliveredVerbatim) {
  InboundFixture f;
  f.Send({{"type", "hologram"}, {"hologram", {{"id", "h1"}, {"depth", 3}}}});
  json message = f.LastMessage();
  EXPECT_EQ(message["type"], "hologram");
  EXPECT_EQ(message["hologram"], json::parse(R"({"id":"h1","depth":3})"));
  f.Send({{"type", "request_welcome"}});
  message = f.LastMessage();
  EXPECT_EQ(message["type"], "request_welcome");
  EXPECT_EQ(message.size(), 4u) << message.dump();  // from, id, timestamp, type
}

TEST(SandboxInboundRouteTest, ContextReferralTimestampAndIdOverrides) {
  InboundFixture f;
  json referral = json::parse(R"({"source_url":"https://fb.me/x","source_id":"ad1","source_type":"ad",
      "body":"b","headline":"h","media_type":"image","image_url":"https://x/i.jpg","ctwa_clid":"c1"})");
  json answer = f.Send({{"text", "about the ad"},
                        {"context", {{"forwarded", true}}},
                        {"referral", referral},
                        {"timestamp", 1700000000},
                        {"id", "wamid.REDELIVERED"}});
  EXPECT_EQ(answer["wamid"], "wamid.REDELIVERED");
  json message = f.LastMessage();
  EXPECT_EQ(message["id"], "wamid.REDELIVERED");
  EXPECT_EQ(message["timestamp"], "1700000000");
  EXPECT_EQ(message["context"], (json{{"forwarded", true}})) << "no id: no from added";
  EXPECT_EQ(message["referral"], referral);
  EXPECT_EQ(message["text"]["body"], "about the ad");
  f.Send({{"text", "again"}, {"id", "wamid.REDELIVERED"}, {"context", {{"frequently_forwarded", true}}}});
  EXPECT_EQ(f.LastMessage()["id"], "wamid.REDELIVERED");
  EXPECT_EQ(f.LastMessage()["context"], (json{{"frequently_forwarded", true}}));
}

TEST(SandboxInboundRouteTest, MediaTakeContextToo) {
  InboundFixture f;
  json answer = f.Send({{"type", "image"},
                        {"image", {{"mime_type", "image/jpeg"}, {"size", 10}, {"caption", "this one"}}},
                        {"context", {{"id", "wamid.OUT"}}}});
  json message = f.LastMessage();
  EXPECT_EQ(message["image"]["id"], answer["media_id"]);
  EXPECT_EQ(message["image"]["caption"], "this one");
  EXPECT_EQ(message["context"]["from"], "15552242922");
}

TEST(SandboxInboundRouteTest, MediaOverMetasLimitArriveAsUnsupportedWith131052AndAreNotStored) {
  InboundFixture f;
  json answer = f.Send({{"type", "image"},
                        {"image", {{"mime_type", "image/jpeg"}, {"size", 150 * 1024 * 1024}, {"caption", "big"}}},
                        {"context", {{"forwarded", true}}}});
  EXPECT_TRUE(answer["media_id"].is_null()) << answer.dump();
  EXPECT_TRUE(answer["sha256"].is_null()) << answer.dump();
  EXPECT_EQ(answer["error_code"], 131052);
  EXPECT_EQ(answer["webhook_scheduled"], true);
  EXPECT_EQ(f.app.media_store().count(), 0u);
  json message = f.LastMessage();
  EXPECT_EQ(message["id"], answer["wamid"]);
  EXPECT_EQ(message["type"], "unsupported");
  EXPECT_EQ(message["unsupported"], (json{{"type", "image"}}));
  EXPECT_FALSE(message.contains("image")) << message.dump();
  EXPECT_EQ(message["context"], (json{{"forwarded", true}}));
  ASSERT_EQ(message["errors"].size(), 1u);
  const json& error = message["errors"][0];
  EXPECT_EQ(error["code"], 131052);
  EXPECT_EQ(error["title"], "Media download error");
  EXPECT_EQ(error["message"], "Media download error");
  std::string details = error["error_data"]["details"];
  EXPECT_NE(details.find("157286400 bytes"), std::string::npos) << details;
  EXPECT_EQ(error.size(), 4u) << "Meta's async error: code, title, message, error_data";

  // Beyond what a WhatsApp user can send at all, the request itself is wrong.
  http::Response refused =
      Call(f.router, "POST", "/_sandbox/inbound",
           R"({"phone_number_id":"1","from":"5","type":"video","video":{"mime_type":"video/mp4","size":2147483649}})");
  EXPECT_EQ(refused.status, 400) << refused.body;
}

TEST(SandboxInboundRouteTest, WrongShapesAreRefusedNamingTheFieldAndScheduleNothing) {
  InboundFixture f;
  // {request members besides phone_number_id and from, the field the error must name}
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"Location"})", "type"},
      {R"({"type":"from"})", "type"},
      {R"({"type":"location"})", "location"},
      {R"({"type":"location","location":{"latitude":"37.4","longitude":1}})", "location.latitude"},
      {R"({"type":"location","location":{"latitude":91,"longitude":1}})", "location.latitude"},
      {R"({"type":"location","location":{"latitude":1}})", "location.longitude"},
      {R"({"type":"contacts","contacts":[]})", "contacts"},
      {R"({"type":"contacts","contacts":[{"name":{"first_name":"A"}}]})", "contacts[0].name.formatted_name"},
      {R"({"type":"button","button":{"text":"t"}})", "button.payload"},
      {R"({"type":"interactive","interactive":{"type":"flow_reply"}})", "interactive.type"},
      {R"({"type":"interactive","interactive":{"type":"list_reply"}})", "interactive.list_reply"},
      {R"({"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"a"}}})",
       "interactive.button_reply.title"},
      {R"({"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"a","title":"b"},
           "list_reply":{"id":"a","title":"b"}}})",
       "interactive.list_reply"},
      {R"({"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":1}}})",
       "interactive.nfm_reply.response_json"},
      {R"({"type":"reaction","reaction":{"emoji":"x"}})", "reaction.message_id"},
      {R"({"type":"order","order":{"catalog_id":"c","product_items":[]}})", "order.product_items"},
      {R"({"type":"order","order":{"catalog_id":"c","product_items":[1]}})", "order.product_items[0]"},
      {R"({"type":"system","system":{"body":"b"}})", "system.type"},
      {R"({"type":"unsupported","unsupported":"x"})", "unsupported"},
      {R"({"type":"hologram","hologram":5})", "hologram"},
      {R"({"text":"hi","context":{"id":5}})", "context.id"},
      {R"({"text":"hi","context":{"forwarded":"yes"}})", "context.forwarded"},
      {R"({"text":"hi","context":"wamid.X"})", "context"},
      {R"({"text":"hi","referral":"ad"})", "referral"},
      {R"({"text":"hi","timestamp":"1700000000"})", "timestamp"},
      {R"({"text":"hi","timestamp":-1})", "timestamp"},
      {R"({"text":"hi","id":""})", "id"},
      {R"({"type":"image","image":{"mime_type":"image/jpeg","size":10},"context":{"id":1}})", "context.id"},
  };
  for (const auto& [body, field] : cases) {
    json request = json::parse(body);
    request["phone_number_id"] = "1";
    request["from"] = "5";
    http::Response answer = Call(f.router, "POST", "/_sandbox/inbound", request.dump());
    EXPECT_EQ(answer.status, 400) << request.dump();
    json error = Json(answer)["error"];
    EXPECT_EQ(error["code"], "invalid_field") << answer.body;
    EXPECT_NE(error["message"].get<std::string>().find("'" + field + "'"), std::string::npos)
        << "expected field " << field << " in " << answer.body;
  }
  EXPECT_EQ(f.QueuedCount(), 0u);
  EXPECT_EQ(f.app.media_store().count(), 0u) << "media of a refused message is not stored";
}

TEST(SandboxInboundRouteTest, EveryMessageButSystemOpensTheWindow) {
  core::FakeClock clock;
  SandboxSettings s = testing::QuietSettings();
  s.enforce_window = true;
  SandboxApp app(s, clock, 1);
  http::Router router;
  app.RegisterRoutes(router);
  auto window_fails = [&](const std::string& to) {
    std::string body = R"({"messaging_product":"whatsapp","to":")" + to + R"(","type":"text","text":{"body":"x"}})";
    return app.Send("v24.0", "1", "t", body).async_failure == 131047;
  };
  ASSERT_EQ(
      Call(router, "POST", "/_sandbox/inbound",
           R"({"phone_number_id":"1","from":"11","type":"system","system":{"body":"b","type":"user_changed_number"}})")
          .status,
      200);
  EXPECT_TRUE(window_fails("11"));
  ASSERT_EQ(Call(router, "POST", "/_sandbox/inbound",
                 R"({"phone_number_id":"1","from":"12","type":"reaction","reaction":{"message_id":"wamid.X"}})")
                .status,
            200);
  EXPECT_FALSE(window_fails("12"));
  ASSERT_EQ(Call(router, "POST", "/_sandbox/inbound",
                 R"({"phone_number_id":"1","from":"13","type":"location","location":{"latitude":1,"longitude":2},
                     "timestamp":1})")
                .status,
            200);
  EXPECT_FALSE(window_fails("13")) << "the window opens at arrival, whatever the message's timestamp";
}

}  // namespace
}  // namespace wagate::sandbox
