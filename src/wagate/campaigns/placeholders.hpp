// `{name}` placeholders in a campaign's message, filled per recipient from the recipient's variables.
// A placeholder is `{` + a name of letters, digits, `_`, `.` or `-` (1–64 characters) + `}`; any other
// brace is text. Only string values of the message are searched (a template's parameter texts, a
// text body, a caption…), never member names.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"

namespace wagate::campaigns {

bool IsVariableName(std::string_view name);

// The names used anywhere in `message`'s string values.
std::set<std::string> Placeholders(const nlohmann::json& message);

// `message` with every placeholder replaced by its variable's value. A placeholder without a value
// (absent or empty) fails with InvalidField naming it: a recipient is never sent a half-filled message.
core::Result<nlohmann::json> Fill(const nlohmann::json& message, const std::map<std::string, std::string>& variables);

}  // namespace wagate::campaigns
