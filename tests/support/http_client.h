// A small synchronous HTTP/1.1 client for integration tests: one keep-alive connection, reopened
// when the server has closed it, every step bounded by a timeout. Not thread-safe: one client per
// thread.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guanxi::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  Headers headers;

  // "" when absent; names are case-insensitive.
  std::string_view Header(std::string_view name) const;
  // The body parsed as JSON; throws std::runtime_error (with the body) when it is not JSON.
  boost::json::value Json() const;
};

// Thrown when no answer could be had: cannot connect, timed out, connection lost mid-answer.
class HttpClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its answer. A non-empty body gets "Content-Type: application/json"
  // unless `headers` names another; a non-empty bearer becomes "Authorization: Bearer …". When a
  // reused connection turns out closed before any answer, reconnects and sends once more.
  // Throws HttpClientError when there is no answer.
  HttpResponse Request(boost::beast::http::verb method, std::string_view target,
                       std::string_view body = {}, std::string_view bearer = {},
                       const Headers& headers = {});
  HttpResponse Get(std::string_view target, std::string_view bearer = {}) {
    return Request(boost::beast::http::verb::get, target, {}, bearer);
  }
  HttpResponse Post(std::string_view target, std::string_view body, std::string_view bearer = {}) {
    return Request(boost::beast::http::verb::post, target, body, bearer);
  }

  // Closes the connection (the next request opens a new one).
  void Close();
  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// For tests of malformed or slow requests: connects, sends `bytes` as they are, then reads until
// the server closes the connection or `wait` has passed since the bytes were sent.
struct RawResult {
  std::string received;
  bool closed_by_server = false;      // false: still open after `wait`
  std::chrono::milliseconds elapsed;  // from the send to the close (or to `wait`)
};
RawResult SendRaw(const std::string& host, uint16_t port, std::string_view bytes,
                  std::chrono::milliseconds wait);

}  // namespace guanxi::test
