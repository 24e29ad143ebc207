// Phone number validation and normalisation to E.164 (libphonenumber's rules: phone_validator.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wagate::core {

// Accepts international numbers with or without the leading '+' (Meta's wa_id form is digits only);
// spaces, dashes, dots and brackets are tolerated. Returns "+<digits>" for a valid number, else nullopt.
// A national number without country code is rejected: Meta would prefix the *business* number's
// country code and could reach the wrong person.
std::optional<std::string> NormalizePhoneNumber(std::string_view input);

// The digits of a number in any form ("+49 151…" → "49151…"): Meta's wa_id form, and the key the
// gateway files customers under.
std::string DigitsOf(std::string_view number);

}  // namespace wagate::core
