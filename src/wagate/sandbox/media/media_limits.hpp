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
// Meta downloads a customer's media only up to 100 MB, whatever its kind (cloud-api.md §3.7, "inbound
// media accepted"; §3.8's per-kind sizes are upload limits); beyond it error 131052.
inline constexpr uint64_t kMaxInboundMediaBytes = kMaxMediaBytes;
// The largest file a WhatsApp user can send (2 GB): how large a simulated customer's media may claim to be.
inline constexpr uint64_t kMaxCustomerFileBytes = 2048 * kMiB;

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
// nullopt when Meta downloads a customer's `kind` media (image, video, …) of `size` bytes; else the
// details of the 131052 its webhook carries instead.
std::optional<std::string> CheckInboundMediaLimit(std::string_view kind, uint64_t size);

}  // namespace wagate::sandbox
