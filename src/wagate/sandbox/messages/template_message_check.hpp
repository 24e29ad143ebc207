// The `template` object of a send, checked on its own (shape, parameter objects); matching it against the
// stored template it names is template_matcher's job.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/sandbox/messages/send_checks.hpp"

namespace wagate::sandbox {

// Pure. Media ids in header parameters are appended to `media`.
Check CheckTemplateMessage(const nlohmann::json& tmpl, std::vector<MediaRef>* media);

// A send's component type or button sub_type, lower-cased (Meta accepts either case).
std::string LowerAscii(std::string_view s);
// A button component's `index` ("0" or 0 … 9); nullopt when it is neither.
std::optional<size_t> ButtonIndex(const nlohmann::json& component);

}  // namespace wagate::sandbox
