// Base64 (RFC 4648, standard alphabet) for the sandbox: wamids, paging cursors, inbound `data_base64`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wagate::sandbox {

std::string Base64Encode(std::string_view bytes, bool pad = true);
// Accepts padded or unpadded input; nullopt on any other character or an impossible length.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace wagate::sandbox
