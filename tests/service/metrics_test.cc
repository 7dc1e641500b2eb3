// The metrics registry: exact Prometheus text for counters, gauges and histograms, label escaping,
// and counts that add up under concurrent updates.
#include "service/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace guanxi::service {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndCumulativeHistograms) {
  Metrics m;
  m.Describe("orders_total", MetricType::kCounter, "Orders paid.");
  m.Add("orders_total", {{"plan", "699"}}, 2);
  m.Add("orders_total", {{"plan", "699"}});
  m.Add("orders_total", {{"plan", "two-level"}}, 1);
  m.Set("queue_depth", {}, 4);
  double bounds[] = {0.25, 1};
  m.DescribeHistogram("latency_seconds", "Latency.\nSecond line \\ here.", bounds);
  m.Observe("latency_seconds", {{"route", "/a"}}, 0.125);
  m.Observe("latency_seconds", {{"route", "/a"}}, 0.25);  // a bound is inclusive
  m.Observe("latency_seconds", {{"route", "/a"}}, 0.5);
  m.Observe("latency_seconds", {{"route", "/a"}}, 3);

  EXPECT_EQ(m.Render(),
            "# HELP latency_seconds Latency.\\nSecond line \\\\ here.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/a\",le=\"0.25\"} 2\n"
            "latency_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
            "latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{route=\"/a\"} 3.875\n"
            "latency_seconds_count{route=\"/a\"} 4\n"
            "# HELP orders_total Orders paid.\n"
            "# TYPE orders_total counter\n"
            "orders_total{plan=\"699\"} 3\n"
            "orders_total{plan=\"two-level\"} 1\n"
            "# HELP queue_depth \n"
            "# TYPE queue_depth gauge\n"
            "queue_depth 4\n");
  EXPECT_EQ(m.Value("orders_total", {{"plan", "699"}}), 3);
  EXPECT_EQ(m.Value("latency_seconds", {{"route", "/a"}}), 4);
  EXPECT_EQ(m.Value("orders_total", {{"plan", "none"}}), 0);
}

TEST(MetricsTest, EscapesLabelValues) {
  Metrics m;
  m.Add("x_total", {{"v", "a\"b\\c\nd"}});
  EXPECT_NE(m.Render().find("x_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << m.Render();
}

TEST(MetricsTest, DefaultHistogramBuckets) {
  Metrics m;
  m.Observe("h", {}, 0.003);
  std::string text = m.Render();
  EXPECT_NE(text.find("h_bucket{le=\"0.0025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"2.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_count 1\n"), std::string::npos) << text;
}

TEST(MetricsTest, ConcurrentUpdatesAllCount) {
  Metrics m;
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        m.Add("req_total", {{"route", "/r"}, {"status", "200"}});
        m.Observe("req_seconds", {{"route", "/r"}}, 0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.Value("req_total", {{"route", "/r"}, {"status", "200"}}), kThreads * kEach);
  EXPECT_EQ(m.Value("req_seconds", {{"route", "/r"}}), kThreads * kEach);
}

}  // namespace
}  // namespace guanxi::service
