#include "wagate/engine/lane_metrics.hpp"

namespace wagate::engine {
namespace {

std::string Series(const char* name, const std::string& labels, uint64_t n) {
  return std::string(name) + "{" + labels + "} " + std::to_string(n) + "\n";
}

std::string OutletLabel(const LaneView& v) { return "outlet=\"" + v.outlet_id + "\""; }

// One family: its HELP and TYPE lines, then each lane's series.
template <typename SeriesOf>
void Family(const std::vector<LaneView>& lanes, const char* name, const char* type, const char* help,
            SeriesOf series_of, std::string* out) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  for (const auto& v : lanes) *out += series_of(v);
}

}  // namespace

void RenderLaneMetrics(const std::vector<LaneView>& lanes, std::string* out) {
  Family(
      lanes, "wagate_lane_queue_depth", "gauge", "Messages waiting in a lane",
      [](const LaneView& v) {
        const auto& s = v.snapshot;
        return Series("wagate_lane_queue_depth", OutletLabel(v), s.ready_transactional + s.ready_bulk + s.waiting);
      },
      out);
  Family(
      lanes, "wagate_lane_in_flight", "gauge", "Graph requests in flight per lane",
      [](const LaneView& v) { return Series("wagate_lane_in_flight", OutletLabel(v), v.snapshot.in_flight); }, out);
  Family(
      lanes, "wagate_lane_dispatched_total", "counter", "Messages dispatched per lane",
      [](const LaneView& v) {
        return Series("wagate_lane_dispatched_total", OutletLabel(v), v.snapshot.counters.dispatched);
      },
      out);
  Family(
      lanes, "wagate_lane_deferrals_total", "counter", "Messages held back by a limit, by reason",
      [](const LaneView& v) {
        std::string l = OutletLabel(v) + ",reason=";
        return Series("wagate_lane_deferrals_total", l + "\"pair_rate\"", v.snapshot.counters.deferred_pair_rate) +
               Series("wagate_lane_deferrals_total", l + "\"messaging_tier\"",
                      v.snapshot.counters.deferred_messaging_tier);
      },
      out);
  Family(
      lanes, "wagate_lane_throttled_total", "counter", "Throttling answers from Graph, by code",
      [](const LaneView& v) {
        std::string l = OutletLabel(v) + ",code=";
        return Series("wagate_lane_throttled_total", l + "\"130429\"", v.snapshot.counters.throttled) +
               Series("wagate_lane_throttled_total", l + "\"131056\"", v.snapshot.counters.pair_throttled);
      },
      out);
}

void AddLaneMetrics(metrics::Registry& metrics, const Dispatcher& dispatcher) {
  metrics.AddCollector([&dispatcher](std::string* out) { RenderLaneMetrics(dispatcher.Lanes(), out); });
}

}  // namespace wagate::engine
