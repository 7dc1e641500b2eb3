// The designer's staff routes (docs/designer.md, docs/openapi.yaml): plan lint, the calculators,
// and simulations as background jobs with progress and reports. Thin: each handler reads its JSON,
// calls src/sim, and maps the result. Nothing here writes to the shop: the plan is read from the
// engine (or posted), simulations run a separate engine on a thread of their own
// (sim::SimulationJobs), never on the writer or I/O threads. The handlers are plain functions
// that await nothing; each route's coroutine only returns one's response, so there is no co_await
// (and no GCC 12 temporary inside one) to get wrong.
//
// Who may call (docs/designer.md): lint and calculators, every staff role — they compute from the
// plan, which all staff may read (GET /admin/plan), or from the caller's own numbers; simulations
// (start, list, status, reports), the owner and operators, who design the plan — a run costs a core
// for seconds, so it is not for everyone.
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "http/api.h"
#include "http/handlers.h"
#include "plan/plan_file.h"
#include "service/api.h"
#include "service/util.h"
#include "sim/calculators.h"
#include "sim/jobs.h"
#include "sim/lint.h"
#include "sim/scenario.h"

namespace guanxi::http {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using boost::beast::http::verb;
using service::Caller;

constexpr const char* kBase = "/api/v1/admin/designer";

Response Fail(const core::Error& e, unsigned status = 400) {
  return Response::Error(status, e.code, e.message, e.field);
}

// Staff of any role; or only the owner and operators.
std::optional<Response> Refuse(const Caller& c, bool simulations) {
  if (c.account < 0) return Fail(service::Unauthorized(), 401);
  const bool ok = simulations ? (c.role == "owner" || c.role == "operator") : c.staff();
  if (!ok) return Fail(service::Forbidden(), 403);
  return std::nullopt;
}

// The request's JSON object; an empty body is an empty object.
core::Result<json::object> ObjectOf(const Request& req) {
  if (req.body.empty()) return json::object{};
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object())
    return core::MakeError("malformed_json", "the body must be a JSON object");
  return std::move(v.as_object());
}

core::Error BadField(const char* field, const std::string& what) {
  return core::MakeError("invalid_" + std::string(field), std::string(field) + " must be " + what,
                         field);
}

// An integer field (absent: fallback, or an error when required).
core::Result<int64_t> IntField(const json::object& o, const char* field,
                               std::optional<int64_t> fallback) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (fallback) return *fallback;
    return core::MakeError("missing_field", std::string(field) + " is required", field);
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->as_uint64());
  return BadField(field, "an integer (fen for money, bps for rates)");
}

// A number with at most two decimals, in hundredths (a frequency of 2.5 is 250).
core::Result<int64_t> CentiField(const json::object& o, const char* field,
                                 std::optional<int64_t> fallback) {
  const json::value* v = o.if_contains(field);
  if (v != nullptr && v->is_double()) {
    const double x = v->as_double() * 100;
    if (!(x >= 0 && x < 1e15) || std::fabs(x - std::round(x)) > 1e-6)
      return BadField(field, "a number with at most two decimals");
    return static_cast<int64_t>(std::llround(x));
  }
  auto i = IntField(o, field, fallback ? std::optional<int64_t>(*fallback / 100) : std::nullopt);
  if (!i) return i;
  if (*i < 0 || *i > INT64_MAX / 100) return BadField(field, "a number from 0");
  return *i * 100;
}

core::Result<std::string> TextField(const json::object& o, const char* field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return BadField(field, "a string");
  if (v->as_string().size() > 1'000'000) return BadField(field, "at most 1 MB");
  return std::string(v->as_string());
}

// The posted plan (TOML in "plan"), or the plan the shop runs. The shop's plan was stored before
// the engine was built from it, so it is durable: no need to wait for a commit before answering.
core::Result<core::Plan> PlanOf(service::Shop& shop, const json::object& body) {
  auto text = TextField(body, "plan");
  if (!text) return text.error();
  if (!text->empty()) {
    auto plan = plan::ParsePlan(*text, "plan");
    if (!plan) return core::MakeError(plan.error().code, plan.error().message, "plan");
    return plan;
  }
  std::optional<core::Plan> current;
  uint64_t seq = 0;
  (void)shop.Read(
      [&](service::ReadCtx& c) {
        current = c.engine.plan();
        return service::Reply(json::value(nullptr));
      },
      &seq);
  return std::move(*current);
}

json::value StatusJson(const sim::JobStatus& s) {
  const std::string self = std::string(kBase) + "/simulations/" + std::to_string(s.id);
  json::object o{{"id", s.id},
                 {"state", sim::JobStateName(s.state)},
                 {"plan", s.plan},
                 {"scenario", s.scenario},
                 {"progress",
                  {{"day", s.progress.day},
                   {"days", s.progress.days},
                   {"members", s.progress.members},
                   {"orders", s.progress.orders}}}};
  if (!s.error.empty()) o["error"] = s.error;
  if (s.state == sim::JobState::kDone)
    o["report"] = {{"json", self + "/report"}, {"html", self + "/report.html"}};
  return o;
}

core::Result<uint64_t> JobId(const Request& req) {
  const std::string_view v = req.Param("id");
  uint64_t id = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (ec != std::errc() || p != v.data() + v.size())
    return core::MakeError("not_found", "no such simulation", "id");
  return id;
}

Response LintPlan(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  const json::value* wechat = body->if_contains("wechat");
  if (wechat != nullptr && !wechat->is_bool()) return Fail(BadField("wechat", "true or false"));
  auto plan = PlanOf(shop, *body);
  if (!plan) return Fail(plan.error());
  const sim::LintReport report =
      sim::Lint(*plan, sim::LintOptions{wechat == nullptr || wechat->as_bool()});
  return Response::Json(200, sim::LintJson(report));
}

Response CalcMembers(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  sim::MembersInput in;
  auto reach = IntField(*body, "reach", std::nullopt);
  if (!reach) return Fail(reach.error());
  in.reach = *reach;
  for (auto [field, out] : {std::pair{"fan_bps", &in.fan_bps},
                            {"deal_bps", &in.deal_bps},
                            {"member_bps", &in.member_bps}}) {
    auto v = IntField(*body, field, std::nullopt);
    if (!v) return Fail(v.error());
    if (*v < 0 || *v > core::kWholeBps) return Fail(BadField(field, "0..10000 bps"));
    *out = static_cast<core::Bps>(*v);
  }
  auto r = sim::CalcMembers(in);
  if (!r) return Fail(r.error());
  return Response::Json(200, sim::MembersJson(*r));
}

Response CalcLifetime(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  auto frequency = CentiField(*body, "frequency", std::nullopt);
  auto lifetime = CentiField(*body, "lifetime", std::nullopt);
  auto ticket = IntField(*body, "ticket", std::nullopt);
  for (const auto* v : {&frequency, &lifetime, &ticket}) {
    if (!*v) return Fail(v->error());
  }
  auto r = sim::CalcLifetime({*frequency, *lifetime, *ticket});
  if (!r) return Fail(r.error());
  return Response::Json(200, sim::LifetimeJson(*r));
}

Response CalcFission(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  auto referrals = CentiField(*body, "referrals", std::nullopt);
  auto levels = IntField(*body, "levels", 1);
  auto generations = IntField(*body, "generations", std::nullopt);
  auto seeds = IntField(*body, "seeds", 1);
  auto conversion = IntField(*body, "conversion_bps", core::kWholeBps);
  auto market = IntField(*body, "market", 0);
  for (const auto* v : {&referrals, &levels, &generations, &seeds, &conversion, &market}) {
    if (!*v) return Fail(v->error());
  }
  if (*generations < 1 || *generations > 100) return Fail(BadField("generations", "1..100"));
  if (*conversion < 0 || *conversion > core::kWholeBps)
    return Fail(BadField("conversion_bps", "0..10000 bps"));
  const sim::FissionInput in{*referrals,
                             *levels,
                             static_cast<uint32_t>(*generations),
                             *seeds,
                             static_cast<core::Bps>(*conversion),
                             *market};
  auto r = sim::CalcFission(in);
  if (!r) return Fail(r.error());
  return Response::Json(200, sim::FissionJson(in, *r));
}

Response StartSimulation(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, true)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  auto scenario_text = TextField(*body, "scenario");
  if (!scenario_text) return Fail(scenario_text.error());
  if (scenario_text->empty())
    return Fail(core::MakeError("missing_field", "scenario (TOML) is required", "scenario"));
  auto plan = PlanOf(shop, *body);
  if (!plan) return Fail(plan.error());
  auto scenario = sim::ParseScenario(*scenario_text, "scenario", *plan);
  if (!scenario)
    return Fail(core::MakeError(scenario.error().code, scenario.error().message, "scenario"));
  auto started = jobs.Start(std::move(*plan), std::move(*scenario));
  if (!started)
    return Fail(started.error(), started.error().code == "too_many_simulations" ? 429 : 400);
  return Response::Json(202, StatusJson(*started));
}

Response ListSimulations(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, true)) return *r;
  json::array items;
  for (const sim::JobStatus& st : jobs.List()) items.push_back(StatusJson(st));
  const sim::JobLimits& l = jobs.limits();
  return Response::Json(200, json::object{{"items", std::move(items)},
                                          {"limits",
                                           {{"max_running", l.max_running},
                                            {"max_kept", l.max_kept},
                                            {"max_days", l.max_days},
                                            {"max_members", l.max_members}}}});
}

Response SimulationStatus(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, true)) return *r;
  auto id = JobId(req);
  if (!id) return Fail(id.error(), 404);
  const std::optional<sim::JobStatus> st = jobs.Status(*id);
  if (!st)
    return Response::Error(404, "not_found", "no such simulation (jobs are kept in memory only)",
                           "id");
  return Response::Json(200, StatusJson(*st));
}

// The report, as JSON or as the HTML page; 409 while the job runs or when it did not finish.
Response Report(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req, bool html) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, true)) return *r;
  auto id = JobId(req);
  if (!id) return Fail(id.error(), 404);
  const std::optional<sim::JobStatus> st = jobs.Status(*id);
  if (!st) return Response::Error(404, "not_found", "no such simulation", "id");
  const std::shared_ptr<const sim::SimulationJobs::Output> out = jobs.Report(*id);
  if (out == nullptr) {
    return Response::Error(409, "no_report",
                           std::string("the simulation is ") + sim::JobStateName(st->state) +
                               (st->error.empty() ? "" : ": " + st->error),
                           "id");
  }
  if (html) return Response::Text(200, out->html, "text/html; charset=utf-8");
  return Response::Text(200, out->json, "application/json");
}

Response ReportJson(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req) {
  return Report(shop, jobs, req, false);
}

Response ReportPage(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req) {
  return Report(shop, jobs, req, true);
}

}  // namespace

void AddDesignerRoutes(Router& router, service::Shop& shop, const DesignerOptions& options) {
  service::Shop* s = &shop;
  auto jobs = std::make_shared<sim::SimulationJobs>(
      sim::JobLimits{options.max_running, options.max_kept, options.max_days, options.max_members});
  struct Route {
    verb method;
    const char* path;
    Response (*fn)(service::Shop&, sim::SimulationJobs&, const Request&);
  };
  static constexpr Route kRoutes[] = {
      {verb::post, "/lint", &LintPlan},
      {verb::post, "/calc/members", &CalcMembers},
      {verb::post, "/calc/lifetime", &CalcLifetime},
      {verb::post, "/calc/fission", &CalcFission},
      {verb::post, "/simulations", &StartSimulation},
      {verb::get, "/simulations", &ListSimulations},
      {verb::get, "/simulations/{id}", &SimulationStatus},
      {verb::get, "/simulations/{id}/report", &ReportJson},
      {verb::get, "/simulations/{id}/report.html", &ReportPage},
  };
  // The handlers are plain functions: the coroutine only hands their response back.
  for (const Route& r : kRoutes) {
    const std::string_view path = r.path;
    const bool document = r.method == verb::post && (path == "/lint" || path == "/simulations");
    router.Add(
        r.method, std::string(kBase) + r.path,
        [s, jobs, fn = r.fn](Request& req) -> awaitable<Response> { co_return fn(*s, *jobs, req); },
        document ? kDocumentBodyLimit : 0);
  }
}

}  // namespace guanxi::http
