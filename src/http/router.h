// Requests, responses and the router that maps a method and a path pattern ("/api/v1/orders/{id}")
// to a coroutine handler. Threading: build the Router on one thread before the server starts; after
// that it is read-only and Find may be called from any thread. A Request and its Response belong to
// the one connection coroutine that handles them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace guanxi::http {

struct Request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;                                   // as received, e.g. "/a%20b?x=1"
  std::string path;                                     // percent-decoded path, no query string
  std::unordered_map<std::string, std::string> query;   // decoded ("+" is a space); first one wins
  std::unordered_map<std::string, std::string> params;  // route captures, e.g. {id}
  std::string body;
  std::string bearer;  // token from "Authorization: Bearer …", empty when none
  std::string remote;  // peer IP address
  boost::beast::http::fields headers;

  // "" when absent. Names are case-insensitive.
  std::string_view Header(std::string_view name) const;
  // The query parameter or route parameter, "" when absent.
  std::string_view Query(std::string_view name) const;
  std::string_view Param(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, sent as given

  static Response Json(unsigned status, const boost::json::value& v);
  // {"error":{"code":…,"message":…,"field":…}}; "field" omitted when empty.
  static Response Error(unsigned status, std::string_view code, std::string_view message,
                        std::string_view field = {});
  static Response Text(unsigned status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // The value of an extra header (case-insensitive name), "" when absent.
  std::string_view Header(std::string_view name) const;
};

// Thrown by a handler, or a helper deep inside one, to answer with `response` at once; the server sends
// it as if the handler had returned it.
struct HttpError : std::runtime_error {
  explicit HttpError(Response r) : std::runtime_error("answered early"), response(std::move(r)) {}
  Response response;
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// Fills req.target, req.path (percent-decoded) and req.query from a request target, in origin form
// ("/a%20b?x=1") or absolute form (RFC 9112 3.2.2), and `segments` with the decoded path segments
// ("/a/b" → {"a","b"}, "/" → {}). False, changing nothing else, when it is neither.
bool ParseTarget(std::string_view target, Request& req, std::vector<std::string>& segments);

class Router {
 public:
  struct Route {
    boost::beast::http::verb method;
    std::string pattern;
  };

  // A pattern is "/" or "/seg/seg…"; a segment "{name}" captures one decoded path segment.
  // Throws std::invalid_argument on a malformed pattern or when the same method already has a
  // pattern of the same shape ("/a/{x}" and "/a/{y}" are the same shape). `body_limit` is the
  // largest request body the route takes, in bytes; 0: the server's default (ServerOptions::
  // body_limit, sized for JSON). Only a route that takes files or documents needs more.
  void Add(boost::beast::http::verb method, std::string pattern, Handler h, size_t body_limit = 0);

  // In the order added.
  std::vector<Route> routes() const;

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method (see status)
    std::string_view pattern;          // the matched route's pattern (for metrics and logs)
    unsigned status = 0;  // 0 when matched; 404 unknown path; 405 known path, other method
    std::string allow;    // for 405: the methods the path has, "GET, POST"
    size_t body_limit = 0;  // the route's (Add); 0: the server's default
  };
  // `segments` are the decoded path segments ("/a/b" → {"a","b"}, "/" → {}). On a match, fills
  // `params` with the captures. Among the routes whose pattern matches the path and that have the
  // method, the one with a literal segment where the others capture (leftmost difference) wins.
  Match Find(boost::beast::http::verb method, const std::vector<std::string>& segments,
             std::unordered_map<std::string, std::string>& params) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the capture's name
    bool capture = false;
  };
  struct Entry {
    boost::beast::http::verb method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    size_t body_limit;
  };
  static bool Matches(const Entry& e, const std::vector<std::string>& segments);
  std::vector<Entry> entries_;
};

}  // namespace guanxi::http
