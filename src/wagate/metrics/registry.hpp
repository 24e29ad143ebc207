// In-process metrics rendered as Prometheus text: counters, gauges (read on scrape) and histograms.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wagate::metrics {

class Counter final {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Histogram final {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// Thread-safe. Families are created on first use; the returned pointers stay valid for the
// registry's life, so hot paths look a series up once and keep the pointer.
class Registry final {
 public:
  // labels: a rendered label set such as `route="/x",code="200"` (may be empty).
  Counter* GetCounter(const std::string& name, const std::string& help, const std::string& labels = "");
  Histogram* GetHistogram(const std::string& name, const std::string& help, const std::string& labels = "");
  void AddGauge(const std::string& name, const std::string& help, std::function<double()> read);
  // Renders families whose series come and go (one per lane): appends complete Prometheus text.
  void AddCollector(std::function<void(std::string* out)> collect);
  std::string RenderPrometheus() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::function<double()> gauge;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void(std::string*)>> collectors_;
};

// Latency buckets in seconds, 0.5 ms … 30 s.
std::vector<double> DefaultLatencyBuckets();
std::string EscapeLabel(const std::string& value);

}  // namespace wagate::metrics
