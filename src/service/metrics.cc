// Metrics registry and its Prometheus text rendering. Thread-safe (one mutex).
#include "service/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace guanxi::service {
namespace {

// Label values escape backslash, double quote and newline; help text escapes backslash and newline.
void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendKey(std::string& out, std::span<const Label> labels) {
  out.clear();
  for (const Label& l : labels) {
    if (!out.empty()) out += ',';
    out += l.first;
    out += "=\"";
    AppendEscaped(out, l.second, true);
    out += '"';
  }
}

void AppendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void AppendNumber(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// name{key} or name{key,extra} or name
void AppendSeriesName(std::string& out, std::string_view name, std::string_view suffix,
                      std::string_view key, std::string_view extra = {}) {
  out += name;
  out += suffix;
  if (key.empty() && extra.empty()) return;
  out += '{';
  out += key;
  if (!key.empty() && !extra.empty()) out += ',';
  out += extra;
  out += '}';
}

}  // namespace

void Metrics::Describe(std::string_view name, MetricType type, std::string_view help) {
  std::lock_guard lock(mu_);
  Family& f = FamilyFor(name, type);
  f.help = help;
}

void Metrics::DescribeHistogram(std::string_view name, std::string_view help,
                                std::span<const double> bounds) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{}).first;
    it->second.type = MetricType::kHistogram;
    it->second.bounds.assign(bounds.begin(), bounds.end());
    std::sort(it->second.bounds.begin(), it->second.bounds.end());
  }
  it->second.help = help;
}

Metrics::Family& Metrics::FamilyFor(std::string_view name, MetricType type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{}).first;
    it->second.type = type;
    if (type == MetricType::kHistogram) {
      it->second.bounds.assign(std::begin(kDefaultBuckets), std::end(kDefaultBuckets));
    }
  }
  return it->second;
}

Metrics::Series* Metrics::SeriesFor(std::string_view name, MetricType type,
                                    std::span<const Label> labels) {
  Family& f = FamilyFor(name, type);
  if (f.type != type) {
    assert(false && "metric updated as another type than it was declared");
    return nullptr;
  }
  AppendKey(key_, labels);
  auto it = f.series.find(key_);
  if (it == f.series.end()) {
    it = f.series.emplace(key_, Series{}).first;
    if (type == MetricType::kHistogram) it->second.buckets.assign(f.bounds.size(), 0);
  }
  return &it->second;
}

void Metrics::Add(std::string_view name, std::span<const Label> labels, double delta) {
  std::lock_guard lock(mu_);
  if (Series* s = SeriesFor(name, MetricType::kCounter, labels)) s->value += delta;
}

void Metrics::Set(std::string_view name, std::span<const Label> labels, double value) {
  std::lock_guard lock(mu_);
  if (Series* s = SeriesFor(name, MetricType::kGauge, labels)) s->value = value;
}

void Metrics::Observe(std::string_view name, std::span<const Label> labels, double value) {
  std::lock_guard lock(mu_);
  Series* s = SeriesFor(name, MetricType::kHistogram, labels);
  if (s == nullptr) return;
  const std::vector<double>& bounds = families_.find(name)->second.bounds;
  // The first bucket whose upper bound holds the value; past the end is the +Inf bucket only.
  auto b = std::lower_bound(bounds.begin(), bounds.end(), value);
  if (b != bounds.end()) ++s->buckets[static_cast<size_t>(b - bounds.begin())];
  ++s->count;
  s->value += value;
}

double Metrics::Value(std::string_view name, std::initializer_list<Label> labels) const {
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  std::string key;
  AppendKey(key, std::span<const Label>(labels.begin(), labels.size()));
  auto s = f->second.series.find(key);
  if (s == f->second.series.end()) return 0;
  return f->second.type == MetricType::kHistogram ? static_cast<double>(s->second.count)
                                                  : s->second.value;
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  out.reserve(256 * families_.size());
  for (const auto& [name, f] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscaped(out, f.help, false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += TypeName(f.type);
    out += '\n';
    for (const auto& [key, s] : f.series) {
      if (f.type != MetricType::kHistogram) {
        AppendSeriesName(out, name, "", key);
        out += ' ';
        AppendNumber(out, s.value);
        out += '\n';
        continue;
      }
      uint64_t cumulative = 0;
      std::string le;
      for (size_t i = 0; i <= f.bounds.size(); ++i) {
        le = "le=\"";
        if (i < f.bounds.size()) {
          cumulative += s.buckets[i];
          AppendNumber(le, f.bounds[i]);
        } else {
          cumulative = s.count;
          le += "+Inf";
        }
        le += '"';
        AppendSeriesName(out, name, "_bucket", key, le);
        out += ' ';
        AppendNumber(out, cumulative);
        out += '\n';
      }
      AppendSeriesName(out, name, "_sum", key);
      out += ' ';
      AppendNumber(out, s.value);
      out += '\n';
      AppendSeriesName(out, name, "_count", key);
      out += ' ';
      AppendNumber(out, s.count);
      out += '\n';
    }
  }
  return out;
}

}  // namespace guanxi::service
