// Where a media download goes: media/ streams into a ByteSink and never learns what carries the bytes
// on (the API adapts it to an HTTP body; a test gathers them in a string).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::media {

// What is known of a media before its first byte.
struct DownloadHead {
  std::string content_type;                // Graph's, else the media's recorded type, else application/octet-stream
  std::optional<uint64_t> content_length;  // when Graph announced it
  std::string sha256;                      // the media's digest as Graph records it ("" if it gave none)
};

// Used by one download on the thread running it: Open once, then Write for each piece in order.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // The head, before any byte. False: nobody takes the bytes any more; the download stops.
  virtual bool Open(const DownloadHead& head) = 0;
  // Blocks as long as the reader needs (a slow reader slows the download, never fills memory).
  // False: the reader is gone; the download stops.
  virtual bool Write(std::string_view chunk) = 0;
};

}  // namespace wagate::media
