#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the tests and the docs: replay lines from
tests/scenarios/*.jsonl, plans from plans/*.toml, settings keys from docs/service.md, JSON bodies as the
tests in tests/http/*.cc send them, raw HTTP requests. Run from the repository root after building the
`fuzz` preset (api_body_fuzz is asked for its route list): python3 fuzz/seed-corpus.py"""
import glob
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def replay():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/scenarios/*.jsonl"))):
        stem = os.path.basename(path)[: -len(".jsonl")]
        plan = json.load(open(path[: -len(".jsonl")] + ".expected.json")).get("plan", "chain-2plus1-699")
        text = open(path).read()
        if plan != "chain-2plus1-699":
            text = "plan=" + plan + "\n" + text
        write("replay_fuzz", stem, text)
    write("replay_fuzz", "malformed", '{"cmd":"join","member":"A"}\n{"cmd":"order","order":"o1","member":"A","sku":"pkg699","qty":1.5}\n[1]\n\n{"cmd":"nope"}\n')


def plans():
    for path in sorted(glob.glob(os.path.join(ROOT, "plans/*.toml"))):
        write("plan_fuzz", os.path.basename(path)[:-5], open(path).read())
    write("plan_fuzz", "minimal", 'name = "m"\n[[ranks]]\nname = "fan"\n[[products]]\nsku = "a"\nprice = 100\n'
          '[[activities]]\nname = "x"\nall_products = true\n[[activities.rules]]\nkind = "referral"\n'
          'earned = "direct"\ngeneration = 1\namount = 10\n')


def settings():
    doc = open(os.path.join(ROOT, "docs/service.md")).read()
    keys = sorted(set(re.findall(r"^\| `([a-z_]+)`", doc, re.M)) | {"withdraw_fee_bps", "read_timeout_ms",
                                                                      "idle_timeout_ms", "threads"})
    example = {"timezone": '"Asia/Shanghai"', "order_ttl_minutes": "15", "auto_confirm_days": "7",
               "return_window_days": "7", "token_ttl_days": "7", "withdraw_min": "1000", "withdraw_fee_fixed": "0",
               "withdraw_fee_bps": "50", "payment_secret": '"0123456789abcdef0123"', "sandbox_payments": "true",
               "login_max_failures": "5", "max_batch": "1024", "huge_pages": "false",
               "body_limit_bytes": "1048576", "read_timeout_ms": "15000", "idle_timeout_ms": "60000",
               "threads": "2", "public_url": '"https://shop.example.cn"', "static_dir": '"web/dist"'}
    for k in keys:
        write("settings_fuzz", k, "%s = %s\n" % (k, example.get(k, '"x"')))
    write("settings_fuzz", "all", "".join("%s = %s\n" % (k, v) for k, v in example.items()))
    write("settings_fuzz", "offset", 'timezone = "+05:30"\n')
    write("settings_fuzz", "unknown", "# a misspelt key\nthread = 2\n")
    write("settings_fuzz", "wrong_type", 'threads = "2"\nwithdraw_min = 10.5\n')


def http():
    reqs = {
        "get_healthz": "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "login": 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
                 'Content-Length: 45\r\n\r\n{"phone":"13800000002","password":"password1"}',
        "bearer_query": "GET /api/v1/admin/orders?status=paid&limit=5&after=10 HTTP/1.1\r\nHost: x\r\n"
                        "Authorization: Bearer abc123\r\n\r\n",
        "chunked": "POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   '9\r\n{"items":\r\n1c\r\n[{"sku":"tea","qty":2}]}    \r\n0\r\n\r\n',
        "pipelined": "GET /api/v1/products HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/products/tea HTTP/1.1\r\n"
                     "Host: x\r\nConnection: close\r\n\r\n",
        "http10": "GET /api/v1/plan HTTP/1.0\r\n\r\n",
        "absolute_form": "GET http://127.0.0.1:8080/api/v1/orders/12 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "percent": "POST /api/v1/orders/1%2F2/refund HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        "expect_continue": "PUT /api/v1/admin/products/tea HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                           'Content-Length: 38\r\n\r\n{"name":"tea","price":9900,"stock":50}',
        "method_not_allowed": "DELETE /api/v1/orders HTTP/1.1\r\nHost: x\r\n\r\n",
        "designer": "GET /api/v1/admin/designer/simulations/3/report.html HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad_line": "GET  /healthz HTTP/1.1\r\n\r\n",
        "static": "GET /admin/members/12?x=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    }
    for name, r in reqs.items():
        write("http_request_fuzz", name, r)


def api_body():
    binary = os.path.join(ROOT, "build/fuzz/fuzz/api_body_fuzz")
    out = subprocess.run([binary], env=dict(os.environ, GUANXI_FUZZ_LIST_ROUTES="1"), capture_output=True,
                         text=True, check=True).stdout
    index = {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        index[" ".join(parts[1:])] = int(parts[0])
    anon, a, b, owner, finance, operator = range(6)
    scenario = ('name = "api"\ndays = 30\nseed = 11\nmax_members = 200\n[start]\nmembers = 5\n[invite]\n'
                'daily_bps = 1500\ninvitees = [1, 2]\n[package]\nsku = "pkg699"\nbuy_bps = 6000\n[orders]\n'
                'refund_bps = 500\nsettle_after_days = 10\n')
    plan = open(os.path.join(ROOT, "plans/one-level.toml")).read()
    # (route, caller, path value, query, body)
    seeds = [
        ("POST /api/v1/auth/register", anon, "", "", {"phone": "13800000009", "password": "password1",
                                                       "invite_code": "NOPE", "channel": "douyin"}),
        ("POST /api/v1/auth/login", anon, "", "", {"phone": "13800000002", "password": "fuzz-password"}),
        ("POST /api/v1/auth/logout", b, "", "", ""),
        ("GET /api/v1/me", a, "", "", ""),
        ("GET /api/v1/plan", b, "", "", ""),
        ("GET /api/v1/products", anon, "", "after=0&limit=5", ""),
        ("GET /api/v1/products/{sku}", b, "tea", "", ""),
        ("GET /api/v1/admin/products", operator, "", "limit=2", ""),
        ("POST /api/v1/admin/products", operator, "", "",
         {"sku": "flash", "name": "flash sale", "price": 100, "stock": 50, "member_prices": {"member": 90},
          "images": ["/a.png"], "status": "on", "description": "龙井"}),
        ("PUT /api/v1/admin/products/{sku}", operator, "tea", "", {"price": 8800, "stock": 50}),
        ("POST /api/v1/orders", b, "key-1", "", {"items": [{"sku": "tea", "qty": 2}], "pay": "sandbox"}),
        ("POST /api/v1/orders", a, "", "", {"items": [{"sku": "pkg699", "qty": 1}]}),
        ("GET /api/v1/orders", b, "", "status=paid&limit=3", ""),
        ("GET /api/v1/orders/{id}", b, "2", "", ""),
        ("POST /api/v1/orders/{id}/cancel", b, "2", "", ""),
        ("POST /api/v1/orders/{id}/pay", b, "2", "", {"provider": "sandbox"}),
        ("POST /api/v1/orders/{id}/confirm", b, "1", "", ""),
        ("POST /api/v1/orders/{id}/refund", b, "1", "", {"reason": "破损"}),
        ("POST /api/v1/admin/orders/{id}/ship", operator, "2", "", {"tracking": "SF123"}),
        ("POST /api/v1/admin/orders/{id}/refund", finance, "1", "", ""),
        ("POST /api/v1/admin/orders/{id}/refund/reject", finance, "1", "", {"note": "used"}),
        ("POST /api/v1/admin/withdrawals/{id}/pay", finance, "1", "", {"reference": "BANK-1"}),
        ("POST /api/v1/admin/withdrawals/{id}/reject", finance, "1", "", {"note": "wrong account"}),
        ("GET /api/v1/admin/orders", owner, "", "member=1&status=paid", ""),
        ("POST /api/v1/payments/sandbox/{intent}/complete", b, "pi_x", "", ""),
        ("POST /api/v1/payments/notify/sandbox", anon | 0x80, "", "",
         {"intent": "pi_x", "txn": "t1", "amount": 9900, "status": "succeeded"}),
        ("GET /api/v1/me/wallet", a, "", "", ""),
        ("GET /api/v1/me/earnings", a, "", "before=0&limit=5", ""),
        ("POST /api/v1/me/withdrawals", a, "", "", {"amount": 1000}),
        ("GET /api/v1/me/withdrawals", a, "", "after=-1", ""),
        ("GET /api/v1/admin/withdrawals", finance, "", "status=requested&member=0", ""),
        ("GET /api/v1/me/team", a, "", "", ""),
        ("GET /api/v1/me/team/directs", a, "", "limit=1", ""),
        ("GET /api/v1/me/team/members", a, "", "after=0", ""),
        ("GET /api/v1/me/invite", a, "", "", ""),
        ("GET /api/v1/me/invite/qr.png", a, "", "", ""),
        ("GET /api/v1/admin/members", operator, "", "q=138&limit=5", ""),
        ("GET /api/v1/admin/members/{id}", operator, "1", "", ""),
        ("GET /api/v1/admin/members/{id}/children", operator, "0", "", ""),
        ("POST /api/v1/admin/members/{id}/rank", owner, "2", "", {"rank": "partner"}),
        ("POST /api/v1/admin/members/{id}/rebind", owner, "2", "", {"referrer": 0}),
        ("POST /api/v1/admin/staff", owner, "", "", {"phone": "sales", "password": "sales-password",
                                                     "role": "sales", "name": "销售"}),
        ("GET /api/v1/admin/plan", finance, "", "", ""),
        ("POST /api/v1/admin/plan", owner, "", "", {"toml": plan, "note": "one level"}),
        ("GET /api/v1/admin/plan/versions", owner, "", "", ""),
        ("GET /api/v1/admin/plan/versions/{version}", owner, "1", "", ""),
        ("POST /api/v1/admin/close-day", owner, "", "", ""),
        ("GET /api/v1/admin/ledger", finance, "", "", ""),
        ("GET /api/v1/admin/audit", owner, "", "before=0&limit=10", ""),
        ("POST /api/v1/admin/designer/lint", operator, "", "", {"wechat": False}),
        ("POST /api/v1/admin/designer/lint", owner, "", "", {"plan": plan}),
        ("POST /api/v1/admin/designer/calc/members", finance, "", "",
         {"reach": 100000, "fan_bps": 3000, "deal_bps": 2000, "member_bps": 5000}),
        ("POST /api/v1/admin/designer/calc/lifetime", finance, "", "",
         {"frequency": 4, "lifetime": 2.5, "ticket": 19900}),
        ("POST /api/v1/admin/designer/calc/fission", finance, "", "",
         {"referrals": 3, "generations": 5, "seeds": 100, "conversion_bps": 2000}),
        ("POST /api/v1/admin/designer/simulations", operator, "", "", {"scenario": scenario}),
        ("GET /api/v1/admin/designer/simulations", owner, "", "", ""),
        ("GET /api/v1/admin/designer/simulations/{id}", owner, "1", "", ""),
        ("GET /api/v1/admin/designer/simulations/{id}/report", owner, "1", "", ""),
        ("GET /api/v1/admin/designer/simulations/{id}/report.html", owner, "1", "", ""),
        ("GET /api/v1/shop", anon, "", "", ""),
        ("GET /api/v1/admin/reports/summary", owner, "", "from=0&to=1890000000000", ""),
        ("GET /api/v1/admin/staff", owner, "", "", ""),
        ("GET /api/v1/admin/members/{id}/ranks", operator, "1", "", ""),
        ("GET /api/v1/admin/members/{id}/earnings", finance, "0", "limit=5", ""),
        ("PAY", b, "", "", ""),
        ("TIME", 24, "", "", ""),
        ("GET /healthz", anon, "", "", ""),
        ("GET /metrics", anon, "", "", ""),
    ]
    covered = set()
    for i, (route, caller, value, query, body) in enumerate(seeds):
        if route not in index:
            raise SystemExit("seed-corpus: no route " + route)
        covered.add(route)
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        data = bytes([index[route], caller]) + ("%s\n%s\n%s" % (value, query, text)).encode()
        name = "%02d-" % i + re.sub(r"[^a-z0-9]+", "-", route.lower()).strip("-")
        write("api_body_fuzz", name, data)
    missing = set(index) - covered
    if missing:
        raise SystemExit("seed-corpus: routes without a seed: " + ", ".join(sorted(missing)))


if __name__ == "__main__":
    replay()
    plans()
    settings()
    http()
    api_body()
