// A message template's components as the sandbox stores them, and what they ask of a send: the
// placeholders of the header, the body and each button (cloud-api.md §6, §1.7).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::sandbox {

enum class ParameterFormat { kPositional, kNamed };

// What a send's button component at this button's index must carry.
struct ButtonSpec {
  std::string type;      // QUICK_REPLY, URL, COPY_CODE, OTP, PHONE_NUMBER, FLOW, …
  std::string sub_type;  // the send's `sub_type` ("quick_reply", "url", …); "" = the button takes none
  size_t min_params = 0;
  size_t max_params = 0;
  std::string param_type;  // "payload", "text", "coupon_code", "action"; "" = any
};

struct TemplateSpec {
  ParameterFormat format = ParameterFormat::kPositional;
  std::string header_format;               // "", TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION
  std::vector<std::string> header_params;  // placeholders in order of first use: "1", "2" or "first_name"
  std::vector<std::string> body_params;
  std::vector<ButtonSpec> buttons;  // template order: a send's `index` points here
};

struct ParsedComponents {
  nlohmann::json components;  // as given, with type/format/button types upper-cased as Meta answers
  TemplateSpec spec;
};

// `strict`: Graph's creation rules too (lengths, counts, exactly one BODY); seeds need only a structure the
// sandbox can match sends against. Placeholders are checked either way: positional ones numbered 1..n with
// no gap, named ones lowercase a-z, 0-9 and `_`, never mixed and always of the template's format.
// The error message names the component and the rule.
core::Result<ParsedComponents> ParseTemplateComponents(const nlohmann::json& components, ParameterFormat format,
                                                       std::string_view category, bool strict);

// "positional" / "named", any case.
std::optional<ParameterFormat> ParseParameterFormat(std::string_view text);
std::string_view ParameterFormatName(ParameterFormat format);  // "POSITIONAL" / "NAMED", as Meta answers

}  // namespace wagate::sandbox
