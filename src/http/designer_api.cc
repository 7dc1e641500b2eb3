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
#include "sim/json_check.h"
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

// A calculator's integer input, in its limit's unit (absent: fallback, or an error when
// required). A value of the wrong kind, or too large for an int64, gets the limit's own message;
// the range itself is checked by the calculator, against the same limit.
core::Result<int64_t> IntField(const json::object& o, const sim::Limit& limit,
                               std::optional<int64_t> fallback) {
  const std::string field(limit.field);
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (fallback) return *fallback;
    return core::MakeError("missing_field", field + " is required", field);
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v->as_uint64());
  return sim::LimitError(limit);
}

// A required number with at most two decimals, in hundredths (a frequency of 2.5 is 250).
core::Result<int64_t> CentiField(const json::object& o, const sim::Limit& limit) {
  const json::value* v = o.if_contains(limit.field);
  if (v != nullptr && v->is_double()) {
    // Within ±2^53 a double holds every hundredth's integer exactly; beyond it (or Infinity) the
    // value is past every limit anyway.
    const double x = v->as_double() * 100;
    if (!(std::fabs(x) < 9e15) || std::fabs(x - std::round(x)) > 1e-6)
      return sim::LimitError(limit);
    return static_cast<int64_t>(std::llround(x));
  }
  auto i = IntField(o, limit, std::nullopt);
  if (!i) return i;
  if (*i < INT64_MIN / 100 || *i > INT64_MAX / 100) return sim::LimitError(limit);
  return *i * 100;
}

// A field of the designer's own (not a calculator input) that must be `what`.
core::Error BadField(const char* field, const std::string& what) {
  return core::MakeError("invalid_" + std::string(field), std::string(field) + " must be " + what,
                         field);
}

// The designer's answer. JSON has no Infinity or NaN: a non-finite number is a bug, answered as
// one (500, naming where) rather than sent as text no client can parse.
Response Out(unsigned status, json::value v) {
  if (const std::optional<std::string> at = sim::FindNonFinite(v)) {
    return Response::Error(500, "internal",
                           "the designer computed a number that is not finite at " + *at +
                               " (a bug); nothing was sent");
  }
  return Response::Json(status, std::move(v));
}

// A posted plan or scenario: far larger than any real one, small enough to parse at once.
constexpr size_t kMaxText = 1'000'000;

core::Result<std::string> TextField(const json::object& o, const char* field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return BadField(field, "a string");
  if (v->as_string().size() > kMaxText)
    return BadField(field, "at most " + std::to_string(kMaxText) + " bytes");
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
  return Out(200, sim::LintJson(report));
}

Response CalcMembers(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  sim::MembersInput in;
  for (auto [limit, out] : {std::pair{&sim::kReach, &in.reach},
                            {&sim::kFanBps, &in.fan_bps},
                            {&sim::kDealBps, &in.deal_bps},
                            {&sim::kMemberBps, &in.member_bps}}) {
    auto v = IntField(*body, *limit, std::nullopt);
    if (!v) return Fail(v.error());
    *out = *v;
  }
  auto r = sim::CalcMembers(in);
  if (!r) return Fail(r.error());
  return Out(200, sim::MembersJson(*r));
}

Response CalcLifetime(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  auto frequency = CentiField(*body, sim::kFrequency);
  auto lifetime = CentiField(*body, sim::kLifetime);
  auto ticket = IntField(*body, sim::kTicket, std::nullopt);
  for (const auto* v : {&frequency, &lifetime, &ticket}) {
    if (!*v) return Fail(v->error());
  }
  auto r = sim::CalcLifetime({*frequency, *lifetime, *ticket});
  if (!r) return Fail(r.error());
  return Out(200, sim::LifetimeJson(*r));
}

Response CalcFission(service::Shop& shop, sim::SimulationJobs& /*jobs*/, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, false)) return *r;
  auto body = ObjectOf(req);
  if (!body) return Fail(body.error());
  auto referrals = CentiField(*body, sim::kReferrals);
  auto levels = IntField(*body, sim::kLevels, 1);
  auto generations = IntField(*body, sim::kGenerations, std::nullopt);
  auto seeds = IntField(*body, sim::kSeeds, 1);
  auto conversion = IntField(*body, sim::kConversionBps, core::kWholeBps);
  auto market = IntField(*body, sim::kMarket, 0);
  for (const auto* v : {&referrals, &levels, &generations, &seeds, &conversion, &market}) {
    if (!*v) return Fail(v->error());
  }
  const sim::FissionInput in{*referrals, *levels, *generations, *seeds, *conversion, *market};
  auto r = sim::CalcFission(in);
  if (!r) return Fail(r.error());
  return Out(200, sim::FissionJson(in, *r));
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
  return Out(202, StatusJson(*started));
}

Response ListSimulations(service::Shop& shop, sim::SimulationJobs& jobs, const Request& req) {
  const Caller c = Who(shop, req);
  if (auto r = Refuse(c, true)) return *r;
  json::array items;
  for (const sim::JobStatus& st : jobs.List()) items.push_back(StatusJson(st));
  const sim::JobLimits& l = jobs.limits();
  return Out(200, json::object{{"items", std::move(items)},
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
  return Out(200, StatusJson(*st));
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
