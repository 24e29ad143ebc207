// The Graph surface as Meta serves it, through the real route table: unversioned paths, parameters in
// the query string, Meta's error shapes and words for unrouted paths, phone numbers, template edits and
// the management-call limit.
#include <gtest/gtest.h>

#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/app/sandbox_test_support.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"
#include "wagate/sandbox/messages/send_checks.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Json;

struct Fixture {
  explicit Fixture(const SandboxSettings& s = testing::QuietSettings()) : app(s, clock, 1) {
    app.RegisterRoutes(router);
  }
  http::Response Post(const std::string& target, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Call(router, "POST", target, body, "t", std::move(headers));
  }
  http::Response Get(const std::string& target) { return Call(router, "GET", target); }
  core::FakeClock clock;
  SandboxApp app;
  http::Router router;
};

const std::string kText = R"({"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"hi"}})";

std::string HeaderOf(const http::Response& r, const std::string& name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(GraphSurfaceTest, UnversionedPathsAreServedAtTheDefaultVersion) {
  Fixture f;
  http::Response sent = f.Post("/106540352242922/messages", kText);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(Json(sent)["messaging_product"], "whatsapp");
  http::Response listed = f.Get("/100000000000001/message_templates");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Json(listed)["data"][0]["name"], "hello_world");
  std::string id = Json(listed)["data"][0]["id"];
  EXPECT_EQ(Json(f.Get("/" + id))["name"], "hello_world");
  // Unversioned routes still need the token.
  EXPECT_EQ(Call(f.router, "POST", "/106540352242922/messages", kText, "").status, 401);
}

TEST(GraphSurfaceTest, UnroutedPathsGetGraphsErrorsInGraphsWords) {
  Fixture f;
  http::Response edge = f.Get("/v24.0/106540352242922/unknown_edge");
  EXPECT_EQ(edge.status, 400);
  json e = Json(edge)["error"];
  EXPECT_EQ(e["code"], 2500);
  EXPECT_EQ(e["message"], "Unknown path components: /unknown_edge");
  EXPECT_EQ(e["type"], "OAuthException");
  EXPECT_FALSE(e.contains("error_data"));
  EXPECT_EQ(e["fbtrace_id"].get<std::string>().size(), 23u);

  http::Response put = Call(f.router, "PUT", "/v24.0/106540352242922/messages", kText);
  EXPECT_EQ(put.status, 400);
  e = Json(put)["error"];
  EXPECT_EQ(e["code"], 100);
  EXPECT_EQ(e["error_subcode"], 33);
  EXPECT_EQ(e["type"], "GraphMethodException");
  EXPECT_EQ(e["message"],
            "Unsupported put request. Object with ID '106540352242922' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation. Please read the Graph API documentation at "
            "https://developers.facebook.com/docs/graph-api");
  EXPECT_EQ(
      HeaderOf(put, "WWW-Authenticate").rfind(R"(OAuth "Facebook Platform" "invalid_request" "Unsupported put)", 0),
      0u);

  e = Json(f.Get("/v24.0/999"))["error"];  // an id nothing has
  EXPECT_EQ(e["code"], 100);
  EXPECT_EQ(e["message"].get<std::string>().rfind("Unsupported get request. Object with ID '999' does not exist", 0),
            0u);
  EXPECT_EQ(Json(Call(f.router, "DELETE", "/v24.0/999"))["error"]["message"].get<std::string>().substr(0, 26),
            "Unsupported delete request");

  // The sandbox's own paths keep wagate's shape.
  http::Response control = f.Get("/_sandbox/nothing");
  EXPECT_EQ(control.status, 404);
  EXPECT_EQ(Json(control)["error"]["code"], "not_found");
  EXPECT_EQ(Json(Call(f.router, "PUT", "/_sandbox/config"))["error"]["code"], "method_not_allowed");
}

TEST(GraphSurfaceTest, TokenAndParamErrorsUseMetasWording) {
  Fixture f;
  http::Response bad = Call(f.router, "POST", "/v24.0/106540352242922/messages", kText, "");
  EXPECT_EQ(bad.status, 401);
  json e = Json(bad)["error"];
  EXPECT_EQ(e["message"], "Invalid OAuth access token - Cannot parse access token");
  EXPECT_EQ(e["code"], 190);
  EXPECT_FALSE(e.contains("error_data"));
  EXPECT_EQ(HeaderOf(bad, "WWW-Authenticate"),
            R"(OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token")");

  std::string long_body(4097, 'a');
  http::Response too_long = f.Post(
      "/v24.0/106540352242922/messages",
      R"({"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":")" + long_body + "\"}}");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(Json(too_long)["error"]["message"], "(#100) Param text['body'] must be at most 4096 characters long.");
  EXPECT_EQ(Json(too_long)["error"]["error_data"]["details"],
            "Param text['body'] must be at most 4096 characters long.");

  http::Response missing = f.Post("/v24.0/106540352242922/messages",
                                  R"({"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{}})");
  EXPECT_EQ(Json(missing)["error"]["message"], "(#131008) Required parameter is missing");
  EXPECT_EQ(Json(missing)["error"]["error_data"]["details"], "The parameter text['body'] is required.");
}

TEST(GraphSurfaceTest, ParamPathsAreWrittenMetasWay) {
  EXPECT_EQ(checks::MetaParamPaths("Param interactive.action.buttons[0].reply.title must be at most 20 characters."),
            "Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters.");
  EXPECT_EQ(checks::MetaParamPaths("The parameter image.id or image.link is required."),
            "The parameter image['id'] or image['link'] is required.");
  EXPECT_EQ(checks::MetaParamPaths("Param contacts must be a non-empty array."),
            "Param contacts must be a non-empty array.");
  EXPECT_EQ(checks::MetaParamPaths("no path here"), "no path here");
}

TEST(GraphSurfaceTest, ParametersMayComeFromTheQueryString) {
  Fixture f;
  // Meta's own example: messaging_product in the query, only the file in the form.
  testing::Upload upload = testing::MultipartUpload("\x89PNG", "image/png", /*with_product=*/false);
  http::Response refused = f.Post("/v24.0/106540352242922/media", upload.body, {{"content-type", upload.content_type}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Json(refused)["error"]["message"], "(#100) The parameter messaging_product is required.");
  http::Response uploaded = f.Post("/v24.0/106540352242922/media?messaging_product=whatsapp", upload.body,
                                   {{"content-type", upload.content_type}});
  ASSERT_EQ(uploaded.status, 200) << uploaded.body;
  EXPECT_TRUE(AllDigits(Json(uploaded)["id"].get<std::string>()));

  // A send whose fields are all in the query string, and one as a form.
  http::Response query_send = f.Post(
      "/v24.0/106540352242922/"
      "messages?messaging_product=whatsapp&to=16505551234&type=text&text=%7B%22body%22%3A%22q%22%7D",
      "");
  ASSERT_EQ(query_send.status, 200) << query_send.body;
  http::Response form_send = f.Post("/v24.0/106540352242922/messages",
                                    "messaging_product=whatsapp&to=16505551234&type=text&text={\"body\":\"f\"}",
                                    {{"content-type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(form_send.status, 200) << form_send.body;

  // A template created through form fields, components as JSON text.
  http::Response created = f.Post("/v24.0/100000000000001/message_templates",
                                  "name=form_made&language=en_US&category=UTILITY&components=%5B%7B%22type%22%3A%"
                                  "22BODY%22%2C%22text%22%3A%22Hi%22%7D%5D",
                                  {{"content-type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(created.status, 200) << created.body;
}

TEST(GraphSurfaceTest, PhoneNumbersAreGraphObjectsOnceKnown) {
  SandboxSettings s = testing::QuietSettings();
  s.mps = 80;
  Fixture f(s);
  EXPECT_EQ(Json(f.Get("/v24.0/106540352242922"))["error"]["error_subcode"], 33);  // not known yet
  ASSERT_EQ(f.Post("/v24.0/106540352242922/messages", kText).status, 200);
  http::Response number = f.Get("/v24.0/106540352242922");
  ASSERT_EQ(number.status, 200) << number.body;
  EXPECT_EQ(number.body,
            R"({"verified_name":"wagate sandbox","code_verification_status":"VERIFIED",)"
            R"("display_phone_number":"+1 555-224-2922","quality_rating":"GREEN","id":"106540352242922"})");
  json fields = Json(f.Get("/v24.0/106540352242922?fields=throughput,whatsapp_business_manager_messaging_limit"));
  EXPECT_EQ(fields["throughput"]["level"], "STANDARD");
  EXPECT_EQ(fields["whatsapp_business_manager_messaging_limit"], "TIER_UNLIMITED");
  EXPECT_EQ(fields["id"], "106540352242922");
  http::Response unknown_field = f.Get("/v24.0/106540352242922?fields=colour");
  EXPECT_EQ(Json(unknown_field)["error"]["message"],
            "(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)");

  // A linked number, a tier, and the WABA's list.
  ASSERT_EQ(f.Post("/_sandbox/numbers", R"({"phone_number_id":"200","waba_id":"300"})").status, 200);
  ASSERT_EQ(f.Post("/_sandbox/numbers", R"({"phone_number_id":"201","waba_id":"300"})").status, 200);
  ASSERT_EQ(f.Post("/_sandbox/numbers/200/quality", R"({"current_limit":"TIER_2K"})").status, 200);
  json page = Json(f.Get("/v24.0/300/phone_numbers?limit=1"));
  ASSERT_EQ(page["data"].size(), 1u);
  EXPECT_EQ(page["data"][0]["id"], "200");
  EXPECT_EQ(page["data"][0]["throughput"]["level"], "STANDARD");
  EXPECT_EQ(page["data"][0]["platform_type"], "CLOUD_API");
  std::string after = page["paging"]["cursors"]["after"];
  json next = Json(f.Get("/v24.0/300/phone_numbers?limit=1&after=" + after));
  ASSERT_EQ(next["data"].size(), 1u);
  EXPECT_EQ(next["data"][0]["id"], "201");
  EXPECT_FALSE(next["paging"].contains("next"));
  EXPECT_EQ(Json(f.Get("/v24.0/200?fields=messaging_limit_tier"))["messaging_limit_tier"], "TIER_2K");
  // The default WABA lists the number that sent; the WABA itself is an object too.
  EXPECT_EQ(Json(f.Get("/v24.0/100000000000001/phone_numbers"))["data"][0]["id"], "106540352242922");
  EXPECT_EQ(Json(f.Get("/v24.0/300"))["id"], "300");
}

TEST(GraphSurfaceTest, TemplateEditGoesBackToReview) {
  Fixture f;
  http::Response seeded = f.Post("/_sandbox/templates", R"({"waba_id":"100000000000001","name":"promo","language":"en",
      "components":[{"type":"BODY","text":"Hi {{1}}"}]})");
  ASSERT_EQ(seeded.status, 200) << seeded.body;
  std::string id = Json(seeded)["id"];
  http::Response edited =
      f.Post("/v24.0/" + id, R"({"components":[{"type":"BODY","text":"Hello {{1}}, {{2}}"}],"category":"MARKETING"})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.body, R"({"success":true})");
  json t = Json(f.Get("/v24.0/" + id));
  EXPECT_EQ(t["status"], "PENDING");
  EXPECT_EQ(t["category"], "MARKETING");
  EXPECT_EQ(t["components"][0]["text"], "Hello {{1}}, {{2}}");
  // PENDING cannot be edited; bad components are refused; an unknown id is Graph's 100/33.
  EXPECT_EQ(Json(f.Post("/v24.0/" + id, R"({"components":[{"type":"BODY","text":"x"}]})"))["error"]["code"], 100);
  EXPECT_EQ(Json(f.Post("/v24.0/999", R"({"components":[]})"))["error"]["error_subcode"], 33);
}

TEST(GraphSurfaceTest, ManagementCallsPastTheHourlyLimitGet80007) {
  SandboxSettings s = testing::QuietSettings();
  s.management_calls_per_hour = 3;
  Fixture f(s);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(f.Get("/v24.0/100000000000001/message_templates").status, 200);
  http::Response limited = f.Get("/v24.0/100000000000001/phone_numbers");
  EXPECT_EQ(limited.status, 400);
  EXPECT_EQ(Json(limited)["error"]["code"], 80007);
  EXPECT_EQ(Json(limited)["error"]["message"], "(#80007) Rate limit issues");
  EXPECT_EQ(f.Get("/v24.0/555/message_templates").status, 200);  // per WABA
  f.clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(f.Get("/v24.0/100000000000001/message_templates").status, 200);  // the hour slid
}

}  // namespace
}  // namespace wagate::sandbox
