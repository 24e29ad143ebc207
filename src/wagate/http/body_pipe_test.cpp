#include "wagate/http/body_pipe.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "wagate/core/test_wait.hpp"

namespace wagate::http {
namespace {

TEST(BodyPipeTest, OnePieceWaitsAtATime) {
  int wakes = 0;
  BodyPipe pipe([&] { ++wakes; });
  std::string piece = "one";
  EXPECT_TRUE(pipe.Offer(&piece));
  EXPECT_TRUE(piece.empty());
  EXPECT_EQ(pipe.WaitingBytes(), 3u);
  piece = "two";
  EXPECT_FALSE(pipe.Offer(&piece));  // refused, and kept
  EXPECT_EQ(piece, "two");
  EXPECT_EQ(wakes, 0);

  std::string got;
  auto read = pipe.Read(&got);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(*read);
  EXPECT_EQ(got, "one");
  EXPECT_EQ(wakes, 1);  // the refused producer may go on
  EXPECT_TRUE(pipe.Offer(&piece));
  read = pipe.Read(&got);
  EXPECT_EQ(got, "two");
  EXPECT_EQ(wakes, 1);  // no Offer was refused since the last wake
}

TEST(BodyPipeTest, TheEndComesAfterTheLastPiece) {
  BodyPipe pipe(nullptr);
  std::string piece = "last";
  ASSERT_TRUE(pipe.Offer(&piece));
  pipe.Finish();
  std::string got;
  auto read = pipe.Read(&got);
  ASSERT_TRUE(read.ok() && *read);
  EXPECT_EQ(got, "last");
  for (int i = 0; i < 2; ++i) {
    read = pipe.Read(&got);
    ASSERT_TRUE(read.ok());
    EXPECT_FALSE(*read);
  }
  pipe.Fail(core::Error::Invalid("late", "ignored after the end"));
  read = pipe.Read(&got);
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(*read);
}

TEST(BodyPipeTest, AFailureDropsTheWaitingPieceAndSticks) {
  BodyPipe pipe(nullptr);
  std::string piece = "dropped";
  ASSERT_TRUE(pipe.Offer(&piece));
  pipe.Fail(core::Error::Invalid("body_incomplete", "gone"));
  pipe.Finish();  // ignored after a failure
  std::string got;
  for (int i = 0; i < 2; ++i) {
    auto read = pipe.Read(&got);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, "body_incomplete");
  }
  piece = "after";
  EXPECT_TRUE(pipe.Offer(&piece));  // dropped: nobody reads a failed body
  EXPECT_EQ(pipe.WaitingBytes(), 0u);
}

TEST(BodyPipeTest, ReadWaitsForTheProducerOnAnotherThread) {
  BodyPipe pipe(nullptr);
  std::string all;
  std::thread consumer([&] {
    std::string got;
    for (;;) {
      auto read = pipe.Read(&got);
      if (!read.ok() || !*read) break;
      all += got;
    }
  });
  // The producer offers each piece until it is taken, as the socket does after a wake.
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    ASSERT_TRUE(core::Eventually([&] { return pipe.Offer(&piece); }));
  }
  pipe.Finish();
  consumer.join();
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += std::to_string(i) + ",";
  EXPECT_EQ(all, expected);
}

}  // namespace
}  // namespace wagate::http
