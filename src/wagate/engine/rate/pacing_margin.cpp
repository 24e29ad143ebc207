#include "wagate/engine/rate/pacing_margin.hpp"

#include <algorithm>

namespace wagate::engine {

int64_t PacingMargin::CurrentMs() const {
  int64_t stall = stalls_ ? stalls_(clock_.NowMs() - settings_.memory_ms) : 0;
  // The floor is never lowered, even when the cap is set below it.
  return std::max(settings_.floor_ms, std::min(settings_.max_ms, settings_.floor_ms + stall));
}

}  // namespace wagate::engine
