// For tests of code that runs on its own threads: wait for a condition, never for a fixed time.
#pragma once

#include <chrono>
#include <thread>

namespace wagate::core {

// Spins (yielding) until `fn` holds. Real time bounds only a hang, generously (60 s), so a loaded
// machine never trips it; false when it never held.
template <typename Fn>
bool Eventually(Fn fn) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fn()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace wagate::core
