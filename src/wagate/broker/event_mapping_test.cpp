#include "wagate/broker/event_mapping.hpp"

#include <gtest/gtest.h>

namespace wagate::broker {
namespace {

using Json = nlohmann::json;

config::BrokerMapping PoMapping() {
  config::BrokerMapping m;
  m.event = "po.approved";
  m.outlet_id = "out_1";
  m.template_name = "po_notification";
  m.language = "es";
  m.to = "supplier.phone";
  m.parameters = {"supplier.name", "po_number", "total"};
  return m;
}

Json PoEvent() {
  return Json::parse(R"({"event":"po.approved","supplier":{"name":"ACME","phone":"+4915123456789"},
                         "po_number":"PO-7","total":1234.5,"lines":[{"sku":"A-1"}]})");
}

TEST(EventMapping, FindPathWalksObjectsAndArrays) {
  Json e = PoEvent();
  EXPECT_EQ(*FindPath(e, "supplier.name"), "ACME");
  EXPECT_EQ(*FindPath(e, "lines.0.sku"), "A-1");
  EXPECT_EQ(FindPath(e, "lines.1.sku"), nullptr);
  EXPECT_EQ(FindPath(e, "lines.x"), nullptr);
  EXPECT_EQ(FindPath(e, "supplier.email"), nullptr);
  EXPECT_EQ(FindPath(e, "total.value"), nullptr);
}

TEST(EventMapping, BuildsATemplateSendWithPositionalBodyParameters) {
  auto sent = MapEvent(PoMapping(), PoEvent());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  const Json& b = sent->body;
  EXPECT_EQ(b["outlet_id"], "out_1");
  EXPECT_EQ(b["to"], "+4915123456789");
  EXPECT_EQ(b["message_type"], "template");
  EXPECT_EQ(b["template"]["name"], "po_notification");
  EXPECT_EQ(b["template"]["language"]["code"], "es");
  Json params = b["template"]["components"][0]["parameters"];
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0]["text"], "ACME");
  EXPECT_EQ(params[1]["text"], "PO-7");
  EXPECT_EQ(params[2]["text"], "1234.5");  // numbers as JSON writes them
  EXPECT_FALSE(sent->idempotency_key);
}

TEST(EventMapping, IdempotencyKeyComesFromTheEvent) {
  config::BrokerMapping m = PoMapping();
  m.idempotency_key = "po_number";
  auto sent = MapEvent(m, PoEvent());
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->idempotency_key, "po.approved:PO-7");
}

TEST(EventMapping, AMissingOrNonScalarValueNamesThePath) {
  Json e = PoEvent();
  e["supplier"].erase("phone");
  auto missing = MapEvent(PoMapping(), e);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "mapping_failed");
  EXPECT_EQ(missing.error().field, "supplier.phone");
  EXPECT_NE(missing.error().message.find("po.approved"), std::string::npos);

  Json nested = PoEvent();
  nested["total"] = Json::object({{"amount", 1}});
  auto object = MapEvent(PoMapping(), nested);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().field, "total");

  Json empty = PoEvent();
  empty["po_number"] = "";
  EXPECT_FALSE(MapEvent(PoMapping(), empty).ok());
}

TEST(EventMapping, NoParametersMeansNoComponents) {
  config::BrokerMapping m = PoMapping();
  m.parameters.clear();
  auto sent = MapEvent(m, PoEvent());
  ASSERT_TRUE(sent.ok());
  EXPECT_FALSE(sent->body["template"].contains("components"));
}

}  // namespace
}  // namespace wagate::broker
