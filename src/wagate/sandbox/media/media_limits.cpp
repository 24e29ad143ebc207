#include "wagate/sandbox/media/media_limits.hpp"

#include <array>

namespace wagate::sandbox {
namespace {

struct Row {
  std::string_view mime;
  MediaKind kind;
};

// Sizes in MiB/KiB. Stickers: Meta allows 100 KB static and 500 KB animated; the sandbox cannot tell a
// webp's kind without decoding it, so it allows 500 KB for both.
constexpr MediaKind kAudio{"audio", 16 * kMiB};
constexpr MediaKind kDocument{"document", 100 * kMiB};
constexpr MediaKind kImage{"image", 5 * kMiB};
constexpr MediaKind kSticker{"sticker", 500 * 1024};
constexpr MediaKind kVideo{"video", 16 * kMiB};

constexpr std::array kTypes = {
    Row{"audio/aac", kAudio},
    Row{"audio/amr", kAudio},
    Row{"audio/mpeg", kAudio},
    Row{"audio/mp4", kAudio},
    Row{"audio/ogg", kAudio},
    Row{"text/plain", kDocument},
    Row{"application/pdf", kDocument},
    Row{"application/msword", kDocument},
    Row{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", kDocument},
    Row{"application/vnd.ms-excel", kDocument},
    Row{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", kDocument},
    Row{"application/vnd.ms-powerpoint", kDocument},
    Row{"application/vnd.openxmlformats-officedocument.presentationml.presentation", kDocument},
    Row{"image/jpeg", kImage},
    Row{"image/png", kImage},
    Row{"image/webp", kSticker},
    Row{"video/mp4", kVideo},
    Row{"video/3gpp", kVideo},
};

std::string Readable(uint64_t bytes) {
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MB";
  return std::to_string(bytes / 1024) + " KB";
}

}  // namespace

std::string MimeEssence(std::string_view mime) {
  std::string_view essence = mime.substr(0, mime.find(';'));
  while (!essence.empty() && (essence.back() == ' ' || essence.back() == '\t')) essence.remove_suffix(1);
  while (!essence.empty() && (essence.front() == ' ' || essence.front() == '\t')) essence.remove_prefix(1);
  std::string out(essence);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<MediaKind> MediaKindOf(std::string_view mime) {
  std::string essence = MimeEssence(mime);
  for (const Row& row : kTypes) {
    if (row.mime == essence) return row.kind;
  }
  return std::nullopt;
}

std::optional<std::string> CheckUploadLimits(std::string_view mime, uint64_t size) {
  std::optional<MediaKind> kind = MediaKindOf(mime);
  if (!kind) {
    std::string supported;
    for (const Row& row : kTypes) supported += (supported.empty() ? "" : ", ") + std::string(row.mime);
    return "Param file has type " + std::string(mime) + ", which is not supported. Supported types: " + supported + ".";
  }
  if (size == 0) return std::string("Param file is empty.");
  if (size > kind->max_bytes) {
    return "Param file is too large: " + std::string(kind->kind) + " files (" + MimeEssence(mime) +
           ") must be at most " + Readable(kind->max_bytes) + " (" + std::to_string(kind->max_bytes) + " bytes); got " +
           std::to_string(size) + " bytes.";
  }
  return std::nullopt;
}

std::optional<std::string> CheckInboundMediaLimit(std::string_view kind, uint64_t size) {
  if (size <= kMaxInboundMediaBytes) return std::nullopt;
  return "Unable to download the media sent by the user: the " + std::string(kind) + " is " + std::to_string(size) +
         " bytes, over the " + Readable(kMaxInboundMediaBytes) + " limit of inbound media.";
}

}  // namespace wagate::sandbox
