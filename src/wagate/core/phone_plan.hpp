// One numbering plan of libphonenumber's metadata, compiled with RE2: the matches validation needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace wagate::core {

// libphonenumber's bounds on a national significant number (kMinLengthForNsn, kMaxLengthForNsn).
inline constexpr size_t kMinNsnLength = 2;
inline constexpr size_t kMaxNsnLength = 17;

// A PhoneNumberDesc as strings: its national_number_pattern and possible lengths.
struct NumberDescSource {
  std::string pattern;       // empty: no number of this type exists
  std::vector<int> lengths;  // as listed; empty: no length check of its own; {-1}: no number
};

// What validation reads of a PhoneMetadata entry (a region, or "001", a non-geographical entity).
struct PlanSource {
  std::string id;
  int country_code = 0;
  bool main_country_for_code = false;  // first among the plans sharing its code
  NumberDescSource general;
  std::vector<int> local_only_lengths;  // the general description's
  // Every type GetNumberTypeHelper tries (premium rate … fixed line, then mobile). Mobile is left out when
  // same_mobile_and_fixed_line_pattern is set: libphonenumber then never tries it on its own.
  std::vector<NumberDescSource> types;
  std::optional<std::string> leading_digits;  // how a number is told apart among plans sharing a code
  std::string national_prefix_for_parsing;
  std::string national_prefix_transform_rule;
};

// TestNumberLength's answer (libphonenumber's ValidationResult, the part it can return).
enum class LengthFit { kPossible, kPossibleLocalOnly, kTooShort, kTooLong, kInvalidLength };

// Where national_prefix_for_parsing matched at the start of a number: how much it consumed and its
// capture groups (groups[0] the whole match; a group that took no part is empty, as ICU reports it).
struct PrefixMatch {
  static constexpr int kMaxGroups = 9;
  size_t length = 0;
  int group_count = 0;  // capture groups in the pattern
  std::array<std::string_view, kMaxGroups + 1> groups;
};

// Immutable once built; safe to use from any thread (RE2 matching is).
class CompiledPlan final {
 public:
  // Patterns RE2 cannot compile match nothing (libphonenumber's regexp adapter does the same); the
  // equivalence test checks that every plan of the metadata compiles.
  explicit CompiledPlan(const PlanSource& source);
  ~CompiledPlan();
  CompiledPlan(const CompiledPlan&) = delete;
  CompiledPlan& operator=(const CompiledPlan&) = delete;

  // GetNumberTypeHelper(nsn) != UNKNOWN: the general description matches (length, then pattern) and so
  // does at least one number type.
  bool IsValidNationalNumber(std::string_view nsn) const;
  // The general description's pattern alone, no length check: libphonenumber's "viable" test.
  bool MatchesGeneralPattern(std::string_view nsn) const;
  bool has_leading_digits() const { return leading_digits_ != nullptr; }
  // leading_digits matches at the start of nsn (a prefix match, as RegExp::Consume).
  bool StartsWithLeadingDigits(std::string_view nsn) const;
  // national_prefix_for_parsing matched at the start of number; nullopt when it does not or the plan
  // has none.
  std::optional<PrefixMatch> MatchNationalPrefix(std::string_view number) const;
  const std::string& transform_rule() const { return transform_rule_; }
  // TestNumberLength(number, metadata) for a number of this length (the general description's lengths).
  LengthFit TestLength(size_t length) const;
  // Every pattern compiled (false only for metadata RE2 cannot read).
  bool ok() const { return ok_; }

 private:
  bool ok_ = true;
  std::unique_ptr<re2::RE2> general_;
  uint32_t general_lengths_ = 0;  // bit L: length L allowed
  // For each NSN length, the alternation of the patterns of every type that allows that length; null
  // when none does. One match answers "does any type match" (libphonenumber tries them one by one).
  std::array<const re2::RE2*, kMaxNsnLength + 1> any_type_by_length_{};
  std::vector<std::unique_ptr<re2::RE2>> any_type_patterns_;
  std::unique_ptr<re2::RE2> leading_digits_;
  std::unique_ptr<re2::RE2> national_prefix_;
  std::string transform_rule_;
  std::vector<int> possible_lengths_;
  std::vector<int> local_only_lengths_;
};

}  // namespace wagate::core
