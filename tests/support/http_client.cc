// The test HTTP client: asynchronous Beast operations run to completion on a private io_context, so
// that the stream's timeout bounds every step. Not thread-safe.
#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

namespace guanxi::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

beast::string_view Bsv(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(Bsv(k), Bsv(name))) return v;
  }
  return {};
}

boost::json::value HttpResponse::Json() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) {
    throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + body);
  }
  return v;
}

struct HttpClient::Impl {
  std::string host;
  std::string port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool open = false;

  // Runs the operations started on the stream to completion.
  void Run() {
    ioc.restart();
    ioc.run();
  }

  void Connect() {
    Close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) throw HttpClientError("resolve " + host + ": " + ec.message());
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    Run();
    if (ec) throw HttpClientError("connect to " + host + ":" + port + ": " + ec.message());
    open = true;
  }

  void Close() {
    if (!open) return;
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
    buffer.clear();
    open = false;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = std::to_string(port);
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() { impl_->Close(); }

void HttpClient::Close() { impl_->Close(); }
bool HttpClient::connected() const { return impl_->open; }

HttpResponse HttpClient::Request(bhttp::verb method, std::string_view target, std::string_view body,
                                 std::string_view bearer, const Headers& headers) {
  bhttp::request<bhttp::string_body> req{method, Bsv(target), 11};
  req.set(bhttp::field::host, impl_->host);
  req.set(bhttp::field::user_agent, "guanxi-test");
  if (!bearer.empty()) req.set(bhttp::field::authorization, "Bearer " + std::string(bearer));
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.insert(Bsv(k), Bsv(v));
    has_type = has_type || beast::iequals(Bsv(k), "Content-Type");
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();

  Impl& c = *impl_;
  for (int attempt = 0;; ++attempt) {
    bool reused = c.open;
    if (!c.open) c.Connect();
    beast::error_code write_ec, read_ec;
    c.stream.expires_after(c.timeout);
    bhttp::async_write(c.stream, req, [&](beast::error_code e, size_t) { write_ec = e; });
    c.Run();
    // Even when the write failed, the server may have answered first (e.g. 413 before the body).
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(size_t{256} << 20);
    if (write_ec != beast::error::timeout) {
      c.stream.expires_after(c.timeout);
      bhttp::async_read(c.stream, c.buffer, parser,
                        [&](beast::error_code e, size_t) { read_ec = e; });
      c.Run();
    }
    if (write_ec == beast::error::timeout || read_ec) {
      bool nothing_came = !parser.got_some();
      c.Close();
      if (reused && nothing_came && attempt == 0 && read_ec != beast::error::timeout) continue;
      beast::error_code ec = read_ec ? read_ec : write_ec;
      throw HttpClientError(std::string(bhttp::to_string(method)) + " " + std::string(target) +
                            ": no answer: " + ec.message());
    }
    bhttp::response<bhttp::string_body> res = parser.release();
    HttpResponse out;
    out.status = res.result_int();
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) c.Close();
    return out;
  }
}

RawResult SendRaw(const std::string& host, uint16_t port, std::string_view bytes,
                  std::chrono::milliseconds wait) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) throw HttpClientError("resolve " + host + ": " + ec.message());
  stream.expires_after(std::chrono::seconds(10));
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  ioc.run();
  if (ec) throw HttpClientError("connect: " + ec.message());
  asio::async_write(stream.socket(), asio::buffer(bytes.data(), bytes.size()),
                    [&](beast::error_code e, size_t) { ec = e; });
  ioc.restart();
  ioc.run();
  if (ec) throw HttpClientError("send: " + ec.message());

  RawResult result;
  auto start = std::chrono::steady_clock::now();
  stream.expires_after(wait);
  char chunk[4096];
  for (;;) {
    size_t n = 0;
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code e, size_t got) {
      ec = e;
      n = got;
    });
    ioc.restart();
    ioc.run();
    result.received.append(chunk, n);
    if (ec) break;
  }
  result.closed_by_server = ec != beast::error::timeout;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return result;
}

}  // namespace guanxi::test
