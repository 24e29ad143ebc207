#include "wagate/core/phone.hpp"

#include <cctype>

#include "wagate/core/phone_validator.hpp"

namespace wagate::core {

std::optional<std::string> NormalizePhoneNumber(std::string_view input) {
  if (input.empty() || input.size() > 32) return std::nullopt;
  std::string digits;
  for (size_t i = 0; i < input.size(); ++i) {
    char c = input[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    } else if (c == '+' && i == 0) {
      continue;
    } else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.') {
      continue;
    } else {
      return std::nullopt;
    }
  }
  // E.164 allows at most 15 digits; fewer than 7 is no subscriber number anywhere.
  if (digits.size() < 7 || digits.size() > 15) return std::nullopt;
  return ValidateInternationalNumber(digits);
}

std::string DigitsOf(std::string_view number) {
  std::string digits;
  for (char c : number) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  return digits;
}

}  // namespace wagate::core
