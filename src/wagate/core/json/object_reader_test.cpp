#include "wagate/core/json/object_reader.hpp"

#include <gtest/gtest.h>

#include "wagate/core/json/text_length.hpp"

namespace wagate::core {

TEST(ObjectReader, ParseRequiresAnObject) {
  EXPECT_FALSE(ParseJsonObject("{").ok());
  EXPECT_FALSE(ParseJsonObject("[1]").ok());
  EXPECT_FALSE(ParseJsonObject("\"x\"").ok());
  EXPECT_TRUE(ParseJsonObject("{}").ok());
}

TEST(ObjectReader, ErrorsNameTheFieldAndTheRule) {
  auto obj = *ParseJsonObject(R"({"to": 5, "message": "", "n": 1.5})");
  FieldErrors e1;
  ObjectReader f(obj, "", e1);
  f.String("to", true, 1024);
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, "field 'to' must be a string");
  FieldErrors e2;
  ObjectReader g(obj, "", e2);
  g.String("message", true, 4096, 1);
  EXPECT_EQ(g.error().message, "field 'message' must not be empty");
  FieldErrors e3;
  ObjectReader h(obj, "", e3);
  h.Int("n", true, 0, 10);
  EXPECT_EQ(h.error().message, "field 'n' must be an integer");
  FieldErrors e4;
  ObjectReader k(obj, "", e4);
  k.String("missing", true, 1024);
  EXPECT_EQ(k.error().message, "field 'missing' is required");
}

TEST(ObjectReader, KeepsTheFirstFailureAndNamesTheFullPath) {
  auto obj = *ParseJsonObject(R"({"template": {"components": [{"type": 7}]}, "to": 5})");
  FieldErrors errors;
  ObjectReader root(obj, "", errors);
  ObjectReader component(root.Child("template", true).Array("components", true, 1, 10)->at(0),
                         ElementPath("template.components", 0), errors);
  component.String("type", true, 16);
  root.String("to", true, 64);  // a later failure is ignored
  ASSERT_FALSE(errors.ok());
  EXPECT_EQ(errors.error().message, "field 'template.components[0].type' must be a string");
}

TEST(ObjectReader, AnEmptyStringPassesWhenMinCharsIsZero) {
  auto obj = *ParseJsonObject(R"({"waba_id": ""})");
  FieldErrors errors;
  ObjectReader r(obj, "", errors);
  EXPECT_EQ(r.String("waba_id", false, 20, 0), "");
  EXPECT_TRUE(r.ok());
}

TEST(ObjectReader, CountsCharactersNotBytes) {
  auto obj = *ParseJsonObject(R"({"m": "héllo wörld 😀"})");
  FieldErrors e1;
  ObjectReader f(obj, "", e1);
  EXPECT_TRUE(f.String("m", true, 13).has_value());
  FieldErrors e2;
  ObjectReader g(obj, "", e2);
  EXPECT_FALSE(g.String("m", true, 12).has_value());
  EXPECT_EQ(Utf8Length("héllo wörld 😀"), 13u);
}

}  // namespace wagate::core
