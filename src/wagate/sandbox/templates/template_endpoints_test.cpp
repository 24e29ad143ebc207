// Templates through the route table: Graph management, control routes, review, and template sends.
#include <gtest/gtest.h>

#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/app/sandbox_test_support.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Json;

struct Fixture {
  explicit Fixture(const SandboxSettings& s = testing::QuietSettings()) : app(s, clock, 1) {
    app.RegisterRoutes(router);
  }
  http::Response Post(const std::string& target, const std::string& body) { return Call(router, "POST", target, body); }
  http::Response Get(const std::string& target) { return Call(router, "GET", target); }
  // Seeds a template through the control route and returns its id.
  std::string Seed(const std::string& body) {
    http::Response r = Post("/_sandbox/templates", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r)["id"];
  }
  http::Response SendTemplate(const std::string& phone, const std::string& tmpl) {
    return Post("/v24.0/" + phone + "/messages",
                R"({"messaging_product":"whatsapp","to":"16505551234","type":"template","template":)" + tmpl + "}");
  }
  core::FakeClock clock;
  SandboxApp app;
  http::Router router;
};

const char* kOrderUpdate = R"({"name":"order_update","language":"en_US","category":"utility",
    "components":[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
                  {"type":"BODY","text":"Hi {{1}}, total {{2}}."},
                  {"type":"BUTTONS","buttons":[{"type":"URL","text":"Open","url":"https://x.com/o/{{1}}"}]}]})";

const char* kOrderSend = R"({"name":"order_update","language":{"code":"en_US"},"components":[
    {"type":"header","parameters":[{"type":"text","text":"#42"}]},
    {"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"$10"}]},
    {"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"42"}]}]})";

TEST(TemplateEndpointsTest, CreateValidatesAndAnswersPending) {
  Fixture f;
  auto created = f.Post("/v24.0/200/message_templates", kOrderUpdate);
  ASSERT_EQ(created.status, 200) << created.body;
  json answer = Json(created);
  EXPECT_EQ(answer["status"], "PENDING");
  EXPECT_EQ(answer["category"], "UTILITY");
  std::string id = answer["id"];
  EXPECT_EQ(created.body, R"({"id":")" + id + R"(","status":"PENDING","category":"UTILITY"})");

  json tmpl = Json(f.Get("/v24.0/" + id));
  EXPECT_EQ(tmpl["name"], "order_update");
  EXPECT_EQ(tmpl["status"], "PENDING");
  EXPECT_EQ(tmpl["parameter_format"], "POSITIONAL");
  EXPECT_EQ(tmpl["components"][1]["type"], "BODY");

  auto duplicate = f.Post("/v24.0/200/message_templates", kOrderUpdate);
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_EQ(Json(duplicate)["error"]["code"], 100);
  for (const char* bad :
       {R"({"name":"Order","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"x"}]})",
        R"({"name":"a-b","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"x"}]})",
        R"({"name":"ok","language":"English","category":"UTILITY","components":[{"type":"BODY","text":"x"}]})",
        R"({"name":"ok","language":"en_US","category":"SERVICE","components":[{"type":"BODY","text":"x"}]})",
        R"({"name":"ok","language":"en_US","category":"UTILITY","components":[{"type":"FOOTER","text":"x"}]})",
        R"({"name":"ok","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"{{1}} {{3}}"}]})",
        R"({"name":"ok","language":"en_US","category":"UTILITY","parameter_format":"named",
               "components":[{"type":"BODY","text":"{{1}}"}]})",
        R"({"name":"ok","language":"en_US","category":"UTILITY"})", R"([])"}) {
    auto r = f.Post("/v24.0/200/message_templates", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(Json(r)["error"]["code"], 100) << bad;
  }
  EXPECT_EQ(Call(f.router, "POST", "/v24.0/200/message_templates", kOrderUpdate, "").status, 401);
  EXPECT_EQ(Json(f.Post("/v24.0/abc/message_templates", kOrderUpdate))["error"]["error_subcode"], 33);
}

TEST(TemplateEndpointsTest, SendRulesFollowTheTemplatesStatus) {
  Fixture f;
  ASSERT_EQ(f.Post("/_sandbox/numbers", R"({"phone_number_id":"1","waba_id":"200"})").status, 200);
  std::string id = Json(f.Post("/v24.0/200/message_templates", kOrderUpdate))["id"];
  auto pending = f.SendTemplate("1", kOrderSend);
  EXPECT_EQ(pending.status, 404);
  EXPECT_EQ(Json(pending)["error"]["code"], 132001);

  auto approved = f.Post("/_sandbox/templates/" + id + "/status", R"({"status":"APPROVED"})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Json(approved)["status"], "APPROVED");
  auto sent = f.SendTemplate("1", kOrderSend);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(Json(sent)["messages"][0]["message_status"], "accepted");

  EXPECT_EQ(Json(f.SendTemplate("2", kOrderSend))["error"]["code"], 132001) << "number 2 is in another WABA";
  std::string wrong_language = R"({"name":"order_update","language":{"code":"pt_BR"}})";
  EXPECT_EQ(Json(f.SendTemplate("1", wrong_language))["error"]["code"], 132001);
  std::string short_body = R"({"name":"order_update","language":{"code":"en_US"},"components":[
      {"type":"header","parameters":[{"type":"text","text":"#42"}]},
      {"type":"body","parameters":[{"type":"text","text":"Ana"}]},
      {"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"42"}]}]})";
  EXPECT_EQ(Json(f.SendTemplate("1", short_body))["error"]["code"], 132000);
  std::string named =
      std::string(kOrderSend)
          .replace(std::string(kOrderSend).find(R"("text":"Ana"})"), 13, R"("text":"Ana","parameter_name":"name"})");
  EXPECT_EQ(Json(f.SendTemplate("1", named))["error"]["code"], 132012);

  f.Post("/_sandbox/templates/" + id + "/status", R"({"status":"PAUSED","reason":null})");
  EXPECT_EQ(Json(f.SendTemplate("1", kOrderSend))["error"]["code"], 132015);
  f.Post("/_sandbox/templates/" + id + "/status", R"({"status":"DISABLED"})");
  auto disabled = f.SendTemplate("1", kOrderSend);
  EXPECT_EQ(disabled.status, 400);
  EXPECT_EQ(Json(disabled)["error"]["code"], 132016);
  f.Post("/_sandbox/templates/" + id + "/status", R"({"status":"REJECTED"})");
  EXPECT_EQ(Json(f.SendTemplate("1", kOrderSend))["error"]["code"], 132001);
  EXPECT_EQ(f.Post("/_sandbox/templates/" + id + "/status", R"({"status":"GREAT"})").status, 400);
  EXPECT_EQ(f.Post("/_sandbox/templates/1999999999999999/status", R"({"status":"APPROVED"})").status, 404);
}

TEST(TemplateEndpointsTest, DefaultWabaHasHelloWorldAndCanBeTurnedOff) {
  Fixture f;
  const std::string hello = R"({"name":"hello_world","language":{"code":"en_US"}})";
  EXPECT_EQ(f.SendTemplate("123", hello).status, 200);
  json numbers = Json(f.Get("/_sandbox/numbers"));
  EXPECT_EQ(numbers["default_waba_id"], "100000000000001");
  ASSERT_EQ(f.Post("/_sandbox/config", R"({"default_waba_id":""})").status, 200);
  EXPECT_EQ(Json(f.SendTemplate("123", hello))["error"]["code"], 132001) << "unlinked numbers have no templates";
  f.Post("/_sandbox/numbers", R"({"phone_number_id":"123","waba_id":"100000000000001"})");
  EXPECT_EQ(f.SendTemplate("123", hello).status, 200);
  auto unlinked = f.Post("/_sandbox/numbers", R"({"phone_number_id":"123","waba_id":null})");
  EXPECT_TRUE(Json(unlinked)["waba_id"].is_null());
  EXPECT_EQ(Json(f.SendTemplate("123", hello))["error"]["code"], 132001);
  for (const char* bad : {R"({"phone_number_id":"x","waba_id":"1"})", R"({"phone_number_id":"1","waba_id":"w"})",
                          R"({"phone_number_id":"1"})", R"({"default_waba_id":"abc"})"}) {
    std::string target =
        std::string(bad).find("default") != std::string::npos ? "/_sandbox/config" : "/_sandbox/numbers";
    EXPECT_EQ(f.Post(target, bad).status, 400) << bad;
  }
}

TEST(TemplateEndpointsTest, AutomaticReviewLandsAfterItsDelay) {
  SandboxSettings s = testing::QuietSettings();
  s.template_review = "approve";
  s.template_review_ms = 60'000;
  Fixture f(s);
  std::string id = Json(f.Post("/v24.0/200/message_templates", kOrderUpdate))["id"];
  EXPECT_EQ(Json(f.Get("/v24.0/" + id))["status"], "PENDING");
  f.clock.Advance(core::Millis(60'000));
  EXPECT_EQ(Json(f.Get("/v24.0/" + id))["status"], "APPROVED");

  f.Post("/_sandbox/config", R"({"template_review":"reject","template_review_ms":0})");
  std::string rejected = Json(f.Post("/v24.0/200/message_templates",
                                     R"({"name":"promo","language":"en","category":"MARKETING",
                                         "components":[{"type":"BODY","text":"Sale"}]})"))["id"];
  EXPECT_EQ(Json(f.Get("/v24.0/" + rejected))["status"], "REJECTED");
  EXPECT_EQ(f.Post("/_sandbox/config", R"({"template_review":"sometimes"})").status, 400);
}

TEST(TemplateEndpointsTest, ListPagesWithCursorsAndFilters) {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    f.Seed(R"({"waba_id":"300","name":"t)" + std::to_string(i) + R"(","language":"en","status":")" +
           (i % 2 ? "PAUSED" : "APPROVED") + R"(","components":[{"type":"BODY","text":"x"}]})");
  }
  json first = Json(f.Get("/v24.0/300/message_templates?limit=2&fields=name,status"));
  ASSERT_EQ(first["data"].size(), 2u);
  EXPECT_EQ(first["data"][0]["name"], "t0");
  for (const char* key : {"id", "name", "language", "status", "category", "parameter_format", "components"}) {
    EXPECT_TRUE(first["data"][0].contains(key)) << key;
  }
  std::string next = first["paging"]["next"];
  EXPECT_EQ(next.rfind("http://sandbox.test:9090/v24.0/300/message_templates?", 0), 0u) << next;
  EXPECT_NE(next.find("limit=2"), std::string::npos);
  EXPECT_FALSE(first["paging"].contains("previous"));
  json second = Json(f.Get(next.substr(next.find("/v24.0"))));
  EXPECT_EQ(second["data"][0]["name"], "t2");
  EXPECT_TRUE(second["paging"].contains("previous"));
  json third = Json(f.Get(second["paging"]["next"].get<std::string>().substr(next.find("/v24.0"))));
  ASSERT_EQ(third["data"].size(), 1u);
  EXPECT_FALSE(third["paging"].contains("next"));
  std::string previous = third["paging"]["previous"];
  EXPECT_EQ(Json(f.Get(previous.substr(previous.find("/v24.0"))))["data"][0]["name"], "t2");

  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates"))["data"].size(), 5u);  // default limit 25
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates?status=PAUSED"))["data"].size(), 2u);
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates?status=approved,paused"))["data"].size(), 5u);
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates?name=t3"))["data"][0]["name"], "t3");
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates?language=de")).dump(), R"({"data":[]})");
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates?after=!!"))["error"]["code"], 100);
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates?limit=0"))["error"]["code"], 100);
  EXPECT_EQ(Json(f.Get("/_sandbox/templates?waba_id=300"))["count"], 5);
}

TEST(TemplateEndpointsTest, DeleteByNameOrHsmId) {
  Fixture f;
  std::string en =
      f.Seed(R"({"waba_id":"300","name":"promo","language":"en","components":[{"type":"BODY","text":"x"}]})");
  f.Seed(R"({"waba_id":"300","name":"promo","language":"de","components":[{"type":"BODY","text":"x"}]})");
  auto one = Call(f.router, "DELETE", "/v24.0/300/message_templates?name=promo&hsm_id=" + en);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.body, R"({"success":true})");
  EXPECT_EQ(Json(f.Get("/v24.0/" + en))["error"]["code"], 100);
  EXPECT_EQ(Call(f.router, "DELETE", "/v24.0/300/message_templates?name=promo").status, 200);
  EXPECT_EQ(Json(f.Get("/v24.0/300/message_templates")).dump(), R"({"data":[]})");
  EXPECT_EQ(Json(Call(f.router, "DELETE", "/v24.0/300/message_templates?name=promo"))["error"]["code"], 100);
  EXPECT_EQ(Json(Call(f.router, "DELETE", "/v24.0/300/message_templates"))["error"]["code"], 100);
}

TEST(TemplateEndpointsTest, SeedChecksItsFields) {
  Fixture f;
  for (const char* bad :
       {R"({"name":"a","language":"en","components":[{"type":"BODY","text":"x"}]})",
        R"({"waba_id":"x","name":"a","language":"en","components":[{"type":"BODY","text":"x"}]})",
        R"({"waba_id":"1","name":"a","language":"en","status":"GOOD","components":[{"type":"BODY","text":"x"}]})",
        R"({"waba_id":"1","name":"a","language":"en","category":"OTHER","components":[{"type":"BODY","text":"x"}]})",
        R"({"waba_id":"1","name":"a","language":"en"})",
        R"({"waba_id":"1","name":"a","language":"en","components":[{"type":"BODY","text":"{{2}}"}]})"}) {
    EXPECT_EQ(f.Post("/_sandbox/templates", bad).status, 400) << bad;
  }
  f.Seed(R"({"waba_id":"1","name":"a","language":"en","components":[{"type":"BODY","text":"x"}]})");
  EXPECT_EQ(f.Post("/_sandbox/templates", R"({"waba_id":"1","name":"a","language":"en",
                                             "components":[{"type":"BODY","text":"x"}]})")
                .status,
            409);
}

}  // namespace
}  // namespace wagate::sandbox
