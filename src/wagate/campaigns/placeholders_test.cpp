#include "wagate/campaigns/placeholders.hpp"

#include <gtest/gtest.h>

namespace wagate::campaigns {
namespace {

using nlohmann::json;

TEST(Placeholders, FoundInStringValuesOnly) {
  json m = {
      {"message_type", "template"},
      {"template",
       {{"name", "order_{status}"},
        {"components", json::array({{{"type", "body"},
                                     {"parameters", json::array({{{"type", "text"}, {"text", "{first_name}"}},
                                                                 {{"type", "text"}, {"text", "#{order.id}"}}})}}})}}},
      {"{not_a_key}", 1}};
  EXPECT_EQ(Placeholders(m), (std::set<std::string>{"first_name", "order.id", "status"}));
}

TEST(Placeholders, OtherBracesAreText) {
  json m = {{"message", "{} {a b} {{x}} {ok} {"}};
  EXPECT_EQ(Placeholders(m), (std::set<std::string>{"ok", "x"}));
  auto filled = Fill(m, {{"ok", "yes"}, {"x", "X"}});
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ((*filled)["message"], "{} {a b} {X} yes {");
}

TEST(Placeholders, FillReplacesEveryOccurrence) {
  json m = {{"message", "Hi {name}, {name}! Your code is {code}."}};
  auto filled = Fill(m, {{"name", "Ana"}, {"code", "{name}"}});
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ((*filled)["message"], "Hi Ana, Ana! Your code is {name}.");  // values are not filled again
}

TEST(Placeholders, AMissingOrEmptyValueIsRefusedNamingIt) {
  json m = {{"message", "Hi {name}, {city}"}};
  auto missing = Fill(m, {{"name", "Ana"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "city");
  auto empty = Fill(m, {{"name", ""}, {"city", "Jakarta"}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().field, "name");
}

TEST(Placeholders, VariableNames) {
  EXPECT_TRUE(IsVariableName("first_name"));
  EXPECT_TRUE(IsVariableName("order.id"));
  EXPECT_TRUE(IsVariableName("ship-date"));
  EXPECT_FALSE(IsVariableName(""));
  EXPECT_FALSE(IsVariableName("first name"));
  EXPECT_FALSE(IsVariableName(std::string(65, 'a')));
}

}  // namespace
}  // namespace wagate::campaigns
