#include "wagate/media/media_kinds.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace wagate::media {
namespace {

constexpr uint64_t kMB = 1024 * 1024;

// Meta's megabytes are taken as MiB: the looser reading would let Meta refuse what we accepted,
// so the limits are the documented numbers in MiB (5 MiB image, 16 MiB audio/video, 100 MiB document).
constexpr std::array<std::pair<std::string_view, MediaKind>, 18> kTypes{{
    {"image/jpeg", {"image", 5 * kMB}},
    {"image/png", {"image", 5 * kMB}},
    {"image/webp", {"sticker", 500 * 1024}},
    {"video/mp4", {"video", 16 * kMB}},
    {"video/3gpp", {"video", 16 * kMB}},
    {"audio/aac", {"audio", 16 * kMB}},
    {"audio/amr", {"audio", 16 * kMB}},
    {"audio/mpeg", {"audio", 16 * kMB}},
    {"audio/mp4", {"audio", 16 * kMB}},
    {"audio/ogg", {"audio", 16 * kMB}},
    {"text/plain", {"document", 100 * kMB}},
    {"application/pdf", {"document", 100 * kMB}},
    {"application/msword", {"document", 100 * kMB}},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"document", 100 * kMB}},
    {"application/vnd.ms-excel", {"document", 100 * kMB}},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"document", 100 * kMB}},
    {"application/vnd.ms-powerpoint", {"document", 100 * kMB}},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", {"document", 100 * kMB}},
}};

}  // namespace

std::optional<MediaKind> KindOfMime(std::string_view mime_type) {
  std::string base(mime_type.substr(0, mime_type.find(';')));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [type, kind] : kTypes) {
    if (type == base) return kind;
  }
  return std::nullopt;
}

std::string SupportedMimeTypes() {
  std::string out;
  for (const auto& [type, kind] : kTypes) out += (out.empty() ? "" : ", ") + std::string(type);
  return out;
}

}  // namespace wagate::media
