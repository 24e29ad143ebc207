#include "wagate/sandbox/messages/message_validator.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

int CodeOf(const ValidationResult& r) {
  const GraphError* e = std::get_if<GraphError>(&r);
  return e ? e->code : -1;  // -1: accepted
}

// A send of `type` whose content object is `content` (JSON text); `extra` adds top-level fields.
std::string Msg(const std::string& type, const std::string& content, const std::string& extra = "") {
  return R"({"messaging_product":"whatsapp","to":"16505551234","type":")" + type + R"(",")" + type + R"(":)" + content +
         extra + "}";
}

std::string Buttons(const std::string& buttons, const std::string& more = "") {
  return Msg("interactive",
             R"({"type":"button","body":{"text":"Pick"},"action":{"buttons":)" + buttons + "}" + more + "}");
}
std::string Reply(const std::string& id, const std::string& title) {
  return R"({"type":"reply","reply":{"id":")" + id + R"(","title":")" + title + R"("}})";
}
std::string List(const std::string& sections, const std::string& button = "Options", const std::string& more = "") {
  return Msg("interactive", R"({"type":"list","body":{"text":"Pick"},"action":{"button":")" + button +
                                R"(","sections":)" + sections + "}" + more + "}");
}
std::string Rows(int n, const std::string& prefix = "r") {
  std::string rows = "[";
  for (int i = 0; i < n; ++i) {
    rows += std::string(i ? "," : "") + R"({"id":")" + prefix + std::to_string(i) + R"(","title":"Row"})";
  }
  return rows + "]";
}
std::string Cta(const std::string& params, const std::string& name = "cta_url") {
  return Msg("interactive", R"({"type":"cta_url","body":{"text":"Go"},"action":{"name":")" + name +
                                R"(","parameters":)" + params + "}}");
}
std::string Tmpl(const std::string& components) {
  return Msg("template", R"({"name":"order_update","language":{"code":"en_US"},"components":)" + components + "}");
}

struct Case {
  const char* why;
  std::string body;
  int code;
};

// One case per rule; each body is valid but for the one thing it names.
std::vector<Case> InvalidBodies() {
  const std::string s4097(4097, 'a'), s1025(1025, 'a'), s513(513, 'x'), s61(61, 'h'), s21(21, 't'), s257(257, 'i');
  return {
      // envelope
      {"not JSON", "{", 100},
      {"not an object", "[1]", 100},
      {"no messaging_product", R"({"to":"1","type":"text","text":{"body":"hi"}})", 100},
      {"wrong messaging_product", R"({"messaging_product":"sms","to":"1","text":{"body":"hi"}})", 100},
      {"group recipients are not simulated", Msg("text", R"({"body":"hi"})", R"(,"recipient_type":"group")"), 100},
      {"no to", R"({"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}})", 131008},
      {"empty to", R"({"messaging_product":"whatsapp","to":"","text":{"body":"hi"}})", 131008},
      {"to not a string", R"({"messaging_product":"whatsapp","to":123,"text":{"body":"hi"}})", 100},
      {"to too long", R"({"messaging_product":"whatsapp","to":"123456789012345678901","text":{"body":"hi"}})", 100},
      {"type not a string", R"({"messaging_product":"whatsapp","to":"1","type":5,"text":{"body":"hi"}})", 100},
      {"unknown type", R"({"messaging_product":"whatsapp","to":"1","type":"fax","fax":{}})", 100},
      {"type object missing", R"({"messaging_product":"whatsapp","to":"1","type":"image"})", 131008},
      {"type object not an object", Msg("image", R"("https://x/y.jpg")"), 100},
      {"object of another type", Msg("text", R"({"body":"hi"})", R"(,"image":{"link":"https://x/y.jpg"})"), 100},
      {"text object missing (default type)", R"({"messaging_product":"whatsapp","to":"1"})", 131008},
      {"callback data not a string", Msg("text", R"({"body":"hi"})", R"(,"biz_opaque_callback_data":5)"), 100},
      {"callback data too long", Msg("text", R"({"body":"hi"})", R"(,"biz_opaque_callback_data":")" + s513 + "\""),
       100},
      // context
      {"context not an object", Msg("text", R"({"body":"hi"})", R"(,"context":"wamid.X")"), 100},
      {"context without message_id", Msg("text", R"({"body":"hi"})", R"(,"context":{})"), 131008},
      {"context message_id empty", Msg("text", R"({"body":"hi"})", R"(,"context":{"message_id":""})"), 100},
      {"context message_id too long",
       Msg("text", R"({"body":"hi"})", R"(,"context":{"message_id":")" + std::string(129, 'w') + "\"}"), 100},
      // text
      {"text.body missing", Msg("text", "{}"), 131008},
      {"text.body empty", Msg("text", R"({"body":""})"), 100},
      {"text.body not a string", Msg("text", R"({"body":5})"), 100},
      {"text.body too long", Msg("text", R"({"body":")" + s4097 + "\"}"), 100},
      {"text.preview_url not a boolean", Msg("text", R"({"body":"hi","preview_url":"yes"})"), 100},
      // media
      {"media without id or link", Msg("image", "{}"), 131008},
      {"media with id and link", Msg("image", R"({"id":"1","link":"https://x/y.jpg"})"), 100},
      {"media id empty", Msg("image", R"({"id":""})"), 100},
      {"media id not a string", Msg("image", R"({"id":123})"), 100},
      {"media link not http(s)", Msg("image", R"({"link":"ftp://x/y.jpg"})"), 100},
      {"caption too long", Msg("video", R"({"link":"https://x/y.mp4","caption":")" + s1025 + "\"}"), 100},
      {"caption on audio", Msg("audio", R"({"link":"https://x/y.ogg","caption":"c"})"), 100},
      {"caption on sticker", Msg("sticker", R"({"link":"https://x/y.webp","caption":"c"})"), 100},
      {"filename on image", Msg("image", R"({"link":"https://x/y.jpg","filename":"y.jpg"})"), 100},
      {"filename not a string", Msg("document", R"({"link":"https://x/y.pdf","filename":1})"), 100},
      {"voice not a boolean", Msg("audio", R"({"link":"https://x/y.ogg","voice":"true"})"), 100},
      {"voice on video", Msg("video", R"({"link":"https://x/y.mp4","voice":true})"), 100},
      // location
      {"location without latitude", Msg("location", R"({"longitude":1})"), 131008},
      {"location without longitude", Msg("location", R"({"latitude":1})"), 131008},
      {"latitude not numeric", Msg("location", R"({"latitude":"north","longitude":1})"), 100},
      {"latitude of another JSON type", Msg("location", R"({"latitude":true,"longitude":1})"), 100},
      {"latitude out of range", Msg("location", R"({"latitude":90.5,"longitude":1})"), 131009},
      {"longitude out of range", Msg("location", R"({"latitude":1,"longitude":"-180.1"})"), 131009},
      {"location name not a string", Msg("location", R"({"latitude":1,"longitude":1,"name":5})"), 100},
      // contacts
      {"contacts not an array", Msg("contacts", R"({"name":{"formatted_name":"A"}})"), 100},
      {"contacts empty", Msg("contacts", "[]"), 100},
      {"contacts over 257",
       [] {
         std::string list = "[";
         for (int i = 0; i < 258; ++i) list += std::string(i ? "," : "") + R"({"name":{"formatted_name":"A"}})";
         return Msg("contacts", list + "]");
       }(),
       100},
      {"contact not an object", Msg("contacts", R"(["Ana"])"), 100},
      {"contact without name", Msg("contacts", R"([{"phones":[]}])"), 131008},
      {"contact without formatted_name", Msg("contacts", R"([{"name":{"first_name":"Ana"}}])"), 131008},
      {"contact phones not an array", Msg("contacts", R"([{"name":{"formatted_name":"A"},"phones":{}}])"), 100},
      // interactive: common
      {"interactive without type", Msg("interactive", R"({"body":{"text":"x"},"action":{}})"), 131008},
      {"interactive type not simulated", Msg("interactive", R"({"type":"product","body":{"text":"x"},"action":{}})"),
       100},
      {"interactive without body",
       Msg("interactive", R"({"type":"button","action":{"buttons":[)" + Reply("a", "A") + "]}}"), 131008},
      {"interactive body without text",
       Msg("interactive", R"({"type":"button","body":{},"action":{"buttons":[)" + Reply("a", "A") + "]}}"), 131008},
      {"interactive without action", Msg("interactive", R"({"type":"button","body":{"text":"x"}})"), 131008},
      {"button body too long",
       Msg("interactive",
           R"({"type":"button","body":{"text":")" + s1025 + R"("},"action":{"buttons":[)" + Reply("a", "A") + "]}}"),
       131009},
      {"header text too long",
       Buttons("[" + Reply("a", "A") + "]", R"(,"header":{"type":"text","text":")" + s61 + "\"}"), 131009},
      {"header without type", Buttons("[" + Reply("a", "A") + "]", R"(,"header":{"text":"h"})"), 131008},
      {"header of unknown type", Buttons("[" + Reply("a", "A") + "]", R"(,"header":{"type":"audio","audio":{}})"), 100},
      {"header media without its object", Buttons("[" + Reply("a", "A") + "]", R"(,"header":{"type":"image"})"),
       131008},
      {"header media with a caption",
       Buttons("[" + Reply("a", "A") + "]",
               R"(,"header":{"type":"image","image":{"link":"https://x/y.jpg","caption":"c"}})"),
       100},
      {"footer too long", Buttons("[" + Reply("a", "A") + "]", R"(,"footer":{"text":")" + s61 + "\"}"), 131009},
      {"footer without text", Buttons("[" + Reply("a", "A") + "]", R"(,"footer":{})"), 131008},
      // interactive: reply buttons
      {"no buttons", Msg("interactive", R"({"type":"button","body":{"text":"x"},"action":{}})"), 131008},
      {"buttons not an array", Buttons("{}"), 100},
      {"zero buttons", Buttons("[]"), 131009},
      {"four buttons",
       Buttons("[" + Reply("a", "A") + "," + Reply("b", "B") + "," + Reply("c", "C") + "," + Reply("d", "D") + "]"),
       131009},
      {"button type not reply", Buttons(R"([{"type":"url","reply":{"id":"a","title":"A"}}])"), 100},
      {"button without reply", Buttons(R"([{"type":"reply"}])"), 131008},
      {"button id missing", Buttons(R"([{"type":"reply","reply":{"title":"A"}}])"), 131008},
      {"button id too long", Buttons("[" + Reply(s257, "A") + "]"), 131009},
      {"button id with a leading space", Buttons("[" + Reply(" a", "A") + "]"), 131009},
      {"button id with a trailing space", Buttons("[" + Reply("a ", "A") + "]"), 131009},
      {"button ids repeat", Buttons("[" + Reply("a", "A") + "," + Reply("a", "B") + "]"), 131009},
      {"button title missing", Buttons(R"([{"type":"reply","reply":{"id":"a"}}])"), 131008},
      {"button title too long", Buttons("[" + Reply("a", s21) + "]"), 131009},
      {"button titles repeat", Buttons("[" + Reply("a", "A") + "," + Reply("b", "A") + "]"), 131009},
      // interactive: list
      {"list button missing",
       Msg("interactive",
           R"({"type":"list","body":{"text":"x"},"action":{"sections":[{"rows":[{"id":"a","title":"A"}]}]}})"),
       131008},
      {"list button too long", List(R"([{"rows":)" + Rows(1) + "}]", s21), 131009},
      {"list without sections", Msg("interactive", R"({"type":"list","body":{"text":"x"},"action":{"button":"B"}})"),
       131008},
      {"list with zero sections", List("[]"), 131009},
      {"list with eleven sections",
       [&] {
         std::string sections = "[";
         for (int i = 0; i < 11; ++i)
           sections += std::string(i ? "," : "") + R"({"title":"S","rows":)" +
                       Rows(1, std::string("s").append(std::to_string(i))) + "}";
         return List(sections + "]");
       }(),
       131009},
      {"list with eleven rows in all",
       List(R"([{"title":"A","rows":)" + Rows(6, "a") + R"(},{"title":"B","rows":)" + Rows(5, "b") + "}]"), 131009},
      {"list section without rows", List(R"([{"title":"A"}])"), 131008},
      {"list section with zero rows", List(R"([{"title":"A","rows":[]}])"), 131009},
      {"list sections untitled when several",
       List(R"([{"rows":)" + Rows(1, "a") + R"(},{"title":"B","rows":)" + Rows(1, "b") + "}]"), 131008},
      {"list section title too long", List(R"([{"title":")" + std::string(25, 's') + R"(","rows":)" + Rows(1) + "}]"),
       131009},
      {"list row id missing", List(R"([{"rows":[{"title":"A"}]}])"), 131008},
      {"list row id too long", List(R"([{"rows":[{"id":")" + std::string(201, 'r') + R"(","title":"A"}]}])"), 131009},
      {"list row title too long", List(R"([{"rows":[{"id":"a","title":")" + std::string(25, 't') + R"("}]}])"), 131009},
      {"list row description too long",
       List(R"([{"rows":[{"id":"a","title":"A","description":")" + std::string(73, 'd') + R"("}]}])"), 131009},
      {"list row ids repeat", List(R"([{"title":"A","rows":)" + Rows(1) + R"(},{"title":"B","rows":)" + Rows(1) + "}]"),
       131009},
      {"list header not text",
       List(R"([{"rows":)" + Rows(1) + "}]", "Options",
            R"(,"header":{"type":"image","image":{"link":"https://x/y.jpg"}})"),
       131009},
      {"list body too long",
       Msg("interactive", R"({"type":"list","body":{"text":")" + s4097 +
                              R"("},"action":{"button":"B","sections":[{"rows":)" + Rows(1) + "}]}}"),
       131009},
      // interactive: cta_url
      {"cta_url action name missing",
       Msg("interactive",
           R"({"type":"cta_url","body":{"text":"x"},"action":{"parameters":{"display_text":"Go","url":"https://x"}}})"),
       131008},
      {"cta_url action name wrong", Cta(R"({"display_text":"Go","url":"https://x"})", "open"), 100},
      {"cta_url without parameters",
       Msg("interactive", R"({"type":"cta_url","body":{"text":"x"},"action":{"name":"cta_url"}})"), 131008},
      {"cta_url display_text missing", Cta(R"({"url":"https://x"})"), 131008},
      {"cta_url display_text too long", Cta(R"({"display_text":")" + s21 + R"(","url":"https://x"})"), 131009},
      {"cta_url url missing", Cta(R"({"display_text":"Go"})"), 131008},
      {"cta_url url not http(s)", Cta(R"({"display_text":"Go","url":"ftp://x.com/a"})"), 131009},
      // template
      {"template without name", Msg("template", R"({"language":{"code":"en_US"}})"), 131008},
      {"template without language", Msg("template", R"({"name":"t"})"), 131008},
      {"template language without code", Msg("template", R"({"name":"t","language":{}})"), 131008},
      {"template language policy unknown",
       Msg("template", R"({"name":"t","language":{"code":"en","policy":"fallback"}})"), 100},
      {"template components not an array", Tmpl("{}"), 100},
      {"template component without type", Tmpl(R"([{"parameters":[]}])"), 131008},
      {"template component type unknown", Tmpl(R"([{"type":"footer","parameters":[]}])"), 100},
      {"template component without parameters", Tmpl(R"([{"type":"body"}])"), 131008},
      {"template two bodies", Tmpl(R"([{"type":"body","parameters":[]},{"type":"BODY","parameters":[]}])"), 100},
      {"template button without sub_type", Tmpl(R"([{"type":"button","index":"0","parameters":[]}])"), 131008},
      {"template button sub_type unknown", Tmpl(R"([{"type":"button","sub_type":"call","index":"0","parameters":[]}])"),
       100},
      {"template button without index", Tmpl(R"([{"type":"button","sub_type":"url","parameters":[]}])"), 131008},
      {"template button index out of range",
       Tmpl(R"([{"type":"button","sub_type":"url","index":"10","parameters":[]}])"), 100},
      {"template button index repeated",
       Tmpl(
           R"([{"type":"button","sub_type":"url","index":0,"parameters":[]},{"type":"button","sub_type":"url","index":"0","parameters":[]}])"),
       100},
      {"template parameter without type", Tmpl(R"([{"type":"body","parameters":[{"text":"Ana"}]}])"), 131008},
      {"template parameter type unknown", Tmpl(R"([{"type":"body","parameters":[{"type":"emoji","emoji":"x"}]}])"),
       100},
      {"template text parameter without text", Tmpl(R"([{"type":"body","parameters":[{"type":"text"}]}])"), 131008},
      {"template currency without amount_1000",
       Tmpl(R"([{"type":"body","parameters":[{"type":"currency","currency":{"fallback_value":"$1","code":"USD"}}]}])"),
       131008},
      {"template currency amount not an integer",
       Tmpl(
           R"([{"type":"body","parameters":[{"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1.5}}]}])"),
       100},
      {"template date_time without fallback",
       Tmpl(R"([{"type":"body","parameters":[{"type":"date_time","date_time":{}}]}])"), 131008},
      {"template media parameter without id or link",
       Tmpl(R"([{"type":"header","parameters":[{"type":"image","image":{}}]}])"), 131008},
      {"template parameter_name not a string",
       Tmpl(R"([{"type":"body","parameters":[{"type":"text","text":"A","parameter_name":1}]}])"), 100},
      // reaction
      {"reaction without message_id", Msg("reaction", R"({"emoji":"x"})"), 131008},
      {"reaction without emoji", Msg("reaction", R"({"message_id":"wamid.X"})"), 131008},
      {"reaction emoji not a string", Msg("reaction", R"({"message_id":"wamid.X","emoji":1})"), 100},
      {"reaction with context",
       Msg("reaction", R"({"message_id":"wamid.X","emoji":"x"})", R"(,"context":{"message_id":"wamid.Y"})"), 131009},
      // mark as read
      {"mark read without message_id", R"({"messaging_product":"whatsapp","status":"read"})", 131008},
      {"mark read with another status",
       R"({"messaging_product":"whatsapp","status":"delivered","message_id":"wamid.X"})", 100},
      {"mark read message_id empty", R"({"messaging_product":"whatsapp","status":"read","message_id":""})", 100},
      {"typing indicator of unknown type",
       R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X","typing_indicator":{"type":"audio"}})",
       100},
  };
}

TEST(MessageValidatorTest, EveryRuleGetsMetasCode) {
  for (const Case& c : InvalidBodies()) {
    auto result = ValidateSendBody(c.body);
    EXPECT_EQ(CodeOf(result), c.code) << c.why << "\n" << c.body;
    if (const GraphError* e = std::get_if<GraphError>(&result)) {
      EXPECT_FALSE(e->details.empty()) << c.why;
    }
  }
}

// The valid neighbour of every family above, so each case really fails on its one rule.
TEST(MessageValidatorTest, ValidBodiesOfEveryTypePass) {
  const std::string s4096(4096, 'a'), s1024(1024, 'a'), s60(60, 'h'), s20(20, 't'), s256(256, 'i');
  std::vector<std::string> bodies = {
      Msg("text", R"({"body":")" + s4096 + R"(","preview_url":true})", R"(,"context":{"message_id":"wamid.X"})"),
      Msg("image", R"({"id":"2000000000000001","caption":")" + s1024 + "\"}"),
      Msg("video", R"({"link":"https://x/y.mp4","caption":"c"})"),
      Msg("audio", R"({"link":"https://x/y.ogg","voice":true})"),
      Msg("document", R"({"link":"https://x/y.pdf","caption":"c","filename":"y.pdf"})"),
      Msg("sticker", R"({"id":"2000000000000001"})"),
      Msg("location", R"({"latitude":"-90","longitude":180,"name":"HQ","address":"1 Hacker Way"})"),
      Msg("contacts", R"([{"name":{"formatted_name":"Ana Ruiz"},"phones":[{"phone":"+1"}]}])"),
      Buttons("[" + Reply(s256, s20) + "," + Reply("b", "B") + "," + Reply("c", "C") + "]",
              R"(,"header":{"type":"text","text":")" + s60 + R"("},"footer":{"text":")" + s60 + "\"}"),
      Buttons("[" + Reply("a", "A") + "]", R"(,"header":{"type":"document","document":{"id":"2000000000000001"}})"),
      List(R"([{"title":"A","rows":)" + Rows(5, "a") + R"(},{"title":"B","rows":)" + Rows(5, "b") + "}]", s20),
      List(R"([{"rows":[{"id":")" + std::string(200, 'r') + R"(","title":")" + std::string(24, 't') +
           R"(","description":")" + std::string(72, 'd') + R"("}]}])"),
      Cta(R"({"display_text":")" + s20 + R"(","url":"http://x"})"),
      Tmpl(R"([{"type":"HEADER","parameters":[{"type":"image","image":{"id":"2000000000000001"}}]},
               {"type":"body","parameters":[{"type":"text","text":"Ana","parameter_name":"name"},
                 {"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1000}},
                 {"type":"date_time","date_time":{"fallback_value":"Feb 25"}}]},
               {"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"p"}]},
               {"type":"button","sub_type":"url","index":1,"parameters":[{"type":"text","text":"o/42"}]},
               {"type":"button","sub_type":"copy_code","index":2,"parameters":[{"type":"coupon_code","coupon_code":"SAVE25"}]}])"),
      Msg("reaction", R"({"message_id":"wamid.X","emoji":""})"),
      R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X","typing_indicator":{"type":"text"}})",
  };
  for (const std::string& body : bodies) EXPECT_EQ(CodeOf(ValidateSendBody(body)), -1) << body;
}

TEST(MessageValidatorTest, CollectsMediaIdsAndTargets) {
  auto image = ValidateSendBody(Msg("image", R"({"id":"2000000000000001"})"));
  ASSERT_EQ(CodeOf(image), -1);
  ASSERT_EQ(std::get<ValidSend>(image).media.size(), 1u);
  EXPECT_EQ(std::get<ValidSend>(image).media[0].path, "image.id");
  EXPECT_EQ(std::get<ValidSend>(image).media[0].id, "2000000000000001");
  auto header = ValidateSendBody(
      Tmpl(R"([{"type":"header","parameters":[{"type":"document","document":{"id":"2000000000000002"}}]}])"));
  ASSERT_EQ(CodeOf(header), -1);
  EXPECT_EQ(std::get<ValidSend>(header).media[0].path, "template.components[0].parameters[0].document.id");
  auto reaction = ValidateSendBody(Msg("reaction", R"({"message_id":"wamid.T","emoji":"x"})"));
  EXPECT_EQ(std::get<ValidSend>(reaction).target_message_id, "wamid.T");
  auto read = ValidateSendBody(R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.R"})");
  EXPECT_EQ(std::get<ValidSend>(read).target_message_id, "wamid.R");
}

TEST(MessageValidatorTest, AcceptsATextMessage) {
  auto r = ValidateSendBody(
      R"({"messaging_product":"whatsapp","to":"+1 (650) 555-1234","type":"text","text":{"body":"hi"},
          "biz_opaque_callback_data":"msg_1"})");
  ASSERT_EQ(CodeOf(r), -1);
  const ValidSend& send = std::get<ValidSend>(r);
  EXPECT_EQ(send.to, "+1 (650) 555-1234");
  EXPECT_EQ(send.wa_id, "16505551234");
  EXPECT_EQ(send.type, "text");
  EXPECT_EQ(send.text, "hi");
  EXPECT_EQ(send.biz_opaque_callback_data, "msg_1");
}

TEST(MessageValidatorTest, TypeDefaultsToText) {
  auto r = ValidateSendBody(R"({"messaging_product":"whatsapp","to":"1","text":{"body":"hi"}})");
  ASSERT_EQ(CodeOf(r), -1);
  EXPECT_EQ(std::get<ValidSend>(r).type, "text");
}

TEST(MessageValidatorTest, TextLimitCountsCodePointsNotBytes) {
  std::string body;
  for (int i = 0; i < 4096; ++i) body += "\xC3\xA9";  // é: 2 bytes, 1 character
  auto r = ValidateSendBody(R"({"messaging_product":"whatsapp","to":"1","text":{"body":")" + body + "\"}}");
  EXPECT_EQ(CodeOf(r), -1);
}

TEST(MessageValidatorTest, SendingToTheBusinessNumberIs131021) {
  auto r =
      ValidateSendBody(R"({"messaging_product":"whatsapp","to":"+15550001111","text":{"body":"hi"}})", "15550001111");
  EXPECT_EQ(CodeOf(r), 131021);
}

TEST(MessageValidatorTest, AcceptsOtherTypesAndMarkAsRead) {
  for (
      const char* body : {
          R"({"messaging_product":"whatsapp","to":"1","type":"image","image":{"link":"https://x/y.jpg"}})",
          R"({"messaging_product":"whatsapp","to":"1","type":"template","template":{"name":"t","language":{"code":"en"}}})",
          R"({"messaging_product":"whatsapp","to":"1","type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}})",
          R"({"messaging_product":"whatsapp","to":"1","type":"location","location":{"latitude":"1","longitude":2}})",
          R"({"messaging_product":"whatsapp","to":"1","type":"contacts","contacts":[{"name":{"formatted_name":"A"}}]})",
      }) {
    EXPECT_EQ(CodeOf(ValidateSendBody(body)), -1) << body;
  }
  auto read = ValidateSendBody(R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"})");
  ASSERT_EQ(CodeOf(read), -1);
  EXPECT_EQ(std::get<ValidSend>(read).kind, ValidSend::Kind::kMarkRead);
}

}  // namespace
}  // namespace wagate::sandbox
