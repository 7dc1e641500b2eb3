// Router matching and the Request/Response helpers. The router is read-only once the server runs.
#include "http/router.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <stdexcept>

namespace guanxi::http {
namespace {

namespace bhttp = boost::beast::http;

std::vector<std::string> SplitPattern(std::string_view pattern) {
  std::vector<std::string> out;
  if (pattern == "/") return out;
  size_t pos = 1;
  for (;;) {
    size_t slash = pattern.find('/', pos);
    out.emplace_back(pattern.substr(pos, slash == std::string_view::npos ? slash : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

std::string_view Find(const std::unordered_map<std::string, std::string>& m,
                      std::string_view name) {
  auto it = m.find(std::string(name));
  return it == m.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

bool ParseTarget(std::string_view target, Request& req, std::vector<std::string>& segments) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) url = boost::urls::parse_absolute_uri(target);
  if (!url) return false;
  req.target = std::string(target);
  segments.clear();
  for (std::string s : url->segments()) segments.push_back(std::move(s));
  req.path = url->path();
  req.query.clear();
  for (auto p : url->params(boost::urls::encoding_opts(/*space_as_plus=*/true))) {
    req.query.try_emplace(std::move(p.key), std::move(p.value));
  }
  return true;
}

std::string_view Request::Header(std::string_view name) const {
  auto it = headers.find(boost::beast::string_view(name.data(), name.size()));
  if (it == headers.end()) return {};
  auto v = it->value();
  return {v.data(), v.size()};
}

std::string_view Request::Query(std::string_view name) const { return Find(query, name); }
std::string_view Request::Param(std::string_view name) const { return Find(params, name); }

Response Response::Json(unsigned status, const boost::json::value& v) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Response Response::Error(unsigned status, std::string_view code, std::string_view message,
                         std::string_view field) {
  boost::json::object e;
  e["code"] = code;
  e["message"] = message;
  if (!field.empty()) e["field"] = field;
  boost::json::object o;
  o["error"] = std::move(e);
  return Json(status, o);
}

Response Response::Text(unsigned status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (boost::beast::iequals(boost::beast::string_view(k.data(), k.size()),
                              boost::beast::string_view(name.data(), name.size()))) {
      return v;
    }
  }
  return {};
}

void Router::Add(bhttp::verb method, std::string pattern, Handler h, size_t body_limit) {
  if (pattern.empty() || pattern[0] != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  Entry e{method, pattern, {}, std::move(h), body_limit};
  for (std::string& s : SplitPattern(pattern)) {
    bool open = !s.empty() && s.front() == '{', close = !s.empty() && s.back() == '}';
    if (open != close || (open && s.size() < 3)) {
      throw std::invalid_argument("bad capture segment '" + s + "' in route " + pattern);
    }
    if (!open && (s.find('{') != std::string::npos || s.find('}') != std::string::npos)) {
      throw std::invalid_argument("a capture must be a whole segment: " + pattern);
    }
    if (open) {
      std::string name = s.substr(1, s.size() - 2);
      for (const Segment& prev : e.segments) {
        if (prev.capture && prev.text == name) {
          throw std::invalid_argument("capture {" + name + "} twice in route " + pattern);
        }
      }
      e.segments.push_back({std::move(name), true});
    } else {
      e.segments.push_back({std::move(s), false});
    }
  }
  for (const Entry& other : entries_) {
    if (other.method != method || other.segments.size() != e.segments.size()) continue;
    bool same = true;
    for (size_t i = 0; i < e.segments.size() && same; ++i) {
      const Segment &a = e.segments[i], &b = other.segments[i];
      same = a.capture == b.capture && (a.capture || a.text == b.text);
    }
    if (same) {
      throw std::invalid_argument("route " + std::string(bhttp::to_string(method)) + " " + pattern +
                                  " duplicates " + other.pattern);
    }
  }
  entries_.push_back(std::move(e));
}

std::vector<Router::Route> Router::routes() const {
  std::vector<Route> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back({e.method, e.pattern});
  return out;
}

bool Router::Matches(const Entry& e, const std::vector<std::string>& segments) {
  if (e.segments.size() != segments.size()) return false;
  // Last segment first: the leading ones ("api", "v1") are the same in most routes.
  for (size_t i = segments.size(); i-- > 0;) {
    if (e.segments[i].capture) {
      if (segments[i].empty()) return false;  // "/orders//refund" does not capture ""
    } else if (e.segments[i].text != segments[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::Find(bhttp::verb method, const std::vector<std::string>& segments,
                           std::unordered_map<std::string, std::string>& params) const {
  const Entry* best = nullptr;
  bool path_known = false;
  for (const Entry& e : entries_) {
    if (!Matches(e, segments)) continue;
    path_known = true;
    if (e.method != method) continue;
    if (best == nullptr) {
      best = &e;
      continue;
    }
    // Leftmost segment where one is literal and the other captures decides.
    for (size_t i = 0; i < segments.size(); ++i) {
      if (e.segments[i].capture != best->segments[i].capture) {
        if (!e.segments[i].capture) best = &e;
        break;
      }
    }
  }
  Match m;
  if (best != nullptr) {
    m.handler = &best->handler;
    m.pattern = best->pattern;
    m.body_limit = best->body_limit;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (best->segments[i].capture) params[best->segments[i].text] = segments[i];
    }
    return m;
  }
  if (!path_known) {
    m.status = 404;
    return m;
  }
  m.status = 405;
  std::vector<bhttp::verb> seen;
  for (const Entry& e : entries_) {
    if (!Matches(e, segments)) continue;
    bool dup = false;
    for (bhttp::verb v : seen) dup = dup || v == e.method;
    if (dup) continue;
    seen.push_back(e.method);
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += bhttp::to_string(e.method);
  }
  return m;
}

}  // namespace guanxi::http
