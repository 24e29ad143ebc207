#include "wagate/campaigns/csv_header.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace wagate::campaigns {
namespace {

core::Result<CsvHeader> Parse(std::vector<std::string_view> names, std::string_view phone_column = "phone") {
  return CsvHeader::Parse(names, phone_column);
}

TEST(CsvHeader, TrimsNamesAndSplitsThePhoneColumnFromTheVariables) {
  auto header = Parse({" first_name", "Phone\t", " order.id ", "ship-date"});
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->columns, (std::vector<std::string>{"first_name", "Phone", "order.id", "ship-date"}));
  EXPECT_EQ(header->phone_index, 1U);
  EXPECT_EQ(header->variables, (std::vector<std::string>{"first_name", "order.id", "ship-date"}));
}

TEST(CsvHeader, FindsAConfiguredPhoneColumnCaseInsensitively) {
  auto header = Parse({"name", "MSISDN"}, "msisdn");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->phone_index, 1U);
  // The phone column never becomes a placeholder, so its name may hold any characters.
  header = Parse({"Mobile Number", "name"}, "mobile number");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->phone_index, 0U);
  EXPECT_EQ(header->variables, (std::vector<std::string>{"name"}));
}

TEST(CsvHeader, APhoneColumnAloneHasNoVariables) {
  auto header = Parse({"phone"});
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(header->variables.empty());
}

TEST(CsvHeader, RejectsAnEmptyHeader) {
  const std::vector<std::vector<std::string_view>> cases = {{}, {""}, {" ", "\t", ""}};
  for (const auto& names : cases) {
    auto header = Parse(names);
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.error().code, "empty_header");
    EXPECT_EQ(header.error().kind, core::ErrorKind::kInvalidInput);
  }
}

TEST(CsvHeader, RejectsDuplicateColumnsIgnoringCaseAndSpaces) {
  auto header = Parse({"phone", "name", " NAME"});
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code, "duplicate_column");
  EXPECT_NE(header.error().message.find("columns 2 and 3"), std::string::npos) << header.error().message;
  EXPECT_EQ(Parse({"phone", "Phone"}).error().code, "duplicate_column");
}

TEST(CsvHeader, NamesTheMissingPhoneColumn) {
  auto header = Parse({"name", "mobile"}, "msisdn");
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code, "phone_column_missing");
  EXPECT_NE(header.error().message.find("'msisdn'"), std::string::npos) << header.error().message;
}

TEST(CsvHeader, RejectsVariableNamesThatCannotBePlaceholders) {
  for (std::string_view bad : {"first name", "", "{name}", "na,me", "caf\xC3\xA9", "a/b", "x\"y"}) {
    auto header = Parse({"phone", bad});
    ASSERT_FALSE(header.ok()) << bad;
    EXPECT_EQ(header.error().code, "invalid_column_name") << bad;
    EXPECT_NE(header.error().message.find("column 2"), std::string::npos) << header.error().message;
  }
}

TEST(CsvHeader, VariableNames) {
  for (std::string_view good : {"a", "Z", "first_name", "order.id", "ship-date", "v2", "_", "1"}) {
    EXPECT_TRUE(IsVariableName(good)) << good;
  }
  for (std::string_view bad : {"", " a", "a b", "a{", "a}", "\xC3\xA9", "a:b", "a\tb"}) {
    EXPECT_FALSE(IsVariableName(bad)) << bad;
  }
}

TEST(CsvHeader, QuotesLongNamesInMessagesWithoutSplittingACharacter) {
  std::string name(63, 'x');
  name += "\xC3\xA9 and more";  // the cut at 64 bytes would fall inside the two-byte character
  auto header = Parse({"phone", name});
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.error().message.find("'" + std::string(63, 'x') + "...'"), std::string::npos)
      << header.error().message;
}

}  // namespace
}  // namespace wagate::campaigns
