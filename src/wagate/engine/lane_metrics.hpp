// The per-lane Prometheus series (queue depth, in flight, dispatched, deferrals, throttling), one
// series per lane, read from the dispatcher whenever /metrics is rendered.
#pragma once

#include <string>
#include <vector>

#include "wagate/engine/dispatcher.hpp"
#include "wagate/metrics/registry.hpp"

namespace wagate::engine {

// Appends every lane family, in Prometheus text format, to `out`.
void RenderLaneMetrics(const std::vector<LaneView>& lanes, std::string* out);

// Registers the collector that renders them; `dispatcher` must outlive `metrics`' last rendering.
void AddLaneMetrics(metrics::Registry& metrics, const Dispatcher& dispatcher);

}  // namespace wagate::engine
