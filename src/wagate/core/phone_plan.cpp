#include "wagate/core/phone_plan.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <map>

namespace wagate::core {

namespace {

// Lengths as a bit set; a description that lists none has no length check of its own (all bits).
uint32_t LengthBits(const std::vector<int>& lengths) {
  if (lengths.empty()) return ~uint32_t{0};
  uint32_t bits = 0;
  for (int length : lengths) {
    if (length >= 0 && length < 32) bits |= uint32_t{1} << length;
  }
  return bits;
}

bool Allows(uint32_t bits, size_t length) { return length < 32 && (bits >> length & 1U) != 0; }

// Empty pattern: nullptr, a description that matches nothing (RegexBasedMatcher refuses empty patterns).
std::unique_ptr<re2::RE2> Compile(const std::string& pattern, bool* ok) {
  if (pattern.empty()) return nullptr;
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    *ok = false;
    return nullptr;
  }
  return re;
}

bool FullMatch(const re2::RE2* re, std::string_view text) {
  return re != nullptr && re->Match(text, 0, text.size(), re2::RE2::ANCHOR_BOTH, nullptr, 0);
}

}  // namespace

CompiledPlan::CompiledPlan(const PlanSource& source)
    : general_(Compile(source.general.pattern, &ok_)),
      general_lengths_(LengthBits(source.general.lengths)),
      transform_rule_(source.national_prefix_transform_rule),
      possible_lengths_(source.general.lengths),
      local_only_lengths_(source.local_only_lengths) {
  // Types allowing the same lengths share one alternation: key = which types take part.
  std::map<std::vector<size_t>, const re2::RE2*> by_members;
  for (size_t length = 0; length <= kMaxNsnLength; ++length) {
    std::vector<size_t> members;
    for (size_t i = 0; i < source.types.size(); ++i) {
      const NumberDescSource& type = source.types[i];
      if (!type.pattern.empty() && Allows(LengthBits(type.lengths), length)) members.push_back(i);
    }
    if (members.empty()) continue;
    auto [it, inserted] = by_members.try_emplace(members, nullptr);
    if (inserted) {
      std::string alternation;
      for (size_t i : members) {
        if (!alternation.empty()) alternation += '|';
        alternation += "(?:" + source.types[i].pattern + ")";
      }
      any_type_patterns_.push_back(Compile(alternation, &ok_));
      it->second = any_type_patterns_.back().get();
    }
    any_type_by_length_[length] = it->second;
  }
  if (source.leading_digits) {
    // Present but empty would match every number (an empty pattern consumes nothing and succeeds).
    leading_digits_ = source.leading_digits->empty() ? Compile("(?:)", &ok_) : Compile(*source.leading_digits, &ok_);
  }
  national_prefix_ = Compile(source.national_prefix_for_parsing, &ok_);
  if (national_prefix_ && national_prefix_->NumberOfCapturingGroups() > PrefixMatch::kMaxGroups) {
    ok_ = false;
    national_prefix_.reset();
  }
}

CompiledPlan::~CompiledPlan() = default;

bool CompiledPlan::IsValidNationalNumber(std::string_view nsn) const {
  if (nsn.size() > kMaxNsnLength || !Allows(general_lengths_, nsn.size())) return false;
  return FullMatch(general_.get(), nsn) && FullMatch(any_type_by_length_[nsn.size()], nsn);
}

bool CompiledPlan::MatchesGeneralPattern(std::string_view nsn) const { return FullMatch(general_.get(), nsn); }

bool CompiledPlan::StartsWithLeadingDigits(std::string_view nsn) const {
  return leading_digits_ != nullptr && leading_digits_->Match(nsn, 0, nsn.size(), re2::RE2::ANCHOR_START, nullptr, 0);
}

std::optional<PrefixMatch> CompiledPlan::MatchNationalPrefix(std::string_view number) const {
  if (national_prefix_ == nullptr) return std::nullopt;
  PrefixMatch match;
  match.group_count = national_prefix_->NumberOfCapturingGroups();
  std::array<re2::StringPiece, PrefixMatch::kMaxGroups + 1> pieces;
  if (!national_prefix_->Match(number, 0, number.size(), re2::RE2::ANCHOR_START, pieces.data(),
                               match.group_count + 1)) {
    return std::nullopt;
  }
  match.length = pieces[0].size();  // anchored at the start: the match begins at 0
  for (int i = 0; i <= match.group_count; ++i) match.groups[i] = std::string_view(pieces[i].data(), pieces[i].size());
  return match;
}

LengthFit CompiledPlan::TestLength(size_t length) const {
  // libphonenumber reads the first listed length as the minimum and the last as the maximum (the
  // metadata lists them in order); a plan listing none never occurs, and is treated as "no number".
  if (possible_lengths_.empty() || possible_lengths_.front() == -1) return LengthFit::kInvalidLength;
  const int actual = static_cast<int>(length);
  if (std::find(local_only_lengths_.begin(), local_only_lengths_.end(), actual) != local_only_lengths_.end()) {
    return LengthFit::kPossibleLocalOnly;
  }
  if (possible_lengths_.front() == actual) return LengthFit::kPossible;
  if (possible_lengths_.front() > actual) return LengthFit::kTooShort;
  if (possible_lengths_.back() < actual) return LengthFit::kTooLong;
  return std::find(possible_lengths_.begin() + 1, possible_lengths_.end(), actual) != possible_lengths_.end()
             ? LengthFit::kPossible
             : LengthFit::kInvalidLength;
}

}  // namespace wagate::core
