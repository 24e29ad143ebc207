#include "wagate/sandbox/message_validator.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

int CodeOf(const ValidationResult& r) {
  const GraphError* e = std::get_if<GraphError>(&r);
  return e ? e->code : -1;  // -1: accepted
}

TEST(MessageValidatorTest, BadBodiesGetMetasCodes) {
  const std::string long_text(4097, 'a');
  const std::string long_data(513, 'x');
  struct Case {
    const char* why;
    std::string body;
    int code;
  };
  std::vector<Case> cases = {
      {"not JSON", "{", 100},
      {"not an object", "[1]", 100},
      {"no messaging_product", R"({"to":"1","type":"text","text":{"body":"hi"}})", 100},
      {"wrong messaging_product", R"({"messaging_product":"sms","to":"1","text":{"body":"hi"}})", 100},
      {"no to", R"({"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}})", 131008},
      {"empty to", R"({"messaging_product":"whatsapp","to":"","text":{"body":"hi"}})", 131008},
      {"to not a string", R"({"messaging_product":"whatsapp","to":123,"text":{"body":"hi"}})", 100},
      {"unknown type", R"({"messaging_product":"whatsapp","to":"1","type":"fax","fax":{}})", 100},
      {"type object missing", R"({"messaging_product":"whatsapp","to":"1","type":"image"})", 131008},
      {"text object missing (default type)", R"({"messaging_product":"whatsapp","to":"1"})", 131008},
      {"text.body missing", R"({"messaging_product":"whatsapp","to":"1","text":{}})", 131008},
      {"text.body empty", R"({"messaging_product":"whatsapp","to":"1","text":{"body":""}})", 100},
      {"text.body not a string", R"({"messaging_product":"whatsapp","to":"1","text":{"body":5}})", 100},
      {"text.body too long", R"({"messaging_product":"whatsapp","to":"1","text":{"body":")" + long_text + "\"}}", 100},
      {"callback data too long",
       R"({"messaging_product":"whatsapp","to":"1","text":{"body":"hi"},"biz_opaque_callback_data":")" + long_data +
           "\"}",
       100},
      {"media without id or link", R"({"messaging_product":"whatsapp","to":"1","type":"image","image":{}})", 131008},
      {"media with id and link",
       R"({"messaging_product":"whatsapp","to":"1","type":"image","image":{"id":"1","link":"https://x"}})", 100},
      {"template without language",
       R"({"messaging_product":"whatsapp","to":"1","type":"template","template":{"name":"t"}})", 131008},
      {"reaction without message_id",
       R"({"messaging_product":"whatsapp","to":"1","type":"reaction","reaction":{"emoji":"x"}})", 131008},
      {"location without longitude",
       R"({"messaging_product":"whatsapp","to":"1","type":"location","location":{"latitude":1}})", 131008},
      {"contacts empty", R"({"messaging_product":"whatsapp","to":"1","type":"contacts","contacts":[]})", 100},
      {"mark read without message_id", R"({"messaging_product":"whatsapp","status":"read"})", 131008},
  };
  for (const Case& c : cases) EXPECT_EQ(CodeOf(ValidateSendBody(c.body)), c.code) << c.why;
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
  auto r = ValidateSendBody(R"({"messaging_product":"whatsapp","to":"+15550001111","text":{"body":"hi"}})",
                            "15550001111");
  EXPECT_EQ(CodeOf(r), 131021);
}

TEST(MessageValidatorTest, AcceptsOtherTypesAndMarkAsRead) {
  for (const char* body : {
           R"({"messaging_product":"whatsapp","to":"1","type":"image","image":{"link":"https://x/y.jpg"}})",
           R"({"messaging_product":"whatsapp","to":"1","type":"template","template":{"name":"t","language":{"code":"en"}}})",
           R"({"messaging_product":"whatsapp","to":"1","type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}})",
           R"({"messaging_product":"whatsapp","to":"1","type":"location","location":{"latitude":"1","longitude":2}})",
           R"({"messaging_product":"whatsapp","to":"1","type":"contacts","contacts":[{"name":{"formatted_name":"A"}}]})",
           R"({"messaging_product":"whatsapp","to":"1","type":"interactive","interactive":{"type":"button","action":{}}})",
       }) {
    EXPECT_EQ(CodeOf(ValidateSendBody(body)), -1) << body;
  }
  auto read = ValidateSendBody(R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"})");
  ASSERT_EQ(CodeOf(read), -1);
  EXPECT_EQ(std::get<ValidSend>(read).kind, ValidSend::Kind::kMarkRead);
}

}  // namespace
}  // namespace wagate::sandbox
