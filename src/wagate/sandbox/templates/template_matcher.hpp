// Matches the `template` object of a send against the stored template it names: Meta's 132000 (parameter
// count) and 132012 (parameter format or type) rules.
#pragma once

#include <nlohmann/json.hpp>

#include "wagate/sandbox/messages/send_checks.hpp"
#include "wagate/sandbox/templates/template_spec.hpp"

namespace wagate::sandbox {

// `tmpl` already passed CheckTemplateMessage. Per component (header, body, each button index) the count
// comes first (132000), then the parameters' names and types (132012).
Check MatchTemplate(const nlohmann::json& tmpl, const TemplateSpec& spec);

}  // namespace wagate::sandbox
