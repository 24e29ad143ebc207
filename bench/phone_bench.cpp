// Phone number validation: the RE2 validator (core::ValidateInternationalNumber) against libphonenumber
// (Parse "ZZ" + IsValidNumber + Format E164) on the same numbers in the same run, and what the validator's
// compiled plans cost in resident memory. See bench/README.md, section "phone"; run through bench/phone.sh.
//
//   phone_bench [--numbers N] [--seconds S] [--out FILE] [--commit REV]
#include <malloc.h>
#include <phonenumbers/phonenumberutil.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/phone.hpp"
#include "wagate/core/phone_metadata.hpp"
#include "wagate/core/phone_test_corpus.hpp"
#include "wagate/core/phone_validator.hpp"

namespace {

using i18n::phonenumbers::PhoneNumberUtil;

// Thirty regions where a campaign's recipients are likely: their own mobile example numbers with the
// last four digits drawn at random, and a tenth of them one digit short (mostly invalid), so both answers
// are measured.
constexpr const char* kRegions[] = {"ID", "IN", "BR", "MX", "US", "DE", "GB", "NG", "PK", "PH",
                                    "EG", "TR", "VN", "TH", "FR", "IT", "ES", "AR", "CO", "ZA",
                                    "KE", "SA", "AE", "MY", "RU", "JP", "KR", "CN", "AU", "CA"};

// VmRSS after handing freed heap back to the kernel (malloc_trim), so that memory freed earlier (building
// the corpus) and reused later does not hide what the validator holds.
long RssKb() {
  malloc_trim(0);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Bytes malloc has handed out and not taken back: finer than VmRSS, which moves by pages and may not
// move at all when freed memory is reused.
size_t HeapBytes() { return mallinfo2().uordblks; }

std::vector<std::string> Corpus(size_t count) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::vector<std::string> examples;
  for (const char* region : kRegions) {
    i18n::phonenumbers::PhoneNumber number;
    if (!util.GetExampleNumberForType(region, PhoneNumberUtil::MOBILE, &number)) continue;
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    examples.push_back(e164);
  }
  std::vector<std::string> corpus;
  uint64_t state = 42;
  for (size_t i = 0; i < count; ++i) {
    std::string number = examples[i % examples.size()];
    for (size_t d = number.size() - 4; d < number.size(); ++d) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      number[d] = static_cast<char>('0' + (state >> 33) % 10);
    }
    if (i % 10 == 9) number.pop_back();  // a tenth one digit short: mostly invalid
    corpus.push_back(number);
  }
  return corpus;
}

ssize_t Kb(size_t after, size_t before) { return (static_cast<ssize_t>(after) - static_cast<ssize_t>(before)) / 1024; }

// Passes over the corpus until `seconds` have gone by (at least one); µs per number.
double MicrosPerNumber(const std::vector<std::string>& corpus, double seconds,
                       const std::function<bool(const std::string&)>& validate, size_t* valid) {
  size_t done = 0;
  size_t valid_count = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (const std::string& number : corpus) valid_count += validate(number) ? 1 : 0;
    done += corpus.size();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  *valid = valid_count * corpus.size() / done;
  return elapsed * 1e6 / static_cast<double>(done);
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 100000;
  double seconds = 3;
  std::string out;
  std::string commit = "unknown";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--numbers") == 0) count = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
    if (std::strcmp(argv[i], "--out") == 0) out = argv[i + 1];
    if (std::strcmp(argv[i], "--commit") == 0) commit = argv[i + 1];
  }
  // libphonenumber builds the corpus, so its own memory is in the baseline below.
  const std::vector<std::string> corpus = Corpus(count);
  std::vector<std::string> digits;
  for (const std::string& number : corpus) digits.push_back(number.substr(1));

  const long rss_before = RssKb();
  const size_t heap_before = HeapBytes();
  const auto& metadata = wagate::core::PhoneMetadata::Instance();
  const long rss_loaded = RssKb();
  const size_t heap_loaded = HeapBytes();
  // First pass: compiles the plans of the thirty regions' codes (+1 compiles the 25 NANPA plans).
  const auto cold_start = std::chrono::steady_clock::now();
  size_t cold_valid = 0;
  for (const std::string& number : digits) cold_valid += wagate::core::ValidateInternationalNumber(number) ? 1 : 0;
  const double first_pass_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - cold_start).count();
  const long rss_compiled = RssKb();
  const size_t heap_compiled = HeapBytes();
  size_t mismatches = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    mismatches +=
        wagate::core::ValidateInternationalNumber(digits[i]) != wagate::core::LibphonenumberE164(corpus[i]) ? 1 : 0;
  }

  size_t valid_new = 0;
  size_t valid_normalize = 0;
  size_t valid_lib = 0;
  const double new_us = MicrosPerNumber(
      digits, seconds, [](const std::string& d) { return wagate::core::ValidateInternationalNumber(d).has_value(); },
      &valid_new);
  const double normalize_us = MicrosPerNumber(
      corpus, seconds, [](const std::string& n) { return wagate::core::NormalizePhoneNumber(n).has_value(); },
      &valid_normalize);
  const double lib_us = MicrosPerNumber(
      corpus, seconds, [](const std::string& n) { return wagate::core::LibphonenumberE164(n).has_value(); },
      &valid_lib);

  const double ratio = lib_us / new_us;
  std::printf("phone: %zu numbers of %zu regions (%zu valid), one thread\n", corpus.size(), std::size(kRegions),
              valid_new);
  std::printf("  validator (RE2)        %.3f us/number\n", new_us);
  std::printf("  NormalizePhoneNumber   %.3f us/number (separators, then the validator)\n", normalize_us);
  std::printf("  libphonenumber         %.3f us/number\n", lib_us);
  std::printf("  ratio libphonenumber / validator: %.1fx; 1,000,000 numbers: %.2f s vs %.2f s\n", ratio, new_us,
              lib_us);
  std::printf("  memory: metadata read: heap %+zd kB, VmRSS %+ld kB; %zu plans compiled: heap %+zd kB, VmRSS %+ld kB\n",
              Kb(heap_loaded, heap_before), rss_loaded - rss_before, metadata.compiled_count(),
              Kb(heap_compiled, heap_loaded), rss_compiled - rss_loaded);
  std::printf("  first pass (compiles as it goes): %.3f s; answers checked against libphonenumber: %zu mismatches\n",
              first_pass_s, mismatches);
  if (!out.empty()) {
    std::FILE* file = std::fopen(out.c_str(), "w");
    if (file == nullptr) {
      std::perror(out.c_str());
      return 1;
    }
    std::fprintf(file,
                 "{\n  \"schema\": 1,\n  \"benchmark\": \"phone\",\n  \"git_commit\": \"%s\",\n"
                 "  \"numbers\": %zu,\n  \"regions\": %zu,\n  \"valid\": %zu,\n  \"seconds_per_measure\": %.1f,\n"
                 "  \"headline\": {\n    \"validator_us_per_number\": %.3f,\n"
                 "    \"normalize_us_per_number\": %.3f,\n    \"libphonenumber_us_per_number\": %.3f,\n"
                 "    \"ratio\": %.1f,\n    \"plans_compiled\": %zu,\n    \"metadata_rss_kb\": %ld,\n"
                 "    \"compiled_plans_rss_kb\": %ld,\n    \"metadata_heap_kb\": %zd,\n"
                 "    \"compiled_plans_heap_kb\": %zd\n  },\n"
                 "  \"first_pass_s\": %.3f,\n  \"mismatches\": %zu,\n  \"ok\": %s\n}\n",
                 commit.c_str(), corpus.size(), std::size(kRegions), valid_new, seconds, new_us, normalize_us, lib_us,
                 ratio, metadata.compiled_count(), rss_loaded - rss_before, rss_compiled - rss_loaded,
                 Kb(heap_loaded, heap_before), Kb(heap_compiled, heap_loaded), first_pass_s, mismatches,
                 mismatches == 0 ? "true" : "false");
    std::fclose(file);
  }
  return mismatches == 0 ? 0 : 1;
}
