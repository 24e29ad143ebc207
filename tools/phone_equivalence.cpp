// One-off equivalence check, far larger than the unit test's: the validator against libphonenumber
// (Parse "ZZ" + IsValidNumber + Format E164) on millions of numbers from phone_test_corpus.hpp. Run it
// when Debian's libphonenumber changes:
//   cmake --build build --target phone_equivalence && build/phone_equivalence [SCALE] [THREADS] [SEED]
// SCALE multiplies the unit test's corpus sizes, and adds a sweep of every three-digit start of every
// calling code at every length (default 50: ~4 million numbers). Prints every mismatch
// (at most 50) and the totals; exits 1 on any mismatch.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wagate/core/phone_metadata.hpp"
#include "wagate/core/phone_test_corpus.hpp"
#include "wagate/core/phone_validator.hpp"

namespace {}  // namespace

int main(int argc, char** argv) {
  const int scale = argc > 1 ? std::atoi(argv[1]) : 50;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 20261204;
  wagate::core::PhoneCorpusSize size;
  size.mutations_per_example *= scale;
  size.random_per_length *= scale;
  size.prefixed_per_length *= scale;
  size.unassigned_per_length *= scale;
  size.sweep_per_start = std::max(1, scale / 25);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> corpus = wagate::core::PhoneCorpusBuilder(seed).Build(size);
  std::printf("corpus: %zu numbers (scale %d, seed %llu)\n", corpus.size(), scale,
              static_cast<unsigned long long>(seed));
  std::atomic<size_t> next{0}, valid{0}, mismatches{0};
  std::mutex print;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < corpus.size();) {
        const std::optional<std::string> expected = wagate::core::LibphonenumberE164("+" + corpus[i]);
        const std::optional<std::string> actual = wagate::core::ValidateInternationalNumber(corpus[i]);
        if (expected) valid.fetch_add(1);
        if (expected != actual && mismatches.fetch_add(1) < 50) {
          std::lock_guard lock(print);
          std::printf("MISMATCH +%s: libphonenumber %s, validator %s\n", corpus[i].c_str(),
                      expected.value_or("invalid").c_str(), actual.value_or("invalid").c_str());
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("checked %zu numbers (%zu valid) in %.1f s: %zu mismatches; plans compiled %zu of %zu\n", corpus.size(),
              valid.load(), seconds, mismatches.load(), wagate::core::PhoneMetadata::Instance().compiled_count(),
              wagate::core::PhoneMetadata::Instance().plan_count());
  return mismatches.load() == 0 ? 0 : 1;
}
