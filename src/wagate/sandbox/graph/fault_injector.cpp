#include "wagate/sandbox/graph/fault_injector.hpp"

namespace wagate::sandbox {
namespace {

bool IsRate(double r) { return r >= 0.0 && r <= 1.0; }  // also false for NaN

}  // namespace

std::string FaultSettings::Validate() const {
  struct Named {
    const char* name;
    double value;
  };
  for (Named n :
       {Named{"fail_rate", fail_rate}, Named{"timeout_rate", timeout_rate}, Named{"throttle_rate", throttle_rate},
        Named{"error_rate", error_rate}, Named{"duplicate_rate", duplicate_rate}}) {
    if (!IsRate(n.value)) return std::string(n.name) + " must be between 0 and 1";
  }
  if (error_rate > 0 && !error_code) return "error_rate needs error_code";
  if (error_code && *error_code < 0) return "error_code must be a Graph error code (0 or more)";
  return {};
}

FaultInjector::FaultInjector(FaultSettings settings, uint64_t seed) : seed_(seed), settings_(settings), rng_(seed) {}

double FaultInjector::Draw() { return uniform_(rng_); }

FaultDecision FaultInjector::RollRequest() {
  std::lock_guard lock(mu_);
  const FaultSettings& s = settings_;
  if (s.fail_rate + s.timeout_rate + s.throttle_rate + s.error_rate <= 0) return {};
  double u = Draw();
  double edge = s.fail_rate;
  if (u < edge) return {FaultDecision::Kind::kFail, 131000};
  edge += s.timeout_rate;
  if (u < edge) return {FaultDecision::Kind::kTimeout, 2};
  edge += s.throttle_rate;
  if (u < edge) return {FaultDecision::Kind::kThrottle, 130429};
  edge += s.error_rate;
  if (s.error_code && u < edge) return {FaultDecision::Kind::kError, *s.error_code};
  return {};
}

bool FaultInjector::RollDuplicate() {
  std::lock_guard lock(mu_);
  if (settings_.duplicate_rate <= 0) return false;
  return Draw() < settings_.duplicate_rate;
}

FaultSettings FaultInjector::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

std::string FaultInjector::Update(const FaultSettings& settings) {
  std::string problem = settings.Validate();
  if (!problem.empty()) return problem;
  std::lock_guard lock(mu_);
  settings_ = settings;
  return {};
}

}  // namespace wagate::sandbox
