// Accounts: member registration with an invite code, login tokens, staff accounts.
#include <string>
#include <unordered_map>
#include <vector>

#include "core/text.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

std::vector<boost::json::object> MemberBriefs(store::Db& db, const core::Engine& engine,
                                              const std::vector<core::MemberId>& ids, bool full_phone) {
  std::vector<json::object> out(ids.size());
  if (ids.empty()) return out;
  // One query for the page, not one per row: "… WHERE m.id IN (?,?,…)", a cached statement per page size.
  std::string sql =
      "SELECT m.id, a.phone, a.name, m.joined_at, m.channel FROM members m LEFT JOIN accounts a ON a.id = m.account "
      "WHERE m.id IN (?";
  for (size_t i = 1; i < ids.size(); ++i) sql += ",?";
  sql += ")";
  std::unordered_map<int64_t, size_t> row_of;  // member id → its place in the page (ids are distinct)
  for (size_t i = 0; i < ids.size(); ++i) {
    out[i]["id"] = int64_t{ids[i]};
    row_of.emplace(ids[i], i);
  }
  store::Stmt& s = db.Cached(sql);
  for (size_t i = 0; i < ids.size(); ++i) s.Bind(static_cast<int>(i) + 1, int64_t{ids[i]});
  while (s.Step()) {
    json::object& o = out[row_of.at(s.Int(0))];
    const std::string phone = s.Text(1);
    o["phone"] = full_phone ? phone : MaskPhone(phone);
    o["name"] = s.Text(2);
    o["display_name"] = PersonName(s.Text(2), phone);
    o["joined_at"] = s.Int(3);
    o["channel"] = s.Text(4);
  }
  s.Reset();
  for (size_t i = 0; i < ids.size(); ++i) out[i]["rank"] = engine.plan().ranks[engine.rank(ids[i])].name;
  return out;
}

std::string People::Name(int64_t member) {
  if (member == reader_) return i18n::Text(lang_, "people.you");
  auto it = names_.find(member);
  if (it != names_.end()) return it->second;
  store::Stmt& s = db_.Cached("SELECT a.name, a.phone FROM members m LEFT JOIN accounts a ON a.id = m.account WHERE m.id = ?");
  s.Bind(1, member);
  std::string name = s.Step() ? PersonName(s.Text(0), s.Text(1)) : std::string();
  s.Reset();
  if (name.empty()) name = i18n::Text(lang_, "people.unnamed");
  return names_.emplace(member, std::move(name)).first->second;
}

boost::json::object MemberBrief(store::Db& db, const core::Engine& engine, core::MemberId m, bool full_phone) {
  return std::move(MemberBriefs(db, engine, {m}, full_phone).front());
}

json::object BalancesJson(const core::Balances& b) {
  return {{"pending", b.pending}, {"available", b.available}, {"frozen", b.frozen}, {"withdrawing", b.withdrawing}};
}

core::Status CheckCredentials(const std::string& phone, const std::string& password) {
  bool ok = phone.size() == 11 && phone[0] == '1';
  for (char ch : phone) ok = ok && ch >= '0' && ch <= '9';
  if (!ok) return Invalid("phone", "a phone number is 11 digits starting with 1");
  return CheckPassword(password);
}

core::Status CheckPassword(const std::string& password) {
  const auto chars = static_cast<int64_t>(core::CountChars(password));
  if (chars < limits::kPasswordMinChars || chars > limits::kPasswordMaxChars) {
    return Invalid("password", core::LengthMessage("password", limits::kPasswordMinChars, limits::kPasswordMaxChars));
  }
  return core::Ok{};
}

namespace {

std::string NewInviteCode(store::Db& db) {
  for (;;) {
    std::string code = InviteCode();
    store::Stmt& s = db.Cached("SELECT 1 FROM members WHERE invite_code = ?");
    s.Bind(1, code);
    const bool taken = s.Step();
    s.Reset();
    if (!taken) return code;
  }
}

bool HasAccount(store::Db& db, const std::string& phone) {
  store::Stmt& s = db.Cached("SELECT 1 FROM accounts WHERE phone = ?");
  s.Bind(1, phone);
  const bool taken = s.Step();
  s.Reset();
  return taken;
}

std::string Channel(const std::string& ch) {
  // Free text from a link: keep it short and printable.
  std::string out;
  for (char c : ch) {
    if (out.size() >= 32) break;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out += c;
    }
  }
  return out;
}

}  // namespace

core::Error PhoneTaken() { return core::MakeError("phone_taken", "an account with this phone number exists", "phone"); }

Reply Register(Tx& tx, const RegisterReq& r) {
  if (HasAccount(tx.db, r.phone)) return PhoneTaken();
  int64_t referrer = -1;
  if (!r.invite_code.empty()) {
    // Codes are upper case (InviteCode); one typed by hand in lower case is the same code.
    std::string code = r.invite_code;
    for (char& ch : code) {
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    store::Stmt& s = tx.db.Cached("SELECT id FROM members WHERE invite_code = ?");
    s.Bind(1, code);
    if (s.Step()) referrer = s.Int(0);
    s.Reset();
    if (referrer < 0) return core::MakeError("unknown_invite_code", "no member has this invite code", "invite_code");
  }
  store::Stmt& acc = tx.db.Cached(
      "INSERT INTO accounts (phone, password_hash, role, created_at) VALUES (?, ?, 'member', ?) RETURNING id");
  acc.Bind(1, r.phone).Bind(2, r.password_hash).Bind(3, tx.now);
  const int64_t account = acc.InsertReturningId();

  auto joined = tx.Engine(Command{Op::kJoin, referrer});
  if (!joined) return joined.error();
  const int64_t member = *joined;
  store::Stmt& mem = tx.db.Cached(
      "INSERT INTO members (id, account, invite_code, referrer, channel, joined_at) VALUES (?,?,?,?,?,?)");
  mem.Bind(1, member).Bind(2, account).Bind(3, NewInviteCode(tx.db));
  if (referrer >= 0) mem.Bind(4, referrer);
  mem.Bind(5, Channel(r.channel)).Bind(6, tx.now);
  mem.Run();
  tx.db.Cached("UPDATE accounts SET member = ? WHERE id = ?").Bind(1, member).Bind(2, account).Run();

  Reply token = IssueToken(tx, account);
  if (!token) return token;
  json::object out = token.value().as_object();
  out["account"] = account;
  out["member"] = MemberBrief(tx.db, tx.engine, static_cast<core::MemberId>(member), true);
  return json::value(std::move(out));
}

std::optional<LoginRecord> FindLogin(ReadCtx& c, const std::string& phone) {
  store::Stmt& s = c.db.Cached("SELECT id, password_hash, role FROM accounts WHERE phone = ? AND disabled = 0");
  s.Bind(1, phone);
  std::optional<LoginRecord> out;
  if (s.Step()) out = LoginRecord{s.Int(0), s.Text(1), s.Text(2)};
  s.Reset();
  return out;
}

Reply PhoneRegistered(ReadCtx& c, const std::string& phone) { return json::value(HasAccount(c.db, phone)); }

Reply IssueToken(Tx& tx, int64_t account) {
  const std::string token = RandomToken();
  const int64_t expires = tx.now + tx.shop.config().token_ttl_ms;
  tx.db.Cached("INSERT INTO tokens (hash, account, created_at, expires_at) VALUES (?,?,?,?)")
      .Bind(1, TokenHash(token))
      .Bind(2, account)
      .Bind(3, tx.now)
      .Bind(4, expires)
      .Run();
  // Old, expired tokens of this account go at the same time.
  tx.db.Cached("DELETE FROM tokens WHERE account = ? AND expires_at <= ?").Bind(1, account).Bind(2, tx.now).Run();
  store::Stmt& s = tx.db.Cached("SELECT role FROM accounts WHERE id = ?");
  s.Bind(1, account);
  std::string role = s.Step() ? s.Text(0) : "";
  s.Reset();
  return json::value{{"token", token}, {"expires_at", expires}, {"role", role}};
}

Reply Logout(Tx& tx, const std::string& token) {
  tx.db.Cached("DELETE FROM tokens WHERE hash = ?").Bind(1, TokenHash(token)).Run();
  return json::value{{"ok", true}};
}

Reply Me(ReadCtx& c, const Caller& caller) {
  if (caller.account < 0) return Unauthorized();
  json::object o{{"account", caller.account}, {"role", caller.role}};
  if (caller.member >= 0) {
    const auto m = static_cast<core::MemberId>(caller.member);
    json::object brief = MemberBrief(c.db, c.engine, m, true);
    store::Stmt& s = c.db.Cached("SELECT invite_code, referrer FROM members WHERE id = ?");
    s.Bind(1, caller.member);
    if (s.Step()) {
      brief["invite_code"] = s.Text(0);
      if (!s.IsNull(1)) brief["referrer"] = MemberBrief(c.db, c.engine, static_cast<core::MemberId>(s.Int(1)), false);
    }
    s.Reset();
    brief["rank_label"] = c.engine.plan().ranks[c.engine.rank(m)].label;
    o["member"] = std::move(brief);
  }
  return json::value(std::move(o));
}

Reply CreateStaff(Tx& tx, const Caller& caller, const std::string& phone, const std::string& password_hash,
                  const std::string& role, const std::string& name) {
  if (caller.role != "owner") return Forbidden();
  if (role != "owner" && role != "finance" && role != "operator" && role != "sales") {
    return Invalid("role", "a staff role is owner, finance, operator or sales");
  }
  if (HasAccount(tx.db, phone)) return core::MakeError("phone_taken", "an account with this login exists", "phone");
  const int64_t id =
      tx.db.Cached("INSERT INTO accounts (phone, password_hash, role, name, created_at) VALUES (?,?,?,?,?) RETURNING id")
          .Bind(1, phone)
          .Bind(2, password_hash)
          .Bind(3, role)
          .Bind(4, name)
          .Bind(5, tx.now)
          .InsertReturningId();
  tx.Audit(caller, "create_staff", "account:" + std::to_string(id), {{"role", role}, {"phone", phone}});
  return json::value{{"account", id}, {"role", role}, {"phone", phone}};
}

Reply EnsureOwner(Tx& tx, const std::string& phone, const std::string& password_hash, bool* created) {
  store::Stmt& s = tx.db.Cached("SELECT phone FROM accounts WHERE role = 'owner' ORDER BY id LIMIT 1");
  if (s.Step()) {
    std::string existing = s.Text(0);
    s.Reset();
    *created = false;
    return json::value{{"phone", existing}};
  }
  s.Reset();
  const int64_t id =
      tx.db
          .Cached("INSERT INTO accounts (phone, password_hash, role, name, created_at) "
                  "VALUES (?,?,'owner','owner',?) RETURNING id")
          .Bind(1, phone)
          .Bind(2, password_hash)
          .Bind(3, tx.now)
          .InsertReturningId();
  *created = true;
  tx.Audit(Caller{}, "create_owner", "account:" + std::to_string(id), {{"phone", phone}});
  return json::value{{"phone", phone}};
}

}  // namespace guanxi::service
