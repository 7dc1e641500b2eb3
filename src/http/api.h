// The shop's JSON API under /api/v1 (docs/openapi.yaml): each handler parses its request, resolves
// the caller from the bearer token, runs one service operation through the shop's writer (writes) or
// a read, and maps the reply to JSON. Errors are {"error":{"code","message","field"}} with a status
// from service::HttpStatus. Threading: handlers run on the server's io threads; the shop serialises
// writes on its own thread.
#pragma once

#include <cstdint>
#include <string>

#include "http/router.h"
#include "service/shop.h"

namespace guanxi::http {

struct ApiOptions {
  // Where the sandbox provider delivers its notifications (this server's own address), and the base
  // of invite links.
  std::string notify_host = "127.0.0.1";
  uint16_t notify_port = 8080;
  std::string public_url = "http://127.0.0.1:8080";
};

// Adds every /api/v1 route, /healthz and /metrics. `shop` and `metrics` must outlive the server.
// `options` is read when a request needs it (the port may be set after the server started).
void AddShopRoutes(Router& router, service::Shop& shop, service::Metrics* metrics, const ApiOptions& options);

// Routes for the web console and the H5 store (console_api.cc): GET /api/v1/shop, the dashboard
// report, the staff list and a member's earnings for staff. Called by AddShopRoutes.
void AddConsoleRoutes(Router& router, service::Shop& shop);

}  // namespace guanxi::http
