// What the /api/v1 handler files share (api.cc defines them): mapping a service refusal to its HTTP
// answer, reading query and path numbers, and running a read that is answered once durable.
// Internal to src/http.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/result.h"
#include "http/router.h"
#include "service/shop.h"

namespace guanxi::http {

// The body limit of the routes that take a document (a plan's TOML, a simulation's scenario) in their
// JSON; the others take the server's default, sized for JSON forms (ServerOptions::body_limit).
inline constexpr size_t kDocumentBodyLimit = 512 << 10;

// Who sends the request (anonymous without a valid token). While the shop's store is out of reach, a
// request that presents a token is answered 503 store_unavailable at once (throws HttpError): who it
// is cannot be known, and "log in first" would be wrong.
service::Caller Who(service::Shop& shop, const Request& req);
// The service's refusal as an HTTP error ({"error":{code,message,field}}, and "line" for a plan's).
Response ErrorResponse(const core::Error& e);
// A query parameter as an integer; absent or malformed gives `fallback`.
int64_t QueryInt(const Request& req, std::string_view name, int64_t fallback);
// A path parameter as a non-negative integer, else not_found naming it.
core::Result<int64_t> PathId(const Request& req, std::string_view name);
// Runs a read through the shop and answers (200 or the refusal) once the state it saw is durable.
boost::asio::awaitable<Response> DoRead(service::Shop& shop,
                                        const std::function<service::Reply(service::ReadCtx&)>& fn);

}  // namespace guanxi::http
