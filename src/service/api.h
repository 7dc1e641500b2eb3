// The shop's operations, as functions of a write transaction (Tx) or a read (ReadCtx). The HTTP layer
// parses a request into one of the structs below, runs the function through Shop::Write or Shop::Read
// and maps the Reply (a JSON view, or an Error with a code and field) to a response. Every function
// checks what the caller may do; a refusal changes nothing.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.h"
#include "guanxi/limits.h"
#include "service/shop.h"

namespace guanxi::service {

// HTTP status for an error code (400 by default): not_found → 404, forbidden → 403, …
unsigned HttpStatus(const core::Error& e);
// 503: the store is out of reach (PostgreSQL connection lost); the request's outcome is unknown.
core::Error StoreUnavailable();

// ---- accounts (accounts.cc) ----
struct RegisterReq {
  std::string phone;
  std::string password_hash;  // argon2id, computed off the writer thread
  std::string invite_code;    // empty: no referrer
  std::string channel;        // where the member came from: taobao, douyin, wechat, store …
};
// Checks a phone number and password before any hashing: 11-digit mainland mobile, 8..128 characters.
core::Status CheckCredentials(const std::string& phone, const std::string& password);
// A password's length in characters, limits::kPasswordMinChars..kPasswordMaxChars (limits.json).
core::Status CheckPassword(const std::string& password);
// The most bytes a password field may hold before its characters are counted (4 bytes a character).
inline constexpr size_t kMaxPasswordBytes = 4 * static_cast<size_t>(limits::kPasswordMaxChars);
// Creates the account, joins the engine under the inviter, and logs in: {"token","member":{…}}.
Reply Register(Tx& tx, const RegisterReq& r);
// Looks up the stored hash of a login (not found or disabled → nullopt). Read side of login.
struct LoginRecord {
  int64_t account = -1;
  std::string password_hash;
  std::string role;
};
std::optional<LoginRecord> FindLogin(ReadCtx& c, const std::string& phone);
// Whether an account has this phone (login): registration asks before it spends a hash on it.
Reply PhoneRegistered(ReadCtx& c, const std::string& phone);
// 503: too much work queued (password hashing); the caller may retry after a moment.
core::Error Overloaded();
// 409: an account has this phone (login).
core::Error PhoneTaken();
// Issues a token for an account whose password was verified: {"token","expires_at","role"}.
Reply IssueToken(Tx& tx, int64_t account);
Reply Logout(Tx& tx, const std::string& token);
Reply Me(ReadCtx& c, const Caller& caller);
// Staff accounts (owner only): role ∈ owner, finance, operator, sales.
Reply CreateStaff(Tx& tx, const Caller& caller, const std::string& phone, const std::string& password_hash,
                  const std::string& role, const std::string& name);
// The first owner, made at first start when there is none: {"phone"} (password chosen by the caller).
Reply EnsureOwner(Tx& tx, const std::string& phone, const std::string& password_hash, bool* created);

// ---- catalogue (catalog.cc) ----
struct ProductReq {
  std::string sku;
  std::string name;
  core::Fen price = 0;
  boost::json::object member_prices;  // rank name → price in fen (会员价)
  int64_t stock = 0;
  std::string status = "on";
  boost::json::array images;          // URLs
  std::string description;
};
// Creates a product (operator, owner); the engine learns the SKU and its list price. A SKU that a
// product already has is refused with 409 sku_taken (SkuTaken) and nothing changes: creating is
// never a way to overwrite (issue #19).
Reply CreateProduct(Tx& tx, const Caller& caller, const ProductReq& r);
core::Error SkuTaken();
// An edit of an existing product: only the fields given change. The SKU itself cannot change.
struct ProductEdit {
  std::string sku;
  std::optional<std::string> name;
  std::optional<core::Fen> price;
  std::optional<boost::json::object> member_prices;  // replaces the whole map when given
  std::optional<int64_t> stock;
  std::optional<std::string> status;
  std::optional<boost::json::array> images;
  std::optional<std::string> description;
};
// Edits a product (operator, owner): 404 not_found when the SKU has none. The audit entry records
// each changed field as before → after; an edit that changes nothing is not recorded.
Reply EditProduct(Tx& tx, const Caller& caller, const ProductEdit& e);
// Products on sale, 20 per page by default, after the id `after`; staff may ask for every status.
Reply ListProducts(ReadCtx& c, const Caller& caller, int64_t after, int limit, bool all);
Reply GetProduct(ReadCtx& c, const Caller& caller, const std::string& sku);
// The unit price a buyer of `rank` pays (nullopt: a visitor, or staff): the lowest member price (会员价)
// of a rank it has reached (ranks in the plan's order), else the list price. Orders are priced by it
// and product views show it, so the price shown and the price charged cannot differ.
core::Fen UnitPriceFor(const core::Plan& plan, std::optional<core::RankId> rank, core::Fen list_price,
                       const boost::json::object& member_prices);

// ---- orders and payments (orders.cc) ----
struct OrderItemReq {
  std::string sku;
  int64_t qty = 0;
};
inline constexpr size_t kMaxIdempotencyKey = 100;
struct CreateOrderReq {
  std::vector<OrderItemReq> items;
  std::string idempotency_key;  // optional: a retry within Shop::kOrderKeyTtlMs returns the same order
  // What the key was used for (IdempotencyFingerprint of the request): the same key with another
  // fingerprint is refused (422 idempotency_key_reused).
  std::string idempotency_fingerprint;
  std::string pay;              // optional: a provider; the reply then carries the payment intent too
};
// Prices on the server (member price by the buyer's rank), reserves stock atomically. With `pay`, also
// opens the payment intent as CreatePayment does ("payment" in the reply), in the same write.
Reply CreateOrder(Tx& tx, const Caller& caller, const CreateOrderReq& r);
Reply CancelOrder(Tx& tx, const Caller& caller, int64_t order);
Reply GetOrder(ReadCtx& c, const Caller& caller, int64_t order);
Reply ListOrders(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t after, int limit,
                 const std::string& status, int64_t member);
// Creates (or returns the open) payment intent of an unpaid order: {"intent","amount","provider"}.
Reply CreatePayment(Tx& tx, const Caller& caller, int64_t order, const std::string& provider);
// The signed notification the sandbox provider sends when intent is completed: body and signature.
struct Notification {
  std::string body;
  std::string signature;
};
core::Result<Notification> SandboxComplete(ReadCtx& c, const std::string& secret, const std::string& intent);
// A provider's notification, already verified by signature: applies the payment once per provider txn.
Reply ApplyPaymentNotification(Tx& tx, const std::string& provider, const std::string& intent,
                               const std::string& txn, core::Fen amount);
Reply ShipOrder(Tx& tx, const Caller& caller, int64_t order, const std::string& tracking);
Reply ConfirmReceipt(Tx& tx, const Caller& caller, int64_t order);
Reply RequestRefund(Tx& tx, const Caller& caller, int64_t order, const std::string& reason);
// Staff: approve (runs the engine's refund on every line) or reject a request; approve also works on
// any paid order without a request (an admin refund, before or after settlement).
// Both take the staff's reason (CheckReason: required), kept in the audit entry; a rejection's `note`
// (the reason when empty) goes to the member as the order's refund_note.
Reply ApproveRefund(Tx& tx, const Caller& caller, int64_t order, const std::string& reason);
Reply RejectRefund(Tx& tx, const Caller& caller, int64_t order, const std::string& note, const std::string& reason);

// ---- wallet and withdrawals (wallet.cc) ----
// Balances, earnings by category, when pending money settles (pending_schedule, summing to pending),
// the assistance fund's progress (fund: each condition as x of y) and what the member has spent
// against what it has earned (break_even, for 回本).
Reply Wallet(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t member);
// What moved the member's money, newest first: one row per balance an effect changed, with its signed
// `delta` and the `why` sentence in the caller's language; `balance` ("" or a bucket name) keeps the
// rows of one balance. The rows of each balance sum to the wallet's figure for it.
Reply Earnings(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t member, int64_t before, int limit,
               const std::string& balance = "");
Reply RequestWithdrawal(Tx& tx, const Caller& caller, core::Fen amount);
Reply ListWithdrawals(ReadCtx& c, const Caller& caller, int64_t member, const std::string& status, int64_t after,
                      int limit);
// Paid with the transfer's reference (`text`), or rejected with the note the member reads (`text`, the
// reason when empty); the staff's reason (required) goes into the audit entry.
Reply DecideWithdrawal(Tx& tx, const Caller& caller, int64_t id, bool paid, const std::string& text,
                       const std::string& reason);

// ---- team (team.cc) ----
// O(1): team size, members by rank, team sales, directs.
Reply TeamSummary(ReadCtx& c, Shop& shop, const Caller& caller, int64_t member);
// Direct referrals in join order, after member id `after` (0 or less: from the first).
Reply TeamDirects(ReadCtx& c, const Caller& caller, int64_t member, int64_t after, int limit);
// A list of the member's people, depth first, after `after`: scope "downline" (everyone below the
// member in the referral tree, the default), "team" (the placed members whose leader is the member:
// the plan's team; refused when the plan places no one) or "directs" (as TeamDirects).
Reply TeamMembers(ReadCtx& c, const Caller& caller, int64_t member, int64_t after, int limit,
                  std::string_view scope = "downline");
// Each list's length and its members by rank, computed from what the lists walk, so that a count
// always equals its list: {"scopes":[{"scope":"directs"|"team"|"downline","count","by_rank"}]}
// ("team" only when the plan places members). O(directs + downline).
Reply TeamCounts(ReadCtx& c, Shop& shop, const Caller& caller, int64_t member);
// The caller's invite: {"code","link","qr","inviter":{"name"}} (the name the poster prints: the
// nickname, else the masked phone).
Reply Invite(ReadCtx& c, const Caller& caller, const std::string& base_url);
// Who invites with `code`, as a visitor reads it (public): {"code","inviter":{"name"}}, the name
// being the member's nickname or else its masked phone; unknown_invite_code (404) for a bad code.
Reply InviteInfo(ReadCtx& c, const std::string& code);

// ---- admin (admin.cc) ----
Reply SearchMembers(ReadCtx& c, const Caller& caller, const std::string& q, int64_t after, int limit);
Reply MemberDetail(ReadCtx& c, Shop& shop, const Caller& caller, int64_t member);
// Rank changes and rebinds take the staff's reason (CheckReason: required), kept in the audit entry.
Reply SetRank(Tx& tx, const Caller& caller, int64_t member, const std::string& rank, const std::string& reason);
// Moves a fan who has not bought (and has no directs) under another referrer (-1: none); audited.
Reply Rebind(Tx& tx, const Caller& caller, int64_t member, int64_t referrer, const std::string& reason);
Reply CloseDayNow(Tx& tx, const Caller& caller);
// The books now: platform accounts, members' buckets, pools, the ledger's sum (0), ranks, and business
// days as shop day numbers: the last closed ({"day","closed_at"} or null) and the current one.
Reply LedgerReport(ReadCtx& c, const Caller& caller, int utc_offset_minutes);
Reply PlanView(ReadCtx& c, const Caller& caller);
// A new plan version (TOML source) for the orders paid from now on: parsed, checked against the running
// plan (core::Engine::AdoptPlan), journaled, kept with every earlier version, audited. Owner, operator.
// Refusals: invalid_plan ("plan.toml:LINE: reason"), plan_incompatible (field names what changed).
// `reason` is required (CheckReason); `lint_shown` (null, or the lint findings' codes or their count that
// the console showed before the upload was confirmed) is kept in the audit entry.
Reply UploadPlan(Tx& tx, const Caller& caller, const std::string& source, const std::string& note,
                 const std::string& reason, const boost::json::value& lint_shown = nullptr);
// Every version, newest (the active one) first; one version with its source.
Reply PlanVersions(ReadCtx& c, const Caller& caller);
Reply PlanVersion(ReadCtx& c, const Caller& caller, int64_t version);
// The audit log newest first, each entry with its raw fields and as the reader reads it (Caller::lang):
// action_label, actor_name, target_label, reason and changes [{field, field_label, before, after}]
// (money in yuan, ranks by label, people by name). Owner only.
Reply AuditLog(ReadCtx& c, const Caller& caller, int64_t before, int limit, int utc_offset_minutes);

// ---- scheduler (scheduler.cc) ----
Reply SchedulerPass(Tx& tx, int utc_offset_minutes);

// ---- reports for the web console (reports.cc) ----
// The settings a client needs to show the shop properly: time zone offset, withdrawal minimum and
// fee, whether the sandbox payment provider is offered. Public.
boost::json::value ShopInfo(const ShopConfig& config);
// Dashboard aggregates over whole shop days from `from` to `to` (Unix ms; 0: the last 30 days):
// sales, orders, new members and payouts by day, payouts by earned kind, pools, members by rank.
// Staff only; at most 366 days.
Reply DashboardReport(ReadCtx& c, const Caller& caller, int64_t from, int64_t to, int utc_offset_minutes);
// Every staff account (owner only).
Reply ListStaff(ReadCtx& c, const Caller& caller);
// A member's rank changes, oldest first, each from → to and whether staff set it (staff only).
Reply RankHistory(ReadCtx& c, const Caller& caller, int64_t member);

}  // namespace guanxi::service
