// Fuzz target: bytes as what a client sends on one connection, read the way http::Server reads it
// (server.cc ReadRequest: a beast request_parser<string_body> with the server's header and body
// limits, fed from a buffer that reads append to, keep-alive requests one after another), then for
// each complete request the server's routing: http::ParseTarget and Router::Find on a router holding
// every real route. The bytes are read twice, arriving all at once and in small pieces (as a slow
// client sends them): both readings must see the same requests, and the same end (an error or not).
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "http/server.h"
#include "shop_fixture.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using guanxi::fuzz::Check;

guanxi::fuzz::ShopFixture* g_shop = nullptr;
const guanxi::http::ServerOptions kLimits;  // the server's defaults: 16 KiB of headers, 64 KiB of body (a JSON route's)

// The bytes as a socket gives them: in pieces of `piece` bytes (0: all at once).
class Wire {
 public:
  Wire(std::string_view bytes, size_t piece) : bytes_(bytes), piece_(piece == 0 ? bytes.size() : piece) {}
  // Appends the next piece to `buffer`; false at the end of the stream (the client closed).
  bool Read(beast::flat_buffer& buffer) {
    if (bytes_.empty()) return false;
    const size_t n = std::min(piece_, bytes_.size());
    auto dst = buffer.prepare(n);
    std::copy_n(bytes_.data(), n, static_cast<char*>(dst.data()));
    buffer.commit(n);
    bytes_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view bytes_;
  size_t piece_;
};

// What the router does with one request; a line for the comparison of the two readings.
std::string Route(const bhttp::request<bhttp::string_body>& msg) {
  guanxi::http::Request req;
  req.method = msg.method();
  std::vector<std::string> segments;
  const std::string_view target(msg.target().data(), msg.target().size());
  if (!guanxi::http::ParseTarget(target, req, segments)) return "400 invalid target";
  Check(req.target == target, "ParseTarget changed the target");
  const guanxi::http::Router::Match m = g_shop->router->Find(req.method, segments, req.params);
  if (m.handler == nullptr) {
    Check(m.status == 404 || m.status == 405, "an unmatched request with status " + std::to_string(m.status));
    Check(m.status != 405 || !m.allow.empty(), "405 without the allowed methods");
    Check(req.params.empty(), "params filled without a match");
    return std::to_string(m.status) + " " + m.allow;
  }
  Check(m.status == 0 && !m.pattern.empty(), "a match without its pattern");
  // Every capture of the pattern is filled with a non-empty decoded segment, and nothing else is.
  size_t captures = 0;
  for (size_t i = 0; (i = m.pattern.find('{', i)) != std::string_view::npos; ++i) ++captures;
  Check(req.params.size() == captures, "params do not match the pattern's captures");
  for (const auto& [name, value] : req.params) Check(!value.empty(), "an empty capture {" + name + "}");
  return std::string(m.pattern);
}

// One connection's requests, as the server's read loop sees them; each request or the error that
// ended the connection is a line of the result.
std::vector<std::string> Session(std::string_view bytes, size_t piece) {
  std::vector<std::string> seen;
  Wire wire(bytes, piece);
  beast::flat_buffer buffer;
  for (int requests = 0; requests < 64; ++requests) {
    if (buffer.size() == 0 && !wire.Read(buffer)) break;  // idle, then closed
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(kLimits.header_limit));
    parser.body_limit(kLimits.body_limit);
    beast::error_code ec;
    for (;;) {
      while (buffer.size() > 0 && !parser.is_done()) {
        const size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == bhttp::error::need_more) {
          ec = {};
          break;
        }
        if (ec) break;
      }
      if (ec || parser.is_done()) break;
      if (!wire.Read(buffer)) {
        if (!parser.got_some()) {
          ec = bhttp::error::end_of_stream;
        } else {
          parser.put_eof(ec);
        }
        break;
      }
    }
    if (ec) {
      // The server answers 400, 413 or 431, or nothing, and closes. Which error a request that never
      // completes gets may depend on where the pieces split it (beast scans for the header's end from
      // where the last piece ended), so the readings are compared on "an error", not on which.
      seen.push_back("error");
      break;
    }
    Check(parser.is_done(), "a request that is neither done nor an error");
    bhttp::request<bhttp::string_body> msg = parser.release();
    Check(msg.body().size() <= kLimits.body_limit, "a body over the limit was accepted");
    const std::string_view method(msg.method_string().data(), msg.method_string().size());
    seen.push_back(std::string(method) + " " + std::string(msg.target()) + " body " +
                   std::to_string(msg.body().size()) + " -> " + Route(msg));
    if (!msg.keep_alive()) break;
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Only the router is used: the shop's threads are not started.
  g_shop = new guanxi::fuzz::ShopFixture("http-request-fuzz", /*start=*/false);
  std::atexit([] { delete g_shop; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> whole = Session(bytes, 0);
  // Pieces of 1..16 bytes, by the input's length, so that every split point gets its turn.
  const std::vector<std::string> pieces = Session(bytes, 1 + size % 16);
  if (whole != pieces) {
    std::string diff = "the readings differ:\n";
    for (const auto& s : whole) diff += "  whole:  " + s + "\n";
    for (const auto& s : pieces) diff += "  pieces: " + s + "\n";
    guanxi::fuzz::Fail(diff);
  }
  return 0;
}
