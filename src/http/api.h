// The shop's JSON API under /api/v1 (docs/openapi.yaml): each handler parses its request, resolves
// the caller from the bearer token, runs one service operation through the shop's writer (writes) or
// a read, and maps the reply to JSON. Errors are {"error":{"code","message","field"}} with a status
// from service::HttpStatus. Threading: handlers run on the server's io threads; the shop serialises
// writes on its own thread.
#pragma once

#include <cstddef>
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

// Limits of the designer's simulations (docs/designer.md): jobs run on threads of their own, at most
// max_running at once, each within max_days and max_members; the newest max_kept finished jobs and
// their reports are kept in memory (a restart forgets them).
struct DesignerOptions {
  int max_running = 1;
  size_t max_kept = 16;
  uint32_t max_days = 730;
  uint32_t max_members = 200'000;
};

// The designer's staff routes under /api/v1/admin/designer (designer_api.cc): plan lint, calculators,
// simulations as background jobs and their reports. AddShopRoutes adds them with the default options.
// The jobs live as long as the router; destroying it cancels running jobs and waits for them.
void AddDesignerRoutes(Router& router, service::Shop& shop, const DesignerOptions& options = {});

// Adds every /api/v1 route, /healthz and /metrics. `shop` and `metrics` must outlive the server.
// `options` is read when a request needs it (the port may be set after the server started).
void AddShopRoutes(Router& router, service::Shop& shop, service::Metrics* metrics, const ApiOptions& options);

// Routes for the web console and the H5 store (console_api.cc): GET /api/v1/shop, the dashboard
// report, the staff list and a member's earnings for staff. Called by AddShopRoutes.
void AddConsoleRoutes(Router& router, service::Shop& shop);

}  // namespace guanxi::http
