#include "wagate/http/json_fields.hpp"

#include <gtest/gtest.h>

namespace wagate::http {

TEST(JsonFields, ParseRequiresAnObject) {
  EXPECT_FALSE(ParseJsonObject("{").ok());
  EXPECT_FALSE(ParseJsonObject("[1]").ok());
  EXPECT_FALSE(ParseJsonObject("\"x\"").ok());
  EXPECT_TRUE(ParseJsonObject("{}").ok());
}

TEST(JsonFields, ErrorsNameTheFieldAndTheRule) {
  auto obj = *ParseJsonObject(R"({"to": 5, "message": "", "n": 1.5})");
  FieldReader f(obj);
  f.String("to", true);
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, "field 'to' must be a string");
  FieldReader g(obj);
  g.String("message", true, 4096, 1);
  EXPECT_EQ(g.error().message, "field 'message' must not be empty");
  FieldReader h(obj);
  h.Int("n", true, 0, 10);
  EXPECT_EQ(h.error().message, "field 'n' must be an integer");
  FieldReader k(obj);
  k.String("missing", true);
  EXPECT_EQ(k.error().message, "field 'missing' is required");
}

TEST(JsonFields, CountsCharactersNotBytes) {
  auto obj = *ParseJsonObject(R"({"m": "héllo wörld 😀"})");
  FieldReader f(obj);
  EXPECT_TRUE(f.String("m", true, 13).has_value());
  FieldReader g(obj);
  EXPECT_FALSE(g.String("m", true, 12).has_value());
}

}  // namespace wagate::http
