// libphonenumber's numbering plans, indexed by country calling code and compiled with RE2 on first use.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "wagate/core/phone_plan.hpp"

namespace wagate::core {

// The plans of the metadata compiled into libphonenumber (metadata_get()), read once. A plan's patterns
// are compiled the first time a number needs them, so a process holds only the regions it has seen.
// Thread-safe: any number of threads may validate at once.
class PhoneMetadata final {
 public:
  // The process's instance: libphonenumber's metadata is fixed data of the library, read once.
  static const PhoneMetadata& Instance();

  explicit PhoneMetadata(std::vector<PlanSource> sources);
  ~PhoneMetadata();
  PhoneMetadata(const PhoneMetadata&) = delete;
  PhoneMetadata& operator=(const PhoneMetadata&) = delete;

  // The plans of a country calling code in libphonenumber's order (the main country first, then as
  // listed in the metadata); empty when the code is not assigned.
  std::span<const uint16_t> PlansFor(int calling_code) const;
  // Compiles the plan on first use.
  const CompiledPlan& Plan(size_t index) const;

  size_t plan_count() const { return sources_.size(); }
  const PlanSource& source(size_t index) const { return sources_[index]; }
  // How many plans have been compiled so far (for memory reports).
  size_t compiled_count() const;

 private:
  struct Slot;
  std::vector<PlanSource> sources_;
  std::vector<std::vector<uint16_t>> by_calling_code_;  // index: the code (< 1000)
  std::unique_ptr<Slot[]> slots_;
  mutable std::atomic<size_t> compiled_{0};
};

// Reads the metadata compiled into libphonenumber. When it cannot be parsed (a broken installation) it
// logs an error and returns no plan, so every number is refused — what libphonenumber itself does.
std::vector<PlanSource> LoadLibphonenumberMetadata();

}  // namespace wagate::core
