// The `interactive` object of a send: reply buttons, lists and CTA URL messages (cloud-api.md §1.6, §3.7).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "wagate/sandbox/messages/send_checks.hpp"

namespace wagate::sandbox {

// Pure. Header media ids are appended to `media` for the caller to look up.
Check CheckInteractive(const nlohmann::json& interactive, std::vector<MediaRef>* media);

}  // namespace wagate::sandbox
