#include "wagate/sandbox/media/media_limits.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TEST(SandboxMediaLimitsTest, InboundMediaAreDownloadedUpTo100MBOfAnyKind) {
  for (const char* kind : {"image", "video", "audio", "document", "sticker"}) {
    EXPECT_EQ(CheckInboundMediaLimit(kind, 100 * kMiB), std::nullopt) << kind;
    auto over = CheckInboundMediaLimit(kind, 100 * kMiB + 1);
    ASSERT_TRUE(over.has_value()) << kind;
    EXPECT_NE(over->find(std::string("the ") + kind + " is 104857601 bytes"), std::string::npos) << *over;
    EXPECT_NE(over->find("100 MB"), std::string::npos) << *over;
  }
  // An image over the 5 MB upload limit still reaches the business (§3.8 limits uploads only).
  EXPECT_EQ(CheckInboundMediaLimit("image", 6 * kMiB), std::nullopt);
}

}  // namespace
}  // namespace wagate::sandbox
