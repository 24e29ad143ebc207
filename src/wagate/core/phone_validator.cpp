// The steps follow libphonenumber's PhoneNumberUtil (phonenumberutil.cc, 8.12): ParseHelper with a
// leading '+' and no default region, then IsValidNumber. Only the branches such input reaches are here;
// each function names the one it stands for.
#include "wagate/core/phone_validator.hpp"

#include <span>

#include "wagate/core/phone_metadata.hpp"

namespace wagate::core {

namespace {

constexpr size_t kMaxCallingCodeLength = 3;  // kMaxLengthCountryCode

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct CallingCode {
  int code = 0;
  size_t length = 0;
  std::span<const uint16_t> plans;
};

// ExtractCountryCode: the shortest one-to-three-digit prefix that is an assigned code. Codes never
// start with 0.
std::optional<CallingCode> ExtractCallingCode(std::string_view digits, const PhoneMetadata& metadata) {
  if (digits.empty() || digits[0] == '0') return std::nullopt;
  int code = 0;
  for (size_t length = 1; length <= kMaxCallingCodeLength && length <= digits.size(); ++length) {
    code = code * 10 + (digits[length - 1] - '0');
    auto plans = metadata.PlansFor(code);
    if (!plans.empty()) return CallingCode{code, length, plans};
  }
  return std::nullopt;
}

// ICU's appendReplacement, which libphonenumber's Replace uses: "$n" is capture group n (taking as many
// digits as still name a group), "\c" is c. nullopt where ICU fails; libphonenumber then keeps the number
// as it was.
std::optional<std::string> ExpandTransformRule(std::string_view rule, const PrefixMatch& match) {
  std::string out;
  for (size_t i = 0; i < rule.size(); ++i) {
    const char c = rule[i];
    if (c == '\\' && i + 1 < rule.size()) {
      out += rule[++i];
    } else if (c == '$') {
      if (i + 1 >= rule.size() || !IsDigit(rule[i + 1]) || rule[i + 1] - '0' > match.group_count) return std::nullopt;
      int group = rule[++i] - '0';
      while (i + 1 < rule.size() && IsDigit(rule[i + 1]) && group * 10 + (rule[i + 1] - '0') <= match.group_count) {
        group = group * 10 + (rule[++i] - '0');
      }
      out += match.groups[group];
    } else {
      out += c;
    }
  }
  return out;
}

// MaybeStripNationalPrefixAndCarrierCode (the carrier code is not kept). A national prefix is removed,
// or rewritten by the transform rule, unless the number matched the general pattern before and would
// not after.
void StripNationalPrefix(const CompiledPlan& plan, std::string* number) {
  if (number->empty()) return;
  const std::optional<PrefixMatch> match = plan.MatchNationalPrefix(*number);
  if (!match) return;
  // libphonenumber first asks Consume for two groups (carrier code, then the part to keep); only a
  // pattern with fewer than two falls back to one. An empty part means plain stripping.
  std::string_view captured;
  if (match->group_count >= 2) {
    captured = match->groups[2];
  } else if (match->group_count == 1) {
    captured = match->groups[1];
  }
  std::string candidate;
  if (!plan.transform_rule().empty() && !captured.empty()) {
    // Replace rewrites the first match, which is this one: it starts the number.
    std::optional<std::string> replacement = ExpandTransformRule(plan.transform_rule(), *match);
    candidate = replacement ? *replacement + number->substr(match->length) : *number;
  } else {
    candidate = number->substr(match->length);
  }
  if (plan.MatchesGeneralPattern(*number) && !plan.MatchesGeneralPattern(candidate)) return;
  *number = std::move(candidate);
}

// GetRegionCodeForNumber, then IsValidNumberForRegion. Among plans sharing a code the first whose
// leading digits start the number decides; a plan without leading digits claims the numbers it finds
// valid. A number no plan claims is invalid.
bool IsValidForCallingCode(std::string_view nsn, std::span<const uint16_t> plans, const PhoneMetadata& metadata) {
  if (plans.size() == 1) return metadata.Plan(plans[0]).IsValidNationalNumber(nsn);
  for (uint16_t index : plans) {
    const CompiledPlan& plan = metadata.Plan(index);
    if (plan.has_leading_digits()) {
      if (plan.StartsWithLeadingDigits(nsn)) return plan.IsValidNationalNumber(nsn);
    } else if (plan.IsValidNationalNumber(nsn)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> ValidateInternationalNumber(std::string_view digits, const PhoneMetadata& metadata) {
  // MaybeExtractCountryCode: after the '+', more than kMinLengthForNsn digits (TOO_SHORT_AFTER_IDD).
  if (digits.size() <= kMinNsnLength) return std::nullopt;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
  }
  const std::optional<CallingCode> code = ExtractCallingCode(digits, metadata);
  if (!code) return std::nullopt;  // INVALID_COUNTRY_CODE_ERROR
  std::string nsn(digits.substr(code->length));
  if (nsn.size() < kMinNsnLength) return std::nullopt;  // TOO_SHORT_NSN
  // ParseHelper strips a national prefix with the main plan of the code, and keeps the result only if its
  // length is possible, or too long (a too-short result means the prefix was part of the number).
  const CompiledPlan& main_plan = metadata.Plan(code->plans.front());
  std::string stripped = nsn;
  StripNationalPrefix(main_plan, &stripped);
  const LengthFit fit = main_plan.TestLength(stripped.size());
  if (fit == LengthFit::kPossible || fit == LengthFit::kTooLong) nsn = std::move(stripped);
  if (nsn.size() < kMinNsnLength || nsn.size() > kMaxNsnLength) return std::nullopt;  // TOO_SHORT/LONG_NSN
  // The national number round-trips through an integer and italian_leading_zero unchanged, so nsn is
  // also what IsValidNumber and Format(E164) see.
  if (!IsValidForCallingCode(nsn, code->plans, metadata)) return std::nullopt;
  return "+" + std::to_string(code->code) + nsn;
}

std::optional<std::string> ValidateInternationalNumber(std::string_view digits) {
  return ValidateInternationalNumber(digits, PhoneMetadata::Instance());
}

}  // namespace wagate::core
