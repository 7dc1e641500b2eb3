// The simulation report as one self-contained HTML page: the figures of the JSON report in tables
// and inline SVG line charts drawn here, with no script and no external URL, so the page can be
// saved, mailed and opened offline. Deterministic: the same report gives the same bytes.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/money.h"
#include "sim/simulation.h"

namespace guanxi::sim {
namespace {

namespace json = boost::json;

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Fixed(double v, int places) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(places);
  os << v;
  return os.str();
}

std::string Pct(const json::value& v) { return Fixed(v.to_number<double>() * 100, 1) + "%"; }
std::string Yuan(const json::value& v) { return core::FormatYuan(v.to_number<int64_t>()); }

// Thousands separators for display: 1234567 → "1,234,567".
std::string Grouped(double v) {
  const bool neg = v < 0;
  std::string digits = Fixed(std::fabs(v), 0);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (neg ? "-" : "") + out;
}

struct Series {
  std::string name;
  std::vector<double> y;
};

std::vector<double> Numbers(const json::value& v, double scale = 1.0) {
  std::vector<double> out;
  for (const json::value& x : v.as_array()) out.push_back(x.to_number<double>() * scale);
  return out;
}

std::vector<double> Cumulative(std::vector<double> v) {
  for (size_t i = 1; i < v.size(); ++i) v[i] += v[i - 1];
  return v;
}

// A step of 1, 2 or 5 × 10^k giving about `ticks` ticks over `range`.
double NiceStep(double range, int ticks) {
  if (range <= 0) return 1;
  const double raw = range / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

std::string Label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return Fixed(v / 1e9, a >= 1e10 ? 0 : 1) + "G";
  if (a >= 1e6) return Fixed(v / 1e6, a >= 1e7 ? 0 : 1) + "M";
  if (a >= 1e4) return Fixed(v / 1e3, 0) + "k";
  if (a >= 10 || v == std::floor(v)) return Fixed(v, 0);
  return Fixed(v, 2);
}

// An SVG line chart of series over x = 1..n (or the given x values), with axes, ticks and a legend.
std::string LineChart(const std::string& title, const std::string& y_unit,
                      const std::vector<Series>& series, const std::string& x_label = "day",
                      std::vector<double> x = {}) {
  constexpr double W = 760, H = 300, L = 70, R = 20, B = 40;
  // The legend flows in rows under the title; the plot starts below it.
  std::vector<std::pair<double, double>> legend;  // x, y of each series' key
  double lx = L + 10, ly = 30;
  for (const Series& s : series) {
    const double width = 24 + 6.5 * static_cast<double>(s.name.size());
    if (lx + width > W - R && lx > L + 10) {
      lx = L + 10;
      ly += 14;
    }
    legend.emplace_back(lx, ly);
    lx += width;
  }
  const double T = ly + 10;
  size_t n = 0;
  double lo = 0, hi = 0;
  for (const Series& s : series) {
    n = std::max(n, s.y.size());
    for (double v : s.y) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (x.empty()) {
    for (size_t i = 0; i < n; ++i) x.push_back(static_cast<double>(i + 1));
  }
  const double x0 = x.empty() ? 0 : x.front(), x1 = x.empty() ? 1 : std::max(x.back(), x0 + 1);
  if (hi <= lo) hi = lo + 1;
  const double step = NiceStep(hi - lo, 5);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const auto px = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
  const auto py = [&](double v) { return H - B - (v - lo) / (hi - lo) * (H - T - B); };
  std::ostringstream os;
  os << "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << W << " " << H
     << "\" role=\"img\" aria-label=\"" << Escape(title) << "\">\n";
  os << "<text x=\"" << L << "\" y=\"16\" class=\"t\">" << Escape(title) << " (" << Escape(y_unit)
     << ")</text>\n";
  for (double v = lo; v <= hi + step / 2; v += step) {
    os << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << Fixed(py(v), 1) << "\" y2=\""
       << Fixed(py(v), 1) << "\" class=\"g\"/><text x=\"" << L - 6 << "\" y=\""
       << Fixed(py(v) + 4, 1) << "\" class=\"yl\">" << Label(v) << "</text>\n";
  }
  const double xstep = NiceStep(x1 - x0, 8);
  for (double v = std::ceil(x0 / xstep) * xstep; v <= x1 + 1e-9; v += xstep) {
    os << "<text x=\"" << Fixed(px(v), 1) << "\" y=\"" << H - B + 16 << "\" class=\"xl\">"
       << Label(v) << "</text>\n";
  }
  os << "<text x=\"" << W - R << "\" y=\"" << H - 4 << "\" class=\"yl\">" << Escape(x_label)
     << "</text>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const char* color = kColors[k % std::size(kColors)];
    os << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < s.y.size() && i < x.size(); ++i) {
      os << (i ? " " : "") << Fixed(px(x[i]), 1) << "," << Fixed(py(s.y[i]), 1);
    }
    os << "\"/>\n";
    const auto [kx, ky] = legend[k];
    os << "<rect x=\"" << kx << "\" y=\"" << ky - 8 << "\" width=\"10\" height=\"3\" fill=\""
       << color << "\"/><text x=\"" << kx + 14 << "\" y=\"" << ky - 3 << "\" class=\"lg\">"
       << Escape(s.name) << "</text>\n";
  }
  os << "</svg></figure>\n";
  return os.str();
}

void Row(std::ostringstream& os, const std::string& k, const std::string& v) {
  os << "<tr><th>" << Escape(k) << "</th><td>" << Escape(v) << "</td></tr>\n";
}

}  // namespace

std::string ReportHtml(const json::value& report) {
  const json::object& r = report.as_object();
  const json::object& sum = r.at("summary").as_object();
  const json::object& tot = r.at("totals").as_object();
  const json::object& earn = r.at("earnings").as_object();
  const json::object& daily = r.at("daily").as_object();
  std::ostringstream os;
  const std::string title = "Simulation: " + std::string(r.at("plan").as_string()) + " × " +
                            std::string(r.at("scenario").at("name").as_string());
  os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << Escape(title)
     << "</title>\n"
     << "<style>body{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}th,td{border-bottom:1px solid "
        "#ddd;padding:3px 10px;"
        "text-align:left}td{text-align:right}.notice{background:#fff4d6;padding:.6em "
        "1em;border-left:4px solid #e0a800}"
        "figure{margin:1em 0}svg{width:100%;height:auto}.t{font-size:14px;font-weight:bold}"
        ".g{stroke:#eee}.yl{font-size:11px;text-anchor:end;fill:#555}.xl{font-size:11px;text-"
        "anchor:middle;fill:#555}"
        ".lg{font-size:11px;fill:#333}li{margin:.5em 0}</style></head><body>\n";
  os << "<h1>" << Escape(title) << "</h1>\n<p class=\"notice\">"
     << Escape(std::string(r.at("notice").as_string())) << "</p>\n";
  os << "<h2>Summary</h2><table>\n";
  Row(os, "days",
      std::to_string(r.at("days_run").to_number<int64_t>()) + " of " +
          std::to_string(r.at("scenario").at("days").to_number<int64_t>()) + ", seed " +
          std::to_string(r.at("scenario").at("seed").to_number<uint64_t>()));
  Row(os, "members", Grouped(sum.at("members").to_number<double>()));
  Row(os, "orders", Grouped(sum.at("orders").to_number<double>()));
  Row(os, "net sales (yuan)", Yuan(tot.at("net_sales")));
  Row(os, "rewards paid, net of refunds (yuan)", Yuan(tot.at("rewards_net")));
  Row(os, "pool contributions / paid out (yuan)",
      Yuan(tot.at("pool_contributions")) + " / " + Yuan(tot.at("pool_payouts")));
  Row(os, "payout ratio (rewards and pools / net sales)", Pct(sum.at("payout_ratio")));
  Row(os, "platform margin (yuan)",
      Yuan(tot.at("platform_margin")) + " = " + Pct(sum.at("margin_ratio")));
  Row(os, "members who paid", Grouped(earn.at("participants").to_number<double>()));
  if (earn.contains("median")) {
    Row(os, "earnings median / p90 / p99 (yuan)",
        Yuan(earn.at("median")) + " / " + Yuan(earn.at("p90")) + " / " + Yuan(earn.at("p99")));
    Row(os, "top 1% share of earnings, Gini",
        Pct(earn.at("top1_share")) + ", " + Fixed(earn.at("gini").to_number<double>(), 3));
    Row(os, "earned back what they paid (回本率)", Pct(earn.at("recovered_share")));
    Row(os, "never recovered their spend", Pct(earn.at("never_recovered_share")));
  }
  Row(os, "deepest member / mean depth",
      std::to_string(r.at("depth").at("max").to_number<int64_t>()) + " / " +
          Fixed(r.at("depth").at("mean").to_number<double>(), 1));
  Row(os, "report totals equal the engine's ledger",
      r.at("conservation").at("ok").as_bool() ? "yes" : "NO");
  os << "</table>\n";

  std::vector<Series> ranks;
  for (const auto& kv : daily.at("members_by_rank").as_object())
    ranks.push_back({std::string(kv.key()), Numbers(kv.value())});
  os << "<h2>Members</h2>\n" << LineChart("Members by rank", "people", ranks);
  os << LineChart("New members and package buyers per day", "people",
                  {{"joined", Numbers(daily.at("joined"))},
                   {"bought the package", Numbers(daily.at("package_buyers"))},
                   {"active sharers", Numbers(daily.at("active"))}});

  std::vector<double> paid(Numbers(daily.at("sales")).size(), 0.0);
  for (const auto& kv : daily.at("payouts").as_object()) {
    const std::vector<double> v = Numbers(kv.value(), 0.01);
    for (size_t i = 0; i < v.size(); ++i) paid[i] += v[i];
  }
  const std::vector<double> pools = Numbers(daily.at("pool_contributions"), 0.01);
  for (size_t i = 0; i < pools.size(); ++i) paid[i] += pools[i];
  os << "<h2>Money</h2>\n"
     << LineChart("Per day", "yuan",
                  {{"sales", Numbers(daily.at("sales"), 0.01)},
                   {"rewards and pool contributions", paid},
                   {"refunds", Numbers(daily.at("refunds"), 0.01)},
                   {"platform margin", Numbers(daily.at("margin"), 0.01)}});
  os << LineChart("Cumulative", "yuan",
                  {{"sales", Cumulative(Numbers(daily.at("sales"), 0.01))},
                   {"rewards and pool contributions", Cumulative(paid)},
                   {"platform margin", Cumulative(Numbers(daily.at("margin"), 0.01))}});
  std::vector<Series> rules;
  for (const auto& kv : daily.at("payouts").as_object()) {
    rules.push_back({std::string(kv.key()), Cumulative(Numbers(kv.value(), 0.01))});
  }
  rules.push_back({"pool payouts", Cumulative(Numbers(daily.at("pool_payouts"), 0.01))});
  os << LineChart("Cumulative payouts by rule (gross of refunds)", "yuan", rules);

  os << "<h2>Margin per unit</h2><table><tr><th>product</th><th>units</th><th>price</th>"
        "<th>margin per unit</th><th>nominal (price − most the plan pays)</th></tr>\n";
  for (const json::value& p : r.at("products").as_array()) {
    os << "<tr><th>" << Escape(std::string(p.at("sku").as_string())) << "</th><td>"
       << Grouped(p.at("units").to_number<double>()) << "</td><td>" << Yuan(p.at("price"))
       << "</td><td>" << Fixed(p.at("margin_per_unit").to_number<double>() / 100, 2) << "</td><td>"
       << Yuan(p.at("nominal_margin_per_unit")) << "</td></tr>\n";
  }
  os << "</table>\n";

  if (earn.contains("lorenz")) {
    std::vector<double> x, line;
    for (int i = 0; i <= 20; ++i) {
      x.push_back(i * 5.0);
      line.push_back(i * 5.0);
    }
    std::vector<double> lorenz = Numbers(earn.at("lorenz"), 100.0);
    os << "<h2>Who earns</h2>\n"
       << LineChart("Share of all earnings held by the poorest x% of members who paid", "%",
                    {{"Lorenz curve", lorenz}, {"equal shares", line}}, "% of members who paid", x);
  }
  std::vector<double> depth = Numbers(r.at("depth").at("histogram"));
  std::vector<double> dx;
  for (size_t i = 0; i < depth.size(); ++i) dx.push_back(static_cast<double>(i));
  os << LineChart("Members by depth in the referral tree (30: 30 and deeper)", "people",
                  {{"members", depth}}, "depth", dx);
  os << "<table><tr><th>direct referrals</th><th>members</th></tr>\n";
  for (const auto& kv : r.at("legs").at("directs").as_object()) {
    os << "<tr><th>" << Escape(std::string(kv.key())) << "</th><td>"
       << Grouped(kv.value().to_number<double>()) << "</td></tr>\n";
  }
  os << "</table>\n";

  const json::object& lint = r.at("lint").as_object();
  os << "<h2>Plan lint</h2>\n<ol>\n";
  for (const json::value& f : lint.at("findings").as_array()) {
    os << "<li><b>" << Escape(std::string(f.at("title").as_string())) << "</b> <code>"
       << Escape(std::string(f.at("code").as_string())) << "</code><br>"
       << Escape(std::string(f.at("reference").as_string())) << "<br><i>Trigger:</i> "
       << Escape(std::string(f.at("trigger").as_string())) << "<br><i>Change:</i> "
       << Escape(std::string(f.at("fix").as_string())) << "</li>\n";
  }
  os << "</ol>\n<p class=\"notice\">" << Escape(std::string(lint.at("notice").as_string()))
     << "</p>\n</body></html>\n";
  return os.str();
}

}  // namespace guanxi::sim
