// Meta's media types and size limits (cloud-api.md §3.8): what may be uploaded, and how large.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::media {

struct MediaKind {
  std::string_view kind;  // image | video | audio | document | sticker
  uint64_t max_bytes;
};

// The kind a MIME type uploads as (parameters like "; codecs=opus" ignored); nullopt if Meta
// accepts no such type.
std::optional<MediaKind> KindOfMime(std::string_view mime_type);
// "image/jpeg, image/png, …": for error messages.
std::string SupportedMimeTypes();
// The largest media Meta hands over (inbound documents): downloads beyond it are cut off.
constexpr uint64_t kMaxMediaBytes = 100ull * 1024 * 1024;

}  // namespace wagate::media
