// A small registry of counters, gauges and histograms with string labels, rendered in the
// Prometheus text exposition format (version 0.0.4). Thread-safe: every method may be called from
// any thread; one mutex guards the registry (an update is a map lookup and an add under it).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guanxi::service {

enum class MetricType { kCounter, kGauge, kHistogram };

// A label as name and value; the value may be any text (it is escaped on rendering).
using Label = std::pair<std::string_view, std::string_view>;

class Metrics {
 public:
  // Bucket upper bounds in seconds for request latencies (the +Inf bucket is implied).
  static constexpr double kDefaultBuckets[] = {.0005, .001, .0025, .005, .01, .025,
                                               .05,   .1,   .25,   .5,   1,   2.5};

  // Declares a family with its type and help text. Optional: a family first used by Add is a
  // counter, by Set a gauge, by Observe a histogram with kDefaultBuckets, each with empty help.
  // Describing a family again replaces its help text; its type and buckets stay.
  void Describe(std::string_view name, MetricType type, std::string_view help);
  // A histogram with its own bucket upper bounds (ascending, without +Inf).
  void DescribeHistogram(std::string_view name, std::string_view help,
                         std::span<const double> bounds);

  // Labels name one series of a family: pass them in the same order every time (the order is part
  // of the series' identity and of the rendered text). An update whose family was declared with
  // another type is ignored (a programming error; asserted in debug builds).
  void Add(std::string_view name, std::initializer_list<Label> labels, double delta = 1) {
    Add(name, std::span<const Label>(labels.begin(), labels.size()), delta);
  }
  void Add(std::string_view name, std::span<const Label> labels, double delta);
  void Set(std::string_view name, std::initializer_list<Label> labels, double value) {
    Set(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }
  void Set(std::string_view name, std::span<const Label> labels, double value);
  void Observe(std::string_view name, std::initializer_list<Label> labels, double value) {
    Observe(name, std::span<const Label>(labels.begin(), labels.size()), value);
  }
  void Observe(std::string_view name, std::span<const Label> labels, double value);

  // The current value of a counter or gauge series, or a histogram series' count; 0 when absent.
  // For tests and health checks.
  double Value(std::string_view name, std::initializer_list<Label> labels) const;

  // Every family in name order, every series in label order.
  std::string Render() const;

 private:
  struct Series {
    double value = 0;               // counter, gauge; histogram sum
    uint64_t count = 0;             // histogram
    std::vector<uint64_t> buckets;  // histogram, not cumulative; size bounds.size()
  };
  struct Family {
    MetricType type = MetricType::kCounter;
    std::string help;
    std::vector<double> bounds;
    std::map<std::string, Series, std::less<>> series;  // key: rendered labels `a="x",b="y"`
  };

  // REQUIRES: mu_ held.
  Family& FamilyFor(std::string_view name, MetricType type);
  Series* SeriesFor(std::string_view name, MetricType type, std::span<const Label> labels);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::string key_;  // scratch for the label key; guarded by mu_
};

}  // namespace guanxi::service
