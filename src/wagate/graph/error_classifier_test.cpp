#include "wagate/graph/error_classifier.hpp"

#include <gtest/gtest.h>

namespace wagate::graph {

TEST(ErrorClassifier, ClassifiesByCodeNotHttpStatus) {
  EXPECT_EQ(Classify(400, 130429), Verdict::kThrottled);
  EXPECT_EQ(Classify(429, 131056), Verdict::kThrottled);
  EXPECT_EQ(Classify(500, 131000), Verdict::kRetry);
  EXPECT_EQ(Classify(400, 1), Verdict::kRetry);
  EXPECT_EQ(Classify(503, 2), Verdict::kRetry);
  EXPECT_EQ(Classify(400, 4), Verdict::kRetry);
  EXPECT_EQ(Classify(400, 80007), Verdict::kRetry);
  EXPECT_EQ(Classify(500, 100), Verdict::kFail);
}

TEST(ErrorClassifier, PermanentCodesFail) {
  for (int64_t code : {0, 3, 10, 100, 190, 131008, 131009, 131026, 131047, 132000, 132001}) {
    EXPECT_EQ(Classify(400, code), Verdict::kFail) << code;
  }
}

TEST(ErrorClassifier, HoursLongProblemsAreRetryLater) {
  for (int64_t code : {368, 131042, 131048, 131049, 132015, 133016}) {
    EXPECT_EQ(Classify(400, code), Verdict::kRetryLater) << code;
  }
}

TEST(ErrorClassifier, TransportFailuresAndServerErrorsRetry) {
  EXPECT_EQ(Classify(0, std::nullopt), Verdict::kRetry);
  EXPECT_EQ(Classify(502, std::nullopt), Verdict::kRetry);
  EXPECT_EQ(Classify(429, std::nullopt), Verdict::kThrottled);
  EXPECT_EQ(Classify(404, std::nullopt), Verdict::kFail);
  EXPECT_EQ(Classify(200, std::nullopt), Verdict::kAccepted);
}

}  // namespace wagate::graph

namespace wagate::graph {

TEST(ErrorClassifier, ThrottlingNamesWhomItSlows) {
  EXPECT_EQ(ClassifyThrottle(400, 131056), ThrottleScope::kPair);
  EXPECT_EQ(ClassifyThrottle(400, 130429), ThrottleScope::kNumber);
  EXPECT_EQ(ClassifyThrottle(429, std::nullopt), ThrottleScope::kNumber);
  EXPECT_EQ(ClassifyThrottle(500, 131000), ThrottleScope::kNone);
  EXPECT_EQ(ClassifyThrottle(200, std::nullopt), ThrottleScope::kNone);
}

}  // namespace wagate::graph
