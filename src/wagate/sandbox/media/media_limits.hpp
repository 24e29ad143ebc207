// What Meta accepts as media (cloud-api.md §3.8): the MIME types of each kind and their size limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::sandbox {

inline constexpr uint64_t kMiB = 1024 * 1024;
// The largest media of any kind (documents), and the inbound limit (131052 beyond it).
inline constexpr uint64_t kMaxMediaBytes = 100 * kMiB;

struct MediaKind {
  std::string_view kind;  // audio, document, image, sticker, video
  uint64_t max_bytes;
};

// "audio/ogg; codecs=opus" → "audio/ogg", lower-cased.
std::string MimeEssence(std::string_view mime);
// The kind a MIME type uploads as; nullopt for types Meta does not take.
std::optional<MediaKind> MediaKindOf(std::string_view mime);
// nullopt when Meta would take the upload; else the details of its error 100, naming the limit.
std::optional<std::string> CheckUploadLimits(std::string_view mime, uint64_t size);

}  // namespace wagate::sandbox
