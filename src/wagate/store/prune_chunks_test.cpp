#include "wagate/store/prune_chunks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace wagate::store {
namespace {

TEST(PruneInChunks, StopsAtTheFirstChunkThatForgetsNothing) {
  std::vector<int64_t> asked;
  int64_t due = 2 * kPruneChunkRows + 7;
  bool finished = PruneInChunks([&](int64_t max_rows) {
    asked.push_back(max_rows);
    int64_t forgot = std::min(due, max_rows);
    due -= forgot;
    return forgot;
  });
  EXPECT_TRUE(finished);
  EXPECT_EQ(due, 0);
  // Three chunks forgot rows (2000, 2000, 7); the fourth found none and ended the step.
  EXPECT_EQ(asked, std::vector<int64_t>(4, kPruneChunkRows));
}

TEST(PruneInChunks, ABacklogLongerThanAStepIsLeftForTheNextStep) {
  int64_t due = 100 * kPruneChunkRows;
  int calls = 0;
  auto chunk = [&](int64_t max_rows) {
    ++calls;
    int64_t forgot = std::min(due, max_rows);
    due -= forgot;
    return forgot;
  };
  EXPECT_FALSE(PruneInChunks(chunk));
  EXPECT_EQ(calls, kPruneChunksPerStep);
  EXPECT_EQ(due, (100 - kPruneChunksPerStep) * kPruneChunkRows);
}

}  // namespace
}  // namespace wagate::store
