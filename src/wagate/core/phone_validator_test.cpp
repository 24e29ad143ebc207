#include "wagate/core/phone_validator.hpp"

#include <gtest/gtest.h>

#include <set>

#include "wagate/core/phone_metadata.hpp"
#include "wagate/core/phone_test_corpus.hpp"

namespace wagate::core {
namespace {

// ~60,000 numbers: every calling code, every NSN length 1..17, every example number of the metadata
// (as is, mutated, after national prefixes). A few seconds under AddressSanitizer; tools/phone_equivalence.cpp
// runs the same corpus a hundred times larger.
TEST(PhoneValidator, AgreesWithLibphonenumberOnACorpusFromItsMetadata) {
  const std::vector<std::string> corpus = PhoneCorpusBuilder(20261204).Build(PhoneCorpusSize{});
  ASSERT_GT(corpus.size(), 50000U);
  std::set<std::string> all_codes;
  for (size_t i = 0; i < PhoneMetadata::Instance().plan_count(); ++i) {
    all_codes.insert(std::to_string(PhoneMetadata::Instance().source(i).country_code));
  }
  size_t valid = 0;
  size_t mismatches = 0;
  std::set<std::string> codes_with_a_valid_number;
  for (const std::string& digits : corpus) {
    const std::optional<std::string> expected = LibphonenumberE164("+" + digits);
    const std::optional<std::string> actual = ValidateInternationalNumber(digits);
    if (expected != actual && ++mismatches <= 20) {
      ADD_FAILURE() << "+" << digits << ": libphonenumber " << expected.value_or("invalid") << ", validator "
                    << actual.value_or("invalid");
    }
    if (expected) {
      ++valid;
      for (size_t length = 1; length <= 3; ++length) {  // calling codes are prefix-free
        if (all_codes.count(expected->substr(1, length)) != 0)
          codes_with_a_valid_number.insert(expected->substr(1, length));
      }
    }
  }
  EXPECT_EQ(mismatches, 0U) << "of " << corpus.size();
  EXPECT_GT(valid, corpus.size() / 20) << "the corpus should hold valid numbers too";
  EXPECT_EQ(codes_with_a_valid_number, all_codes) << "every calling code should be exercised with valid numbers";
  RecordProperty("numbers", static_cast<int>(corpus.size()));
  RecordProperty("valid", static_cast<int>(valid));
}

TEST(PhoneValidator, DropsANationalPrefixWrittenAfterTheCountryCode) {
  EXPECT_EQ(ValidateInternationalNumber("4402079460958"), "+442079460958");  // +44 (0)20…
  EXPECT_EQ(ValidateInternationalNumber("789161234567"), "+79161234567");    // +7 8 916…
  EXPECT_EQ(ValidateInternationalNumber("5215512345678"), "+525512345678");  // +52 1 55…
  // Where the leading 0 belongs to the number, it stays.
  EXPECT_EQ(ValidateInternationalNumber("390212345678"), "+390212345678");
  // Argentina's mobile 9 is part of the national number; its national form "0 11 15 …" is rewritten to it.
  EXPECT_EQ(ValidateInternationalNumber("5491123456789"), "+5491123456789");
  EXPECT_EQ(ValidateInternationalNumber("540111523456789"), "+5491123456789");
  // Brazil: national prefix 0 and a carrier code (15) before the number.
  EXPECT_EQ(ValidateInternationalNumber("5501511961234567"), "+5511961234567");
}

TEST(PhoneValidator, TellsApartRegionsSharingACallingCode) {
  EXPECT_EQ(ValidateInternationalNumber("16502530000"), "+16502530000");    // US
  EXPECT_EQ(ValidateInternationalNumber("12684601234"), "+12684601234");    // Antigua, by leading digits
  EXPECT_EQ(ValidateInternationalNumber("262269012345"), "+262269012345");  // Mayotte within +262
  EXPECT_EQ(ValidateInternationalNumber("590690001234"), "+590690001234");
  EXPECT_EQ(ValidateInternationalNumber("59069012345"), std::nullopt);
  EXPECT_EQ(ValidateInternationalNumber("80012345678"), "+80012345678");  // a non-geographical code
}

TEST(PhoneValidator, RefusesWhatLibphonenumberCannotParse) {
  for (const char* bad :
       {"", "4", "49", "0491512345678", "9991234567", "49151-234567", "+4915123456789", "4915123456789012345"}) {
    EXPECT_EQ(ValidateInternationalNumber(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace wagate::core
