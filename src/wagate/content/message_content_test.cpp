#include "wagate/content/message_content.hpp"

#include <gtest/gtest.h>

namespace wagate::content {
namespace {

using nlohmann::json;

MessageContent Parse(const std::string& request) {
  auto r = ParseMessageContent(json::parse(request));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : MessageContent{};
}

// The Graph body for `request` sent to +15550001111 as message "msg_1", as a parsed object.
json Graph(const std::string& request) {
  return json::parse(BuildGraphRequest(Parse(request), "+15550001111", "msg_1"));
}

// The envelope every non-mark_read send carries, merged with the type-specific members.
json Envelope(const json& fields) {
  json body = {{"messaging_product", "whatsapp"},
               {"recipient_type", "individual"},
               {"to", "+15550001111"},
               {"biz_opaque_callback_data", "msg_1"}};
  body.update(fields);
  return body;
}

// ---- (a) valid requests and the exact Graph body ----

TEST(MessageContent, TextObjectWithPreview) {
  EXPECT_EQ(Graph(R"({"to":"+1","message_type":"text","text":{"body":"See https://x.io","preview_url":true}})"),
            Envelope({{"type", "text"}, {"text", {{"body", "See https://x.io"}, {"preview_url", true}}}}));
}

TEST(MessageContent, LegacyMessageStringIsText) {
  auto c = Parse(R"({"to":"+1","message":"hi there"})");
  EXPECT_EQ(c.type, "text");
  EXPECT_EQ(c.summary, "hi there");
  EXPECT_TRUE(c.needs_recipient);
  EXPECT_FALSE(c.is_template());
  EXPECT_EQ(Graph(R"({"message":"hi there"})"), Envelope({{"type", "text"}, {"text", {{"body", "hi there"}}}}));
}

TEST(MessageContent, ImageByIdWithCaptionAsReply) {
  auto c = Parse(R"({"message_type":"image","image":{"id":"1479537139650973","caption":"Look"},
                     "context":{"message_id":"wamid.IN1"}})");
  EXPECT_EQ(c.media_ids, std::vector<std::string>{"1479537139650973"});
  EXPECT_EQ(c.summary, "Look");
  EXPECT_EQ(Graph(R"({"message_type":"image","image":{"id":"1479537139650973","caption":"Look"},
                      "context":{"message_id":"wamid.IN1"}})"),
            Envelope({{"type", "image"},
                      {"image", {{"id", "1479537139650973"}, {"caption", "Look"}}},
                      {"context", {{"message_id", "wamid.IN1"}}}}));
}

TEST(MessageContent, VideoByLink) {
  auto c = Parse(R"({"message_type":"video","video":{"link":"https://cdn.example.com/a.mp4"}})");
  EXPECT_TRUE(c.media_ids.empty());
  EXPECT_EQ(c.summary, "[video]");
  EXPECT_EQ(Graph(R"({"message_type":"video","video":{"link":"https://cdn.example.com/a.mp4"}})"),
            Envelope({{"type", "video"}, {"video", {{"link", "https://cdn.example.com/a.mp4"}}}}));
}

TEST(MessageContent, AudioVoiceNote) {
  EXPECT_EQ(Graph(R"({"message_type":"audio","audio":{"id":"42","voice":true}})"),
            Envelope({{"type", "audio"}, {"audio", {{"id", "42"}, {"voice", true}}}}));
  EXPECT_EQ(Parse(R"({"message_type":"audio","audio":{"id":"42","voice":true}})").summary, "[voice note]");
}

TEST(MessageContent, DocumentWithFilename) {
  const char* request = R"({"message_type":"document",
                            "document":{"id":"1013859600285441","caption":"Invoice","filename":"invoice.pdf"}})";
  EXPECT_EQ(
      Graph(request),
      Envelope({{"type", "document"},
                {"document", {{"id", "1013859600285441"}, {"caption", "Invoice"}, {"filename", "invoice.pdf"}}}}));
}

TEST(MessageContent, Sticker) {
  EXPECT_EQ(Graph(R"({"message_type":"sticker","sticker":{"id":"7"}})"),
            Envelope({{"type", "sticker"}, {"sticker", {{"id", "7"}}}}));
}

TEST(MessageContent, LocationKeepsCoordinatesAsGiven) {
  const char* request = R"({"message_type":"location",
                            "location":{"latitude":"37.48","longitude":-122.14,"name":"HQ","address":"1 Hacker Way"}})";
  EXPECT_EQ(Parse(request).summary, "📍 HQ");
  EXPECT_EQ(Graph(request),
            Envelope({{"type", "location"},
                      {"location",
                       {{"latitude", "37.48"}, {"longitude", -122.14}, {"name", "HQ"}, {"address", "1 Hacker Way"}}}}));
}

TEST(MessageContent, Contacts) {
  const char* request = R"({"message_type":"contacts","contacts":[{
      "name":{"formatted_name":"Ana Ruiz","first_name":"Ana","last_name":"Ruiz"},"birthday":"1990-01-31",
      "phones":[{"phone":"+16505551234","type":"WORK","wa_id":"16505551234"}],
      "emails":[{"email":"a@x.com","type":"WORK"}],
      "addresses":[{"city":"Menlo Park","country_code":"US"}],
      "org":{"company":"X"},"urls":[{"url":"https://x","type":"WORK"}]}]})";
  EXPECT_EQ(Parse(request).summary, "👤 Ana Ruiz");
  json contact = {{"name", {{"formatted_name", "Ana Ruiz"}, {"first_name", "Ana"}, {"last_name", "Ruiz"}}},
                  {"birthday", "1990-01-31"},
                  {"phones", {{{"phone", "+16505551234"}, {"type", "WORK"}, {"wa_id", "16505551234"}}}},
                  {"emails", {{{"email", "a@x.com"}, {"type", "WORK"}}}},
                  {"addresses", {{{"city", "Menlo Park"}, {"country_code", "US"}}}},
                  {"org", {{"company", "X"}}},
                  {"urls", {{{"url", "https://x"}, {"type", "WORK"}}}}};
  EXPECT_EQ(Graph(request), Envelope({{"type", "contacts"}, {"contacts", json::array({contact})}}));
}

TEST(MessageContent, InteractiveReplyButtons) {
  const char* request = R"({"message_type":"interactive","interactive":{"type":"button",
      "header":{"type":"image","image":{"id":"555"}},"body":{"text":"Pick one"},"footer":{"text":"Thanks"},
      "action":{"buttons":[{"type":"reply","reply":{"id":"chg","title":"Change"}},
                           {"type":"reply","reply":{"id":"keep","title":"Keep"}}]}}})";
  auto c = Parse(request);
  EXPECT_EQ(c.summary, "Pick one");
  EXPECT_EQ(c.media_ids, std::vector<std::string>{"555"});
  json interactive = {{"type", "button"},
                      {"header", {{"type", "image"}, {"image", {{"id", "555"}}}}},
                      {"body", {{"text", "Pick one"}}},
                      {"footer", {{"text", "Thanks"}}},
                      {"action",
                       {{"buttons",
                         {{{"type", "reply"}, {"reply", {{"id", "chg"}, {"title", "Change"}}}},
                          {{"type", "reply"}, {"reply", {{"id", "keep"}, {"title", "Keep"}}}}}}}}};
  EXPECT_EQ(Graph(request), Envelope({{"type", "interactive"}, {"interactive", interactive}}));
}

TEST(MessageContent, InteractiveList) {
  const char* request = R"({"message_type":"interactive","interactive":{"type":"list",
      "header":{"type":"text","text":"Support"},"body":{"text":"How can we help?"},
      "action":{"button":"Options","sections":[
        {"title":"Orders","rows":[{"id":"track","title":"Track","description":"Where is it?"}]},
        {"title":"Other","rows":[{"id":"human","title":"Talk to us"}]}]}}})";
  json interactive = {
      {"type", "list"},
      {"header", {{"type", "text"}, {"text", "Support"}}},
      {"body", {{"text", "How can we help?"}}},
      {"action",
       {{"button", "Options"},
        {"sections",
         {{{"title", "Orders"}, {"rows", {{{"id", "track"}, {"title", "Track"}, {"description", "Where is it?"}}}}},
          {{"title", "Other"}, {"rows", {{{"id", "human"}, {"title", "Talk to us"}}}}}}}}}};
  EXPECT_EQ(Graph(request), Envelope({{"type", "interactive"}, {"interactive", interactive}}));
}

TEST(MessageContent, InteractiveCtaUrl) {
  const char* request = R"({"message_type":"interactive","interactive":{"type":"cta_url",
      "body":{"text":"Tickets are out"},
      "action":{"name":"cta_url","parameters":{"display_text":"See Dates","url":"https://x.io/d"}}}})";
  json interactive = {
      {"type", "cta_url"},
      {"body", {{"text", "Tickets are out"}}},
      {"action", {{"name", "cta_url"}, {"parameters", {{"display_text", "See Dates"}, {"url", "https://x.io/d"}}}}}};
  EXPECT_EQ(Graph(request), Envelope({{"type", "interactive"}, {"interactive", interactive}}));
}

TEST(MessageContent, PositionalTemplateIsNormalised) {
  const char* request = R"({"message_type":"template","template":{"name":"order_update",
      "language":{"code":"en_US","policy":"deterministic"},
      "components":[
        {"type":"HEADER","parameters":[{"type":"image","image":{"id":"2871834006348767"}}]},
        {"type":"body","parameters":[{"type":"text","text":"Ana"},
          {"type":"currency","currency":{"fallback_value":"$100.99","code":"USD","amount_1000":100990}},
          {"type":"date_time","date_time":{"fallback_value":"Feb 25, 2026"}}]},
        {"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"more"}]},
        {"type":"BUTTON","sub_type":"URL","index":1,"parameters":[{"type":"text","text":"order/42"}]},
        {"type":"button","sub_type":"copy_code","index":2,"parameters":[{"type":"coupon_code","coupon_code":"SAVE25"}]}]}})";
  auto c = Parse(request);
  ASSERT_TRUE(c.is_template());
  ASSERT_TRUE(c.template_use.has_value());
  EXPECT_EQ(c.summary, "order_update");
  EXPECT_EQ(c.template_use->name, "order_update");
  EXPECT_EQ(c.template_use->language, "en_US");
  EXPECT_FALSE(c.template_use->named);
  std::map<std::string, size_t> counts = {
      {"header", 1}, {"body", 3}, {"button:0", 1}, {"button:1", 1}, {"button:2", 1}};
  EXPECT_EQ(c.template_use->parameter_counts, counts);
  EXPECT_TRUE(c.template_use->parameter_names.empty());
  EXPECT_EQ(c.media_ids, std::vector<std::string>{"2871834006348767"});
  json components =
      json::array({{{"type", "header"}, {"parameters", {{{"type", "image"}, {"image", {{"id", "2871834006348767"}}}}}}},
                   {{"type", "body"},
                    {"parameters",
                     {{{"type", "text"}, {"text", "Ana"}},
                      {{"type", "currency"},
                       {"currency", {{"fallback_value", "$100.99"}, {"code", "USD"}, {"amount_1000", 100990}}}},
                      {{"type", "date_time"}, {"date_time", {{"fallback_value", "Feb 25, 2026"}}}}}}},
                   {{"type", "button"},
                    {"sub_type", "quick_reply"},
                    {"index", "0"},
                    {"parameters", {{{"type", "payload"}, {"payload", "more"}}}}},
                   {{"type", "button"},
                    {"sub_type", "url"},
                    {"index", "1"},
                    {"parameters", {{{"type", "text"}, {"text", "order/42"}}}}},
                   {{"type", "button"},
                    {"sub_type", "copy_code"},
                    {"index", "2"},
                    {"parameters", {{{"type", "coupon_code"}, {"coupon_code", "SAVE25"}}}}}});
  json tmpl = {{"name", "order_update"},
               {"language", {{"code", "en_US"}, {"policy", "deterministic"}}},
               {"components", components}};
  EXPECT_EQ(Graph(request), Envelope({{"type", "template"}, {"template", tmpl}}));
}

TEST(MessageContent, NamedTemplateReportsNames) {
  const char* request = R"({"message_type":"template","template":{"name":"reservation","language":{"code":"en"},
      "components":[{"type":"body","parameters":[
        {"type":"text","parameter_name":"first_name","text":"Ana"},
        {"type":"text","parameter_name":"day","text":"Monday"}]}]}})";
  auto c = Parse(request);
  ASSERT_TRUE(c.template_use.has_value());
  EXPECT_TRUE(c.template_use->named);
  EXPECT_EQ(c.template_use->parameter_counts, (std::map<std::string, size_t>{{"body", 2}}));
  EXPECT_EQ(c.template_use->parameter_names.at("body"), (std::vector<std::string>{"first_name", "day"}));
  json tmpl = {{"name", "reservation"},
               {"language", {{"code", "en"}}},
               {"components",
                {{{"type", "body"},
                  {"parameters",
                   {{{"type", "text"}, {"parameter_name", "first_name"}, {"text", "Ana"}},
                    {{"type", "text"}, {"parameter_name", "day"}, {"text", "Monday"}}}}}}}};
  EXPECT_EQ(Graph(request), Envelope({{"type", "template"}, {"template", tmpl}}));
}

TEST(MessageContent, TemplateWithoutComponents) {
  auto c = Parse(R"({"message_type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}})");
  ASSERT_TRUE(c.template_use.has_value());
  EXPECT_TRUE(c.template_use->parameter_counts.empty());
  EXPECT_EQ(
      Graph(R"({"message_type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}})"),
      Envelope({{"type", "template"}, {"template", {{"name", "hello_world"}, {"language", {{"code", "en_US"}}}}}}));
}

TEST(MessageContent, ReactionAndItsRemoval) {
  EXPECT_EQ(Graph(R"({"message_type":"reaction","reaction":{"message_id":"wamid.IN1","emoji":"👍🏽"}})"),
            Envelope({{"type", "reaction"}, {"reaction", {{"message_id", "wamid.IN1"}, {"emoji", "👍🏽"}}}}));
  auto removed = Parse(R"({"message_type":"reaction","reaction":{"message_id":"wamid.IN1","emoji":""}})");
  EXPECT_EQ(removed.summary, "(reaction removed)");
  EXPECT_EQ(removed.graph_fields["reaction"]["emoji"], "");
}

TEST(MessageContent, MarkReadHasNoRecipient) {
  const char* request = R"({"message_type":"mark_read","mark_read":{"message_id":"wamid.IN1",
                            "typing_indicator":{"type":"text"}}})";
  auto c = Parse(request);
  EXPECT_FALSE(c.needs_recipient);
  EXPECT_EQ(json::parse(BuildGraphRequest(c, "+15550001111", "msg_1")),
            (json{{"messaging_product", "whatsapp"},
                  {"status", "read"},
                  {"message_id", "wamid.IN1"},
                  {"typing_indicator", {{"type", "text"}}}}));
}

TEST(MessageContent, LimitsCountCharactersNotBytes) {
  std::string body;
  for (int i = 0; i < 4096; ++i) body += "é";  // 8192 bytes, 4096 characters
  EXPECT_TRUE(ParseMessageContent(json{{"text", {{"body", body}}}}).ok());
  auto r = ParseMessageContent(json{{"text", {{"body", body + "x"}}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "field 'text.body' must have at most 4096 characters (has 4097)");
}

// ---- (b) invalid requests: the error names the exact field, in the request's own names ----

struct InvalidCase {
  std::string request;
  std::string field;
  std::string rule;  // a fragment of the rule text
};

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string Img(const std::string& image) { return R"({"message_type":"image","image":)" + image + "}"; }
std::string Loc(const std::string& location) { return R"({"message_type":"location","location":)" + location + "}"; }
std::string Contacts(const std::string& contacts) {
  return R"({"message_type":"contacts","contacts":)" + contacts + "}";
}
std::string Inter(const std::string& interactive) {
  return R"({"message_type":"interactive","interactive":)" + interactive + "}";
}
std::string Buttons(const std::string& buttons) {
  return Inter(R"({"type":"button","body":{"text":"b"},"action":{"buttons":)" + buttons + "}}");
}
std::string Reply(const std::string& id, const std::string& title) {
  return R"({"type":"reply","reply":{"id":")" + id + R"(","title":")" + title + R"("}})";
}
std::string List(const std::string& action) {
  return Inter(R"({"type":"list","body":{"text":"b"},"action":)" + action + "}");
}
std::string Rows(size_t n, const std::string& prefix) {
  std::string rows;
  for (size_t i = 0; i < n; ++i)
    rows += std::string(i ? "," : "") + R"({"id":")" + prefix + std::to_string(i) + R"(","title":"t"})";
  return "[" + rows + "]";
}
std::string Cta(const std::string& action) {
  return Inter(R"({"type":"cta_url","body":{"text":"b"},"action":)" + action + "}");
}
std::string Tmpl(const std::string& components) {
  return R"({"message_type":"template","template":{"name":"t1","language":{"code":"en"},"components":)" + components +
         "}}";
}
std::string Body(const std::string& parameters) { return Tmpl(R"([{"type":"body","parameters":)" + parameters + "}]"); }
std::string Text(const std::string& text) { return R"({"type":"text","text":")" + text + R"("})"; }
std::string Named(const std::string& name, const std::string& text) {
  return R"({"type":"text","parameter_name":")" + name + R"(","text":")" + text + R"("})";
}
std::string Button(const std::string& sub_type, const std::string& index, const std::string& parameters) {
  return R"({"type":"button","sub_type":")" + sub_type + R"(","index":)" + index + R"(,"parameters":)" + parameters +
         "}";
}
std::string React(const std::string& reaction) { return R"({"message_type":"reaction","reaction":)" + reaction + "}"; }
std::string Read(const std::string& mark_read) {
  return R"({"message_type":"mark_read","mark_read":)" + mark_read + "}";
}

const std::string kPeople = R"({"name":{"formatted_name":"Ana","first_name":"Ana"}})";

std::vector<InvalidCase> InvalidCases() {
  return {
      // dispatcher, text, context
      {R"({"message_type":"fax"})", "message_type", "must be one of: text, template, image"},
      {R"({"message_type":5})", "message_type", "must be one of"},
      {R"({"to":"+1"})", "text", "is required"},
      {R"({"message":""})", "message", "must not be empty"},
      {R"({"message":42})", "message", "must be a string"},
      {R"({"message":"a","text":{"body":"b"}})", "text", "not allowed together with 'message'"},
      {R"({"text":"hi"})", "text", "must be an object"},
      {R"({"text":{"body":"hi","preview_url":"yes"}})", "text.preview_url", "must be true or false"},
      {R"({"text":{"body":"hi","bold":true}})", "text.bold", "is not allowed"},
      {R"({"text":{"body":")" + std::string(4097, 'a') + R"("}})", "text.body", "at most 4096 characters (has 4097)"},
      {R"({"message_type":"image","message":"hi","image":{"id":"1"}})", "message",
       "not allowed with message_type image"},
      {R"({"message":"hi","context":{"message_id":""}})", "context.message_id", "must not be empty"},
      {R"({"message":"hi","context":{"id":"wamid.1"}})", "context.id", "is not allowed"},
      {R"({"message":"hi","context":{"message_id":")" + std::string(129, 'w') + R"("}})", "context.message_id",
       "at most 128"},
      // media
      {Img("{}"), "image", "must have exactly one of 'id' or 'link'"},
      {Img(R"({"id":"1","link":"https://x.io/a.jpg"})"), "image.link", "not allowed together with 'id'"},
      {Img(R"({"id":"abc"})"), "image.id", "digits only"},
      {Img(R"({"id":12})"), "image.id", "must be a string"},
      {Img(R"({"link":"ftp://x.io/a.jpg"})"), "image.link", "http:// or https://"},
      {Img(R"({"link":"https:///a.jpg"})"), "image.link", "http:// or https://"},
      {Img(R"({"link":"https://x.io/)" + std::string(1990, 'a') + R"("})"), "image.link", "at most 2000"},
      {Img(R"({"id":"1","caption":")" + std::string(1025, 'c') + R"("})"), "image.caption", "at most 1024"},
      {Img(R"({"id":"1","filename":"a.jpg"})"), "image.filename", "is not allowed"},
      {Img(R"({"id":"1","voice":true})"), "image.voice", "is not allowed"},
      {R"({"message_type":"audio","audio":{"id":"1","caption":"x"}})", "audio.caption", "is not allowed"},
      {R"({"message_type":"audio","audio":{"id":"1","voice":"yes"}})", "audio.voice", "must be true or false"},
      {R"({"message_type":"sticker","sticker":{"id":"1","caption":"x"}})", "sticker.caption", "is not allowed"},
      {R"({"message_type":"document","document":{"id":"1","filename":")" + std::string(241, 'f') + R"("}})",
       "document.filename", "at most 240"},
      {R"({"message_type":"video","video":[]})", "video", "must be an object"},
      {R"({"message_type":"video"})", "video", "is required"},
      // location
      {Loc(R"({"longitude":1})"), "location.latitude", "is required"},
      {Loc(R"({"latitude":91,"longitude":1})"), "location.latitude", "from -90 to 90"},
      {Loc(R"({"latitude":1,"longitude":"abc"})"), "location.longitude", "from -180 to 180"},
      {Loc(R"({"latitude":1,"longitude":"-181"})"), "location.longitude", "from -180 to 180"},
      {Loc(R"({"latitude":1,"longitude":true})"), "location.longitude", "numeric string"},
      {Loc(R"({"latitude":1,"longitude":1,"name":""})"), "location.name", "must not be empty"},
      {Loc(R"({"latitude":1,"longitude":1,"zoom":3})"), "location.zoom", "is not allowed"},
      // contacts
      {Contacts("[]"), "contacts", "must have at least 1 item"},
      {Contacts("{}"), "contacts", "must be an array"},
      {Contacts("[" + Repeat(kPeople + ",", 257) + kPeople + "]"), "contacts", "at most 257 items (has 258)"},
      {Contacts("[{}]"), "contacts[0].name", "is required"},
      {Contacts(R"([{"name":{"first_name":"Ana"}}])"), "contacts[0].name.formatted_name", "is required"},
      {Contacts(R"([{"name":{"formatted_name":"Ana"}}])"), "contacts[0].name", "at least one of first_name"},
      {Contacts(R"([{"name":{"formatted_name":"Ana","first_name":"Ana"},"birthday":"1990-02-30"}])"),
       "contacts[0].birthday", "YYYY-MM-DD"},
      {Contacts(R"([{"name":{"formatted_name":"Ana","first_name":"Ana"},"phones":{"phone":"1"}}])"),
       "contacts[0].phones", "must be an array"},
      {Contacts(R"([{"name":{"formatted_name":"Ana","first_name":"Ana"},"phones":[{"phone":1}]}])"),
       "contacts[0].phones[0].phone", "must be a string"},
      {Contacts(R"([{"name":{"formatted_name":"Ana","first_name":"Ana"},"emails":[{"mail":"a@x"}]}])"),
       "contacts[0].emails[0].mail", "is not allowed"},
      {Contacts("[" + kPeople + R"(,{"name":{"first_name":"Bo"}}])"), "contacts[1].name.formatted_name", "is required"},
      // interactive
      {Inter(R"({"type":"flow","body":{"text":"b"}})"), "interactive.type", "must be one of: button, list, cta_url"},
      {Inter(R"({"type":"button","action":{"buttons":[]}})"), "interactive.body", "is required"},
      {Inter(R"({"type":"button","body":{"text":"b"}})"), "interactive.action", "is required"},
      {Inter(R"({"type":"button","body":{"text":")" + std::string(1025, 'b') + R"("},"action":{}})"),
       "interactive.body.text", "at most 1024"},
      {Inter(R"({"type":"button","header":{"type":"text","text":")" + std::string(61, 'h') +
             R"("},"body":{"text":"b"},"action":{}})"),
       "interactive.header.text", "at most 60"},
      {Inter(R"({"type":"button","body":{"text":"b"},"footer":{"text":")" + std::string(61, 'f') +
             R"("},"action":{}})"),
       "interactive.footer.text", "at most 60"},
      {Buttons("[" + Reply("a", "A") + "," + Reply("b", "B") + "," + Reply("c", "C") + "," + Reply("d", "D") + "]"),
       "interactive.action.buttons", "at most 3 items (has 4)"},
      {Buttons("[]"), "interactive.action.buttons", "at least 1 item"},
      {Buttons(R"([{"type":"url","reply":{"id":"a","title":"A"}}])"), "interactive.action.buttons[0].type",
       "must be one of: reply"},
      {Buttons("[" + Reply(" a", "A") + "]"), "interactive.action.buttons[0].reply.id", "whitespace"},
      {Buttons("[" + Reply("a", "A") + "," + Reply("a", "B") + "]"), "interactive.action.buttons[1].reply.id",
       "must be unique (same as interactive.action.buttons[0].reply.id)"},
      {Buttons("[" + Reply("a", "A") + "," + Reply("b", "B") + "," + Reply("c", "A") + "]"),
       "interactive.action.buttons[2].reply.title", "must be unique"},
      {Buttons("[" + Reply("a", std::string(21, 't')) + "]"), "interactive.action.buttons[0].reply.title",
       "at most 20"},
      {Inter(R"({"type":"list","header":{"type":"image","image":{"id":"1"}},"body":{"text":"b"},"action":{}})"),
       "interactive.header.type", "must be one of: text"},
      {List(R"({"button":")" + std::string(21, 'b') + R"(","sections":[{"rows":)" + Rows(1, "r") + "}]}"),
       "interactive.action.button", "at most 20"},
      {List(R"({"button":"b","sections":[)" + Repeat(R"({"title":"s","rows":[]},)", 10) +
            R"({"title":"s","rows":[]}]})"),
       "interactive.action.sections", "at most 10 items (has 11)"},
      {List(R"({"button":"b","sections":[{"title":"s","rows":)" + Rows(6, "a") + R"(},{"title":"u","rows":)" +
            Rows(5, "b") + "}]}"),
       "interactive.action.sections", "at most 10 rows in total"},
      {List(R"({"button":"b","sections":[{"title":"s","rows":)" + Rows(1, "a") + R"(},{"rows":)" + Rows(1, "b") +
            "}]}"),
       "interactive.action.sections[1].title", "is required"},
      {List(R"({"button":"b","sections":[{"title":"s","rows":)" + Rows(1, "a") + R"(},{"title":"u","rows":)" +
            Rows(1, "a") + "}]}"),
       "interactive.action.sections[1].rows[0].id", "must be unique"},
      {List(R"({"button":"b","sections":[{"rows":[{"id":"r","title":")" + std::string(25, 't') + R"("}]}]})"),
       "interactive.action.sections[0].rows[0].title", "at most 24"},
      {List(R"({"button":"b","sections":[{"rows":[{"id":"r","title":"t","description":")" + std::string(73, 'd') +
            R"("}]}]})"),
       "interactive.action.sections[0].rows[0].description", "at most 72"},
      {Cta(R"({"name":"url","parameters":{"display_text":"Go","url":"https://x.io"}})"), "interactive.action.name",
       "must be one of: cta_url"},
      {Cta(R"({"name":"cta_url","parameters":{"display_text":")" + std::string(21, 'd') +
           R"(","url":"https://x.io"}})"),
       "interactive.action.parameters.display_text", "at most 20"},
      {Cta(R"j({"name":"cta_url","parameters":{"display_text":"Go","url":"javascript:alert(1)"}})j"),
       "interactive.action.parameters.url", "http:// or https://"},
      // template
      {R"({"message_type":"template","template":{"language":{"code":"en"}}})", "template.name", "is required"},
      {R"({"message_type":"template","template":{"name":"Order-Update","language":{"code":"en"}}})", "template.name",
       "lowercase letters"},
      {R"({"message_type":"template","template":{"name":"t1"}})", "template.language", "is required"},
      {R"({"message_type":"template","template":{"name":"t1","language":{"code":"EN_us"}}})", "template.language.code",
       "language code"},
      {R"({"message_type":"template","template":{"name":"t1","language":{"code":"en","policy":"fallback"}}})",
       "template.language.policy", "must be one of: deterministic"},
      {R"({"message_type":"template","template":{"name":"t1","language":{"code":"en"},"namespace":"x"}})",
       "template.namespace", "is not allowed"},
      {Tmpl(R"([{"type":"footer","parameters":[]}])"), "template.components[0].type",
       "must be one of: header, body, button"},
      {Tmpl(R"([{"type":"body","parameters":[)" + Text("a") + R"(]},{"type":"BODY","parameters":[)" + Text("b") +
            "]}]"),
       "template.components[1].type", "must not repeat: template.components[0] is already the body"},
      {Tmpl(R"([{"type":"header","parameters":[)" + Text(std::string(61, 'h')) + "]}]"),
       "template.components[0].parameters[0].text", "at most 60"},
      {Tmpl(R"([{"type":"header","parameters":[)" + Text("a") + "," + Text("b") + "]}]"),
       "template.components[0].parameters", "at most 1 items"},
      {Tmpl(R"([{"type":"header","parameters":[{"type":"image","image":{"id":"1","link":"https://x.io/i.png"}}]}])"),
       "template.components[0].parameters[0].image.link", "not allowed together with 'id'"},
      {Body("[" + Text("Ana") + "," + Text(std::string(1025, 'x')) + "]"), "template.components[0].parameters[1].text",
       "at most 1024"},
      {Body("[" + Text("two\\nlines") + "]"), "template.components[0].parameters[0].text", "new lines"},
      {Body("[" + Text("a     b") + "]"), "template.components[0].parameters[0].text", "4 consecutive spaces"},
      {Body("[" + Text("") + "]"), "template.components[0].parameters[0].text", "must not be empty"},
      {Body("[]"), "template.components[0].parameters", "at least 1 item"},
      {Body(R"([{"type":"image","image":{"id":"1"}}])"), "template.components[0].parameters[0].type",
       "must be one of: text, currency, date_time"},
      {Body(R"([{"type":"currency","currency":{"fallback_value":"$1","code":"usd","amount_1000":1000}}])"),
       "template.components[0].parameters[0].currency.code", "ISO 4217"},
      {Body(R"([{"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1.5}}])"),
       "template.components[0].parameters[0].currency.amount_1000", "must be an integer"},
      {Body(R"([{"type":"date_time","date_time":{"fallback_value":"Feb 25","year":2026}}])"),
       "template.components[0].parameters[0].date_time.year", "is not allowed"},
      {Body("[" + Named("first_name", "Ana") + "," + Text("Mon") + "]"),
       "template.components[0].parameters[1].parameter_name", "is required"},
      {Body("[" + Text("Ana") + "," + Named("day", "Mon") + "]"), "template.components[0].parameters[1].parameter_name",
       "is not allowed"},
      {Body("[" + Named("day", "Ana") + "," + Named("day", "Mon") + "]"),
       "template.components[0].parameters[1].parameter_name", "must be unique"},
      {Body("[" + Named("First", "Ana") + "]"), "template.components[0].parameters[0].parameter_name", "lowercase"},
      {Tmpl(R"([{"type":"button","index":0,"parameters":[{"type":"payload","payload":"p"}]}])"),
       "template.components[0].sub_type", "is required"},
      {Tmpl("[" + Button("quick_reply", "10", R"([{"type":"payload","payload":"p"}])") + "]"),
       "template.components[0].index", "from 0 to 9"},
      {Tmpl("[" + Button("quick_reply", R"("01")", R"([{"type":"payload","payload":"p"}])") + "]"),
       "template.components[0].index", "from 0 to 9"},
      {Tmpl("[" + Button("quick_reply", R"("1")", R"([{"type":"payload","payload":"p"}])") + "," +
            Button("url", "1", "[" + Text("x") + "]") + "]"),
       "template.components[1].index", "must be unique (same as template.components[0].index)"},
      {Tmpl("[" + Button("quick_reply", "0", "[" + Text("p") + "]") + "]"), "template.components[0].parameters[0].type",
       "must be one of: payload"},
      {Tmpl("[" +
            Button("copy_code", "0", R"([{"type":"coupon_code","coupon_code":")" + std::string(21, 'C') + R"("}])") +
            "]"),
       "template.components[0].parameters[0].coupon_code", "at most 20"},
      {Tmpl("[" + Button("url", "0", "[" + Named("suffix", "x") + "]") + "]"),
       "template.components[0].parameters[0].parameter_name", "is not allowed"},
      {Tmpl("[" + Button("voice_call", "0", "[]") + "]"), "template.components[0].sub_type", "must be one of"},
      // reaction, mark_read
      {React(R"({"emoji":"👍"})"), "reaction.message_id", "is required"},
      {React(R"({"message_id":"wamid.1"})"), "reaction.emoji", "is required"},
      {React(R"({"message_id":"wamid.1","emoji":"ok"})"), "reaction.emoji", "single emoji"},
      {React(R"({"message_id":"wamid.1","emoji":"😀😀"})"), "reaction.emoji", "single emoji"},
      {React(R"({"message_id":"","emoji":"😀"})"), "reaction.message_id", "must not be empty"},
      {R"({"message_type":"reaction","reaction":{"message_id":"wamid.1","emoji":"😀"},"context":{"message_id":"w"}})",
       "context", "is not allowed with message_type reaction"},
      {Read("{}"), "mark_read.message_id", "is required"},
      {Read(R"({"message_id":"wamid.1","typing_indicator":{"type":"audio"}})"), "mark_read.typing_indicator.type",
       "must be one of: text"},
      {R"({"message_type":"mark_read","mark_read":{"message_id":"wamid.1"},"context":{"message_id":"w"}})", "context",
       "is not allowed with message_type mark_read"},
  };
}

TEST(MessageContent, InvalidRequestsNameTheField) {
  auto cases = InvalidCases();
  EXPECT_GE(cases.size(), 50u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.substr(0, 300));
    json request = json::parse(c.request, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(request.is_discarded()) << "bad test JSON";
    auto r = ParseMessageContent(request);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_field");
    EXPECT_EQ(r.error().kind, core::ErrorKind::kInvalidInput);
    EXPECT_EQ(r.error().field, c.field);
    EXPECT_NE(r.error().message.find("field '" + c.field + "' "), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(c.rule), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace wagate::content
