// How one broker link (the command consumer's or the event publisher's connection) stands: shown in
// /readyz and as metrics. Written by the link's thread, read by any.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace wagate::broker {

class LinkHealth final {
 public:
  void Connected(int64_t now_ms) {
    std::lock_guard lock(mu_);
    connected_ = true;
    since_ms_ = now_ms;
    last_error_.clear();
  }
  void Lost(const std::string& error, int64_t now_ms) {
    std::lock_guard lock(mu_);
    if (connected_) ++reconnects_;
    connected_ = false;
    since_ms_ = now_ms;
    last_error_ = error;
  }
  bool connected() const {
    std::lock_guard lock(mu_);
    return connected_;
  }
  uint64_t reconnects() const {
    std::lock_guard lock(mu_);
    return reconnects_;
  }
  nlohmann::json ToJson(int64_t now_ms) const {
    std::lock_guard lock(mu_);
    nlohmann::json j = {
        {"connected", connected_}, {"for_s", since_ms_ ? (now_ms - since_ms_) / 1000 : 0}, {"reconnects", reconnects_}};
    if (!last_error_.empty()) j["last_error"] = last_error_;
    return j;
  }

 private:
  mutable std::mutex mu_;
  bool connected_ = false;
  int64_t since_ms_ = 0;
  uint64_t reconnects_ = 0;  // connections lost after being up
  std::string last_error_;
};

}  // namespace wagate::broker
