#include "wagate/core/phone_metadata.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "wagate/core/phone_validator.hpp"

namespace wagate::core {
namespace {

TEST(PhoneMetadata, EveryPlanOfLibphonenumbersMetadataCompilesWithRe2) {
  const PhoneMetadata metadata(LoadLibphonenumberMetadata());
  ASSERT_GT(metadata.plan_count(), 240U);
  for (size_t i = 0; i < metadata.plan_count(); ++i) {
    EXPECT_TRUE(metadata.Plan(i).ok()) << metadata.source(i).id;
  }
  EXPECT_EQ(metadata.compiled_count(), metadata.plan_count());
}

TEST(PhoneMetadata, OrdersPlansSharingACodeMainCountryFirst) {
  const PhoneMetadata metadata(LoadLibphonenumberMetadata());
  ASSERT_GT(metadata.PlansFor(1).size(), 20U);
  EXPECT_EQ(metadata.source(metadata.PlansFor(1)[0]).id, "US");
  EXPECT_EQ(metadata.source(metadata.PlansFor(44)[0]).id, "GB");
  EXPECT_EQ(metadata.source(metadata.PlansFor(7)[0]).id, "RU");
  ASSERT_EQ(metadata.PlansFor(800).size(), 1U);
  EXPECT_EQ(metadata.source(metadata.PlansFor(800)[0]).id, "001");
  EXPECT_TRUE(metadata.PlansFor(999).empty());
  EXPECT_TRUE(metadata.PlansFor(0).empty());
}

TEST(PhoneMetadata, CompilesOnlyThePlansNumbersNeed) {
  const PhoneMetadata metadata(LoadLibphonenumberMetadata());
  EXPECT_EQ(metadata.compiled_count(), 0U);
  EXPECT_TRUE(ValidateInternationalNumber("4915123456789", metadata));
  EXPECT_TRUE(ValidateInternationalNumber("4930123456", metadata));
  EXPECT_EQ(metadata.compiled_count(), 1U);
  EXPECT_TRUE(ValidateInternationalNumber("628123456789", metadata));
  EXPECT_EQ(metadata.compiled_count(), 2U);
}

// Several threads meet the same uncompiled plans at once: each is compiled once, and every answer is
// the one a single thread gets.
TEST(PhoneMetadata, ValidatesFromManyThreadsAtOnce) {
  std::vector<std::string> numbers;
  for (const char* code :
       {"1",  "7",  "20", "27", "33", "34", "39", "44", "49",  "52",  "54",  "55",  "61",  "62",  "63",
        "66", "81", "82", "84", "86", "90", "91", "92", "234", "254", "262", "590", "880", "966", "971"}) {
    for (const char* rest : {"9123456789", "812345678", "2012345678", "51234567", "7911123456"}) {
      numbers.push_back(std::string(code) + rest);
    }
  }
  const PhoneMetadata reference(LoadLibphonenumberMetadata());
  std::vector<std::optional<std::string>> expected;
  for (const std::string& number : numbers) expected.push_back(ValidateInternationalNumber(number, reference));

  const PhoneMetadata shared(LoadLibphonenumberMetadata());
  constexpr int kThreads = 4;
  std::vector<std::vector<std::optional<std::string>>> answers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const std::string& number : numbers) answers[t].push_back(ValidateInternationalNumber(number, shared));
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(answers[t], expected) << "thread " << t;
  EXPECT_EQ(shared.compiled_count(), reference.compiled_count());
}

}  // namespace
}  // namespace wagate::core
