// Test support: a deterministic corpus of international numbers drawn from libphonenumber's own metadata,
// and libphonenumber's own answer for one, to hold the validator to libphonenumber (phone_validator_test.cpp,
// tools/phone_equivalence.cpp, bench/phone_bench.cpp).
#pragma once

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace i18n::phonenumbers {  // exported by libphonenumber.so, in no header (as in phone_metadata.cpp)
const void* metadata_get();
int metadata_size();
}  // namespace i18n::phonenumbers

namespace wagate::core {

// The oracle: what NormalizePhoneNumber asked libphonenumber before the validator replaced it, for
// "+<digits>" (Parse with no default region, IsValidNumber, Format E.164).
inline std::optional<std::string> LibphonenumberE164(const std::string& plus_digits) {
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber number;
  if (util.Parse(plus_digits, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  if (!util.IsValidNumber(number)) return std::nullopt;
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

struct PhoneCorpusSize {
  int mutations_per_example = 4;   // copies of each example number with one to three digits changed
  int random_per_length = 2;       // per calling code and NSN length 1..17: random digits, and random digits
                                   // after the start of an example number of the code
  int prefixed_per_length = 1;     // per calling code, NSN length and national-prefix-like start
  int unassigned_per_length = 20;  // per total length 1..20: digits at random, codes assigned or not
  int sweep_per_start = 0;         // per calling code, every three-digit start of the NSN and every length its
                                   // plans list: random digits after it (a million numbers per 1; off in unit tests)
};

// Digit strings (what follows the '+'): for every plan of the metadata its example numbers (each type's)
// as they are, one digit shorter and longer, after the plan's national prefix and after "0" and "1",
// with "15" inserted near the start, and mutated digit by digit; for every calling code random numbers of every NSN
// length 1..17, plain, after an example's first digits, and after starts national prefixes use (+44 0…, +7 8…, +54 9…,
// +52 1…); optionally every three-digit start of every code at every length. The same size and seed give
// the same corpus.
class PhoneCorpusBuilder {
 public:
  explicit PhoneCorpusBuilder(uint64_t seed) : state_(seed) {}

  std::vector<std::string> Build(const PhoneCorpusSize& size) {
    i18n::phonenumbers::PhoneMetadataCollection collection;
    if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size())) {
      throw std::runtime_error("libphonenumber's metadata could not be parsed");
    }
    std::vector<std::string> out;
    std::set<int> codes;
    for (const auto& plan : collection.metadata()) {
      codes.insert(plan.country_code());
      AddExamples(plan, size, &out);
    }
    for (int code : codes) AddRandom(code, collection, size, &out);
    for (int code : codes) AddSweep(code, collection, size.sweep_per_start, &out);
    for (size_t length = 1; length <= 20; ++length) {
      for (int i = 0; i < size.unassigned_per_length; ++i) out.push_back(RandomDigits(length));
    }
    return out;
  }

 private:
  static constexpr const char* kPrefixes[] = {"0", "1", "8", "9", "00", "01", "10", "15", "90"};

  uint64_t Next() {  // splitmix64: fixed across platforms and standard libraries
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  char Digit() { return static_cast<char>('0' + Below(10)); }
  std::string RandomDigits(size_t length) {
    std::string s;
    for (size_t i = 0; i < length; ++i) s += Digit();
    return s;
  }

  static std::vector<std::string> Examples(const i18n::phonenumbers::PhoneMetadata& plan) {
    std::vector<std::string> examples;
    for (const auto* desc :
         {&plan.general_desc(), &plan.fixed_line(), &plan.mobile(), &plan.toll_free(), &plan.premium_rate(),
          &plan.shared_cost(), &plan.personal_number(), &plan.voip(), &plan.pager(), &plan.uan(), &plan.emergency(),
          &plan.voicemail(), &plan.short_code(), &plan.standard_rate(), &plan.carrier_specific(), &plan.sms_services(),
          &plan.no_international_dialling()}) {
      if (desc->has_example_number() && !desc->example_number().empty()) examples.push_back(desc->example_number());
    }
    return examples;
  }

  void AddExamples(const i18n::phonenumbers::PhoneMetadata& plan, const PhoneCorpusSize& size,
                   std::vector<std::string>* out) {
    const std::string code = std::to_string(plan.country_code());
    std::vector<std::string> starts = {"", "0", "1"};
    if (!plan.national_prefix().empty()) starts.push_back(plan.national_prefix());
    for (const std::string& example : Examples(plan)) {
      for (const std::string& start : starts) out->push_back(code + start + example);
      out->push_back(code + example.substr(0, example.size() - 1));
      out->push_back(code + example + Digit());
      // "15" inside the start: Argentina's mobile "0 11 15 …", and as Brazil's carrier code "0 15 …".
      for (int i = 0; i < 2; ++i) {
        const size_t at = Below(std::min<size_t>(example.size(), 5));
        out->push_back(code + starts[Below(starts.size())] + example.substr(0, at) + "15" + example.substr(at));
      }
      for (int i = 0; i < size.mutations_per_example; ++i) {
        std::string mutated = example;
        const size_t changes = 1 + Below(3);
        for (size_t c = 0; c < changes; ++c) mutated[Below(mutated.size())] = Digit();
        out->push_back(code + starts[Below(4) == 0 ? Below(starts.size()) : 0] + mutated);
      }
    }
  }

  void AddRandom(int calling_code, const i18n::phonenumbers::PhoneMetadataCollection& collection,
                 const PhoneCorpusSize& size, std::vector<std::string>* out) {
    const std::string code = std::to_string(calling_code);
    std::vector<std::string> examples;
    for (const auto& plan : collection.metadata()) {
      if (plan.country_code() != calling_code) continue;
      for (std::string& example : Examples(plan)) examples.push_back(std::move(example));
    }
    for (size_t length = 1; length <= 17; ++length) {
      for (int i = 0; i < size.random_per_length; ++i) {
        out->push_back(code + RandomDigits(length));
        if (!examples.empty()) {
          const std::string& example = examples[Below(examples.size())];
          const size_t kept = 1 + Below(std::min(length, example.size()));
          out->push_back(code + example.substr(0, kept) + RandomDigits(length - kept));
        }
      }
      for (const char* prefix : kPrefixes) {
        const std::string start(prefix);
        if (start.size() > length) continue;
        for (int i = 0; i < size.prefixed_per_length; ++i) {
          out->push_back(code + start + RandomDigits(length - start.size()));
        }
      }
    }
  }

  void AddSweep(int calling_code, const i18n::phonenumbers::PhoneMetadataCollection& collection, int per_start,
                std::vector<std::string>* out) {
    if (per_start <= 0) return;
    std::set<int> lengths;
    for (const auto& plan : collection.metadata()) {
      if (plan.country_code() != calling_code) continue;
      for (int length : plan.general_desc().possible_length()) lengths.insert(length);
      for (int length : plan.general_desc().possible_length_local_only()) lengths.insert(length);
    }
    const std::string code = std::to_string(calling_code);
    for (int start = 0; start < 1000; ++start) {
      const std::string digits = std::to_string(1000 + start).substr(1);
      for (int length : lengths) {
        if (length < 3) continue;
        for (int i = 0; i < per_start; ++i) out->push_back(code + digits + RandomDigits(length - 3));
      }
    }
  }

  uint64_t state_;
};

}  // namespace wagate::core
