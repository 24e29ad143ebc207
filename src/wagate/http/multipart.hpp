// multipart/form-data bodies (RFC 7578 over RFC 2046): the media uploads of the Cloud API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::http {

struct MultipartPart {
  std::string name;          // Content-Disposition `name`
  std::string filename;      // Content-Disposition `filename` (or a decoded UTF-8 `filename*`); "" when absent
  std::string content_type;  // the part's Content-Type as sent; "" when absent (RFC 7578: then text/plain)
  std::string_view data;     // points into the body
};

// Parses a multipart/form-data body; `content_type` is the request's Content-Type header (boundary taken from it).
// Pure and thread-safe. The parts are views into `body`, so a large file part is never copied: the body must
// outlive them. Strict where ambiguity could cut a file short (delimiters and header lines need CRLF; a
// boundary string inside data counts only when followed by `--` or a line end); malformed input gives
// core::Error::Invalid("invalid_multipart", …) naming the problem.
core::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type, std::string_view body);

}  // namespace wagate::http
