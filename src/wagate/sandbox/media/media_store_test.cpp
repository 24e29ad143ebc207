#include "wagate/sandbox/media/media_store.hpp"

#include <gtest/gtest.h>

#include "wagate/sandbox/media/media_limits.hpp"

namespace wagate::sandbox {
namespace {

TEST(MediaStoreTest, KeepsBytesSharedWithTheirChecksum) {
  MediaStore store;
  auto body = std::make_shared<const std::string>("--b\r\n...abc\r\n--b--");
  MediaRecord put = store.Put("1", "image/png", body, std::string_view(*body).substr(8, 3), 1000, 5000);
  EXPECT_EQ(put.id.size(), 16u);
  EXPECT_EQ(put.id[0], '2');
  EXPECT_EQ(put.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // sha256("abc")
  auto got = store.Get(put.id, 2000);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->data, "abc");
  EXPECT_EQ(got->data.data(), body->data() + 8);  // not copied
  EXPECT_EQ(got->size, 3u);
  EXPECT_EQ(store.count(), 1u);
  EXPECT_EQ(store.bytes(), 3u);
}

TEST(MediaStoreTest, ExpiresAndDeletes) {
  MediaStore store;
  auto bytes = std::make_shared<const std::string>("x");
  MediaRecord a = store.Put("1", "text/plain", bytes, *bytes, 0, 100);
  MediaRecord b = store.Put("1", "text/plain", bytes, *bytes, 0, 1000);
  EXPECT_TRUE(store.Get(a.id, 99).has_value());
  EXPECT_FALSE(store.Get(a.id, 100).has_value());
  EXPECT_TRUE(store.Delete(b.id));
  EXPECT_FALSE(store.Delete(b.id));
  EXPECT_FALSE(store.Get(b.id, 0).has_value());
  store.Put("1", "text/plain", bytes, *bytes, 200, 1000);  // sweeps the expired one
  EXPECT_EQ(store.count(), 1u);
}

TEST(MediaStoreTest, UrlSignaturesBindIdAndExpiry) {
  MediaStore store;
  std::string sig = store.Signature("2000000000000001", 5000);
  EXPECT_TRUE(store.SignatureValid("2000000000000001", 5000, sig));
  EXPECT_FALSE(store.SignatureValid("2000000000000001", 5001, sig));
  EXPECT_FALSE(store.SignatureValid("2000000000000002", 5000, sig));
  EXPECT_FALSE(store.SignatureValid("2000000000000001", 5000, ""));
  MediaStore other;  // another run, another key
  EXPECT_FALSE(other.SignatureValid("2000000000000001", 5000, sig));
}

TEST(MediaLimitsTest, TypesAndSizesOfMeta) {
  EXPECT_FALSE(CheckUploadLimits("image/jpeg", 5 * kMiB).has_value());
  auto too_big = CheckUploadLimits("image/jpeg", 5 * kMiB + 1);
  ASSERT_TRUE(too_big.has_value());
  EXPECT_NE(too_big->find("5 MB"), std::string::npos) << *too_big;
  EXPECT_FALSE(CheckUploadLimits("Audio/OGG; codecs=opus", 16 * kMiB).has_value());
  EXPECT_TRUE(CheckUploadLimits("video/mp4", 16 * kMiB + 1).has_value());
  EXPECT_FALSE(CheckUploadLimits("application/pdf", 100 * kMiB).has_value());
  EXPECT_TRUE(CheckUploadLimits("application/pdf", 100 * kMiB + 1).has_value());
  auto sticker = CheckUploadLimits("image/webp", 500 * 1024 + 1);
  ASSERT_TRUE(sticker.has_value());
  EXPECT_NE(sticker->find("500 KB"), std::string::npos) << *sticker;
  EXPECT_TRUE(CheckUploadLimits("image/gif", 10).has_value());
  EXPECT_TRUE(CheckUploadLimits("application/octet-stream", 10).has_value());
  EXPECT_TRUE(CheckUploadLimits("image/png", 0).has_value());
  EXPECT_EQ(MediaKindOf("image/webp")->kind, "sticker");
  EXPECT_EQ(MimeEssence(" Audio/Ogg ; codecs=opus"), "audio/ogg");
}

}  // namespace
}  // namespace wagate::sandbox
