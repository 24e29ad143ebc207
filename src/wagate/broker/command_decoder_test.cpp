#include "wagate/broker/command_decoder.hpp"

#include <gtest/gtest.h>

namespace wagate::broker {
namespace {

using Json = nlohmann::json;

DecoderLookups Lookups() {
  return {[](const std::string& key) -> std::optional<tenancy::Principal> {
            if (key == "key-a") return tenancy::Principal{false, "ten_a"};
            if (key == "admin") return tenancy::Principal{true, ""};
            return std::nullopt;
          },
          [](const std::string& outlet) -> std::optional<std::string> {
            if (outlet == "out_b") return std::string("ten_b");
            return std::nullopt;
          }};
}

DecoderSettings Settings() {
  DecoderSettings s;
  config::BrokerMapping m;
  m.event = "po.approved";
  m.outlet_id = "out_b";
  m.template_name = "po_notification";
  m.language = "es";
  m.to = "supplier.phone";
  m.parameters = {"supplier.name"};
  m.idempotency_key = "po_number";
  s.mappings = {m};
  return s;
}

std::string Command(const Json& extra = Json::object()) {
  Json j = {{"tenant_key", "key-a"}, {"outlet_id", "out_a"}, {"to", "+4915123456789"}, {"message", "hi"}};
  j.update(extra);
  return j.dump();
}

TEST(CommandDecoder, ASendCommandWithItsTenantKey) {
  auto d = DecodeCommand(Settings(), Lookups(), Command(), std::string("amqp-1"));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->who.tenant_id, "ten_a");
  EXPECT_EQ(d->send.cmd.tenant_id, "ten_a");
  EXPECT_EQ(d->send.cmd.to, "+4915123456789");
  EXPECT_EQ(d->send.cmd.idempotency_key, "amqp-1");  // the AMQP message id
  EXPECT_FALSE(d->send.cmd.request_hash.empty());
  EXPECT_TRUE(d->mapped_event.empty());
}

TEST(CommandDecoder, TheCommandsOwnIdempotencyKeyWinsOverTheMessageId) {
  auto d = DecodeCommand(Settings(), Lookups(), Command({{"idempotency_key", "order-9"}}), std::string("amqp-1"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->send.cmd.idempotency_key, "order-9");
  auto bad = DecodeCommand(Settings(), Lookups(), Command({{"idempotency_key", "has space"}}), std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_idempotency_key");
}

TEST(CommandDecoder, TenantFromTheKeyElseTheQueueBindingElseRefused) {
  Json no_key = Json::parse(Command());
  no_key.erase("tenant_key");
  auto refused = DecodeCommand(Settings(), Lookups(), no_key.dump(), std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unauthorized");

  DecoderSettings bound = Settings();
  bound.bound_tenant_id = "ten_bound";
  auto d = DecodeCommand(bound, Lookups(), no_key.dump(), std::nullopt);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->who.tenant_id, "ten_bound");

  auto wrong = DecodeCommand(Settings(), Lookups(), Command({{"tenant_key", "nope"}}), std::nullopt);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "unauthorized");
  EXPECT_EQ(wrong.error().message.find("nope"), std::string::npos) << "a key is never repeated";
}

TEST(CommandDecoder, RefusalsCarryTheSendApisCodes) {
  EXPECT_EQ(DecodeCommand(Settings(), Lookups(), "{oops", std::nullopt).error().code, "invalid_json");
  EXPECT_EQ(DecodeCommand(Settings(), Lookups(), "[1]", std::nullopt).error().code, "invalid_json");
  EXPECT_EQ(DecodeCommand(Settings(), Lookups(), Command({{"to", "12"}}), std::nullopt).error().code,
            "invalid_phone_number");
  auto typo = DecodeCommand(Settings(), Lookups(), Command({{"recipient", "x"}}), std::nullopt);
  EXPECT_EQ(typo.error().code, "invalid_field");
  EXPECT_EQ(typo.error().field, "recipient");
  DecoderSettings small = Settings();
  small.max_body_bytes = 10;
  EXPECT_EQ(DecodeCommand(small, Lookups(), Command(), std::nullopt).error().code, "payload_too_large");
}

TEST(CommandDecoder, ABusinessEventGoesThroughItsMapping) {
  Json e = {{"event", "po.approved"},
            {"supplier", {{"name", "ACME"}, {"phone", "+49 151 2345 6789"}}},
            {"po_number", "PO-1"}};
  auto d = DecodeCommand(Settings(), Lookups(), e.dump(), std::string("amqp-7"));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->mapped_event, "po.approved");
  EXPECT_EQ(d->who.tenant_id, "ten_b");  // the mapping's outlet's tenant
  EXPECT_EQ(d->send.cmd.outlet_id, "out_b");
  EXPECT_EQ(d->send.cmd.to, "+4915123456789");
  EXPECT_EQ(d->send.cmd.idempotency_key, "po.approved:PO-1");

  auto unmapped = DecodeCommand(Settings(), Lookups(), R"({"event":"invoice.paid"})", std::nullopt);
  EXPECT_EQ(unmapped.error().code, "unmapped_event");
  e["supplier"]["phone"] = "12";
  auto bad_phone = DecodeCommand(Settings(), Lookups(), e.dump(), std::nullopt);
  ASSERT_FALSE(bad_phone.ok());
  EXPECT_EQ(bad_phone.error().code, "invalid_phone_number");
  EXPECT_NE(bad_phone.error().message.find("po.approved"), std::string::npos);

  DecoderSettings gone = Settings();
  gone.mappings[0].outlet_id = "out_deleted";
  EXPECT_EQ(DecodeCommand(gone, Lookups(), e.dump(), std::nullopt).error().code, "mapping_failed");
}

}  // namespace
}  // namespace wagate::broker
