// International phone numbers validated with libphonenumber's metadata matched by RE2: libphonenumber's
// own answer at a small fraction of its cost (its ICU regex layer allocates on every match).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wagate::core {

class PhoneMetadata;

// `digits` is what follows the '+' of an international number, ASCII digits only (anything else is
// refused). Returns the number in E.164, "+<country code><national significant number>", or nullopt:
// exactly what libphonenumber answers with Parse("+" + digits, "ZZ"), IsValidNumber and Format(E164) —
// a national prefix written after the country code ("+44 0 20…") is dropped where libphonenumber drops
// it. The equivalence test (phone_validator_test.cpp) holds it to that.
std::optional<std::string> ValidateInternationalNumber(std::string_view digits, const PhoneMetadata& metadata);

// With the metadata compiled into libphonenumber (PhoneMetadata::Instance()).
std::optional<std::string> ValidateInternationalNumber(std::string_view digits);

}  // namespace wagate::core
