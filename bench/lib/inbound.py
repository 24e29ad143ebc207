#!/usr/bin/env python3
"""Inbound (webhook) benchmark driver for bench/inbound.sh (Python 3 standard library only).

Three measurements, in one run on one machine (see bench/README.md, section "inbound"):

  apply   the processor's apply rate: a journal of INBOUND_APPLY_EVENTS (100,000) signed events, half
          customers' messages and half statuses of messages the gateway sent, is written into the
          gateway's store while it is stopped; the gateway is started on it and applies it (it parses
          and authenticates each body again, as after any restart): events/s from its own metrics
  ingest  signed webhook ingest with durability on: POST /webhooks/whatsapp with 1 status, 10 statuses
          and 10 messages per payload (wrk), events/s and latency, against a static "return 200" nginx
          given byte-identical requests in the same run (the ceiling)
  list    GET /api/v1/conversations?outlet_id=...&limit=50 for an outlet with INBOUND_LIST_CONVERSATIONS
          (100,000) conversations, seeded through the webhook receiver: latency of the first page and of
          deep cursor pages (a walk through every page, then wrk)

Usage: inbound.py run --mode quick|full --work DIR --out FILE --wagate BIN --nginx BIN --repo DIR
"""

import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared helpers of bench/run.sh)
import engine  # noqa: E402  (process, HTTP and CPU helpers of bench/engine.sh)

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEBHOOK_PATH = "/webhooks/whatsapp"
SEND_PATH = "/api/v1/messages/send"
DISPLAY = "15550100000"
STATIC_ANSWER = '{"message_id":"x","status":"queued"}'

TARGET_INGEST_RATIO = 0.50    # ingest >= 50 % of the nginx ceiling, for every payload shape
TARGET_APPLY_EPS = 50000      # the processor applies >= 50,000 events/s
TARGET_LIST_P99_MS = 20.0     # conversation list p99 < 20 ms (first page and deep pages)

# (name, kind, events per payload): the ingest loads, in the order they run
SHAPES = [("status_x1", "status", 1), ("status_x10", "status", 10), ("message_x10", "message", 10)]


def log(msg):
    print(f"inbound: {msg}", file=sys.stderr, flush=True)


engine.log = log  # the helpers borrowed from engine.py log under this benchmark's name
fail = engine.fail
Failure = engine.Failure


def settings_for(mode):
    quick = mode == "quick"
    s = {
        "mode": mode,
        "phases": [p.strip() for p in os.environ.get("INBOUND_PHASES", "apply,ingest,list").split(",") if p.strip()],
        "apply_events": engine.env_int("INBOUND_APPLY_EVENTS", 10000 if quick else 100000),
        "apply_per_payload": 50,
        "ingest_seconds": engine.env_float("INBOUND_SECONDS", 2 if quick else 10),
        "ingest_warmup": engine.env_float("INBOUND_WARMUP", 0 if quick else 2),
        "ingest_threads": engine.env_int("INBOUND_THREADS", 2),
        "ingest_connections": engine.env_int("INBOUND_CONNECTIONS", 32),
        "ingest_timeout": engine.env_int("INBOUND_TIMEOUT", 5),
        "ingest_bodies": engine.env_int("INBOUND_BODIES", 1000 if quick else 10000),
        "list_conversations": engine.env_int("INBOUND_LIST_CONVERSATIONS", 10000 if quick else 100000),
        "list_seconds": engine.env_float("INBOUND_LIST_SECONDS", 2 if quick else 10),
        "list_concurrency": [int(x) for x in os.environ.get("INBOUND_LIST_CONCURRENCY", "1,8").split(",") if x.strip()],
        "seed_per_payload": 100,
        "seed_connections": 4,
        "drain_timeout_s": engine.env_float("INBOUND_DRAIN_TIMEOUT", 300),
        "gateway_set": os.environ.get("INBOUND_GATEWAY_SET", "").split(),
        "perf": os.environ.get("INBOUND_PERF", "0") not in ("", "0", "no", "false"),
        "startup_timeout": engine.env_float("INBOUND_STARTUP_TIMEOUT", 300),
        "wait_itests_s": 0 if quick else engine.env_float("INBOUND_WAIT_ITESTS", 1200),
    }
    bad = [p for p in s["phases"] if p not in ("apply", "ingest", "list")]
    if bad:
        fail(f"INBOUND_PHASES: unknown phase(s) {bad} (apply, ingest, list)")
    if s["apply_events"] < 2 * s["apply_per_payload"] or s["apply_events"] % (2 * s["apply_per_payload"]):
        fail(f"INBOUND_APPLY_EVENTS must be a multiple of {2 * s['apply_per_payload']}")
    if s["list_conversations"] < s["seed_per_payload"] or s["list_conversations"] % s["seed_per_payload"]:
        fail(f"INBOUND_LIST_CONVERSATIONS must be a multiple of {s['seed_per_payload']}")
    return s


compact = bench.compact  # ASCII-only JSON, like Meta's
sign = bench.sign        # X-Hub-Signature-256 of a body


def proc_io(pid):
    """/proc/PID/io: wchar (bytes the process passed to write(2)/pwrite(2): SQLite's WAL frames and
    checkpoints) and write_bytes (what reached the block layer); None when unreadable."""
    try:
        with open(f"/proc/{pid}/io") as f:
            return {k: int(v) for k, v in (line.split(":") for line in f if ":" in line)}
    except (OSError, ValueError):
        return None


def io_delta(a, b, events):
    if not a or not b or not events:
        return None
    w = b["wchar"] - a["wchar"]
    d = b.get("write_bytes", 0) - a.get("write_bytes", 0)
    return {"wchar_bytes": w, "write_bytes": d, "wchar_per_event": round(w / events, 1),
            "write_bytes_per_event": round(d / events, 1)}


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def latency_figures(ms):
    v = sorted(ms)
    return {"count": len(v), "p50": round(percentile(v, 50), 3), "p90": round(percentile(v, 90), 3),
            "p99": round(percentile(v, 99), 3), "max": round(v[-1], 3)} if v else {"count": 0}


# ---------------------------------------------------------------- Meta-shaped payloads

class Payloads:
    """Meta-shaped `messages` webhooks for one outlet, signed with its app secret."""

    def __init__(self, outlet, secret):
        self.pnid = outlet["phone_number_id"]
        self.waba = outlet["waba_id"]
        self.secret = secret

    def envelope(self, values):
        return compact({"object": "whatsapp_business_account",
                        "entry": [{"id": self.waba, "changes": [{"field": "messages", "value": v} for v in values]}]})

    def value(self, messages=None, statuses=None, contacts=None):
        v = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": DISPLAY,
                                                          "phone_number_id": self.pnid}}
        if contacts is not None:
            v["contacts"] = contacts
        if messages is not None:
            v["messages"] = messages
        if statuses is not None:
            v["statuses"] = statuses
        return v

    @staticmethod
    def message(wa_id, wamid, ts, text):
        return {"from": wa_id, "id": wamid, "timestamp": str(ts), "type": "text", "text": {"body": text}}

    @staticmethod
    def contact(wa_id):
        return {"profile": {"name": "Customer " + wa_id[-5:]}, "wa_id": wa_id}

    @staticmethod
    def status(wamid, status, ts, recipient, message_id):
        st = {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": recipient,
              "biz_opaque_callback_data": message_id}
        if status != "read":
            st["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
        return st

    def messages_value(self, items):
        """items: [(wa_id, wamid, ts, text)]: one value with a contact per customer."""
        contacts = {}
        for wa_id, *_ in items:
            contacts.setdefault(wa_id, self.contact(wa_id))
        return self.value(messages=[self.message(*it) for it in items], contacts=list(contacts.values()))

    def signed(self, body):
        return body, sign(self.secret, body)


# ---------------------------------------------------------------- store prefill

def prefill_sent(db_path, template_id, ids, wamids, recipients):
    """Copies the real, sent message `template_id` once per (id, wamid, recipient): messages the gateway
    sent (status `sent`, their wamid known), as if sent over the last hour. Status webhooks of the
    apply and ingest loads name them."""
    con = sqlite3.connect(db_path, timeout=60, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    cols = [r[1] for r in con.execute("PRAGMA table_info(messages)")]
    row = con.execute("SELECT * FROM messages WHERE id = ?", (template_id,)).fetchone()
    if row is None:
        fail(f"prefill: message {template_id} not in the store")
    tmpl = dict(zip(cols, row))
    if tmpl["status"] != "sent" or not tmpl["wamid"]:
        fail(f"prefill: the template message is {tmpl['status']} (wamid {tmpl['wamid']}), not sent")
    gr, to = tmpl["graph_request"], tmpl["to_number"]
    if template_id not in gr or to.lstrip("+") not in gr:
        fail("prefill: the template's graph_request does not contain its id and recipient; cannot rewrite it")
    now = int(time.time() * 1000)
    base = now - 3600 * 1000
    sql = f"INSERT INTO messages({','.join(cols)}) VALUES ({','.join('?' for _ in cols)})"

    def rows():
        for i, (mid, wamid, rcpt) in enumerate(zip(ids, wamids, recipients)):
            created = base + i // 50
            r = dict(tmpl)
            r.update(id=mid, wamid=wamid, to_number="+" + rcpt, created_at=created, next_attempt_at=created,
                     claimed_at=created, sent_at=created + 150, updated_at=created + 150,
                     graph_request=gr.replace(template_id, mid).replace(to.lstrip("+"), rcpt))
            yield tuple(r[c] for c in cols)

    con.execute("BEGIN")
    con.executemany(sql, rows())
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def prefill_journal(db_path, signed_bodies):
    """Journal rows exactly as ingest appends them (webhook_journal::Append): body, signature, size,
    not processed."""
    con = sqlite3.connect(db_path, timeout=60, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    now = int(time.time() * 1000)
    con.execute("BEGIN")
    con.executemany("INSERT INTO webhook_journal(received_at, body, signature, bytes) VALUES (?, ?, ?, ?)",
                    ((now, body, sig, len(body.encode())) for body, sig in signed_bodies))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = con.execute("SELECT COUNT(*) FROM webhook_journal WHERE processed = 0").fetchone()[0]
    con.close()
    return n


# ---------------------------------------------------------------- the benchmark

class Run(engine.Run):
    perf_env = "INBOUND_PERF"

    def __init__(self, args, settings):
        super().__init__(args, settings)
        self.admin_key = "inbound-bench-admin-" + "%024x" % self.rnd.getrandbits(96)
        self.secret = "inbound-bench-secret-" + "%016x" % self.rnd.getrandbits(64)
        self.static_url = None
        self.graph_url = None
        self.data_dir = os.path.join(self.work, "data-inbound")
        self.outlet = None          # the outlet of the apply and ingest phases
        self.ingest_set = None      # (ids, wamids, recipients) of sent messages for the ingest statuses
        self.tokens = {}

    # ------------------------------------------------ processes

    def start_nginx(self):
        """One private nginx (1 worker): the static "return 200" ceiling of the ingest loads, and a canned
        Graph upstream that accepts every send (so the gateway can send the one real message)."""
        ngx = os.path.join(self.work, "nginx")
        os.makedirs(os.path.join(ngx, "tmp"), exist_ok=True)
        port = int(subprocess.run([sys.executable, os.path.join(BENCH_DIR, "lib", "bench.py"), "free-port"],
                                  capture_output=True, text=True, timeout=10).stdout.strip())
        conf = f"""# generated by bench/lib/inbound.py: the static "return 200" ceiling, and a canned Graph upstream
worker_processes 1;
daemon off;
pid {ngx}/nginx.pid;
error_log {ngx}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {ngx}/tmp/body;
  proxy_temp_path {ngx}/tmp/proxy;
  fastcgi_temp_path {ngx}/tmp/fastcgi;
  uwsgi_temp_path {ngx}/tmp/uwsgi;
  scgi_temp_path {ngx}/tmp/scgi;
  client_body_buffer_size 1m;
  client_max_body_size 4m;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  default_type application/json;
  server {{
    listen 127.0.0.1:{port};
    location ~ ^/v[0-9]+\\.0/[0-9]+/messages$ {{ return 200 '{engine.GRAPH_SUCCESS}'; }}
    location / {{ return 200 '{STATIC_ANSWER}'; }}
  }}
}}
"""
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(self.rec, "nginx.conf"), "w") as f:
            f.write(conf)
        p = self.procs.start("nginx", [self.args.nginx, "-p", ngx, "-c", os.path.join(ngx, "nginx.conf"),
                                       "-e", os.path.join(ngx, "error.log")], os.path.join(self.rec, "nginx.log"))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                st, body = bench.http("POST", url + WEBHOOK_PATH, b"{}", timeout=2)
                if st == 200:
                    break
                fail(f"nginx answered {st}: {body[:200]!r}")
            except OSError:
                if p.poll() is not None or time.monotonic() > deadline:
                    fail("nginx did not start (see nginx.log / error.log)")
                time.sleep(0.1)
        self.nginx, self.nginx_port = p, port
        self.static_url = self.graph_url = url
        return url

    def new_inbound_outlet(self, gw, name):
        a, tenant_id, key = self.new_tenant(gw, name)
        self.pn_counter += 1
        outlet = {"phone_number_id": "1067" + f"{self.rnd.getrandbits(30) % 10**6:06d}" + f"{self.pn_counter:05d}",
                  "waba_id": "1029" + f"{self.rnd.getrandbits(40) % 10**11:011d}"}
        req = {"name": f"inbound bench {self.pn_counter}", "access_token": "inbound-bench-token",
               "app_secret": self.secret, "verify_token": "inbound-bench-verify", "display_phone_number": DISPLAY,
               "throughput_mps": 1000, **outlet}
        _, o = a.call("POST", f"/api/v1/tenants/{tenant_id}/outlets", req, want=(200, 201), what="create outlet")
        outlet.update(id=o["id"], tenant_id=tenant_id, key=key)
        return a, outlet

    def pending(self, conn):
        _, j = conn.call("GET", "/api/v1/webhook-events?outcome=pending&limit=1", want=200, what="pending events")
        return len(j["events"])

    def events_applied(self, gw, conn):
        """Every webhook event the processor applied since the gateway started (its metric, all types)."""
        m = self.metrics(gw, conn)
        return sum(v for k, v in m.items() if k.startswith("wagate_webhook_events_total{"))

    def wait_drained(self, gw, conn, what, timeout):
        t0 = time.monotonic()
        while self.pending(conn):
            if gw.poll() is not None:
                fail(f"{what}: the gateway died")
            if time.monotonic() - t0 > timeout:
                fail(f"{what}: webhook events still pending after {timeout:.0f}s")
            time.sleep(0.05)
        return time.monotonic() - t0

    def event_totals(self, conn, limit_items):
        """Sums of counts over every recorded webhook event, and the number per outcome."""
        totals, outcomes, cursor = {}, {}, None
        for _ in range(limit_items // 500 + 2):
            q = "/api/v1/webhook-events?limit=500" + (f"&cursor={cursor}" if cursor else "")
            _, j = conn.call("GET", q, want=200, what="webhook events")
            for e in j["events"]:
                outcomes[e["outcome"]] = outcomes.get(e["outcome"], 0) + 1
                for k, v in e["counts"].items():
                    if isinstance(v, (int, float)):
                        totals[k] = totals.get(k, 0) + v
            cursor = j["next_cursor"]
            if not cursor:
                return totals, outcomes
        fail("webhook events: paging does not end")

    # ------------------------------------------------ 1. apply rate

    def phase_apply(self):
        s = self.s
        n = s["apply_events"]
        per = s["apply_per_payload"]
        n_payloads = n // per
        n_statuses = n // 2
        n_out = n_statuses // 2                       # each sent message gets delivered, then read
        n_customers = max(1, (n // 2) // 5)           # five messages per customer
        n_ingest = s["ingest_bodies"] * 10            # sent messages the ingest loads' statuses name
        gw = self.start_gateway("gateway-setup", self.data_dir, self.graph_url)
        a, outlet = self.new_inbound_outlet(gw, "inbound-bench")
        self.outlet = outlet
        # one real message through the API, sent to the canned upstream: the row the prefill copies
        _, ans = engine.Conn(gw.addr, {"Authorization": f"Bearer {outlet['key']}"}).call(
            "POST", SEND_PATH, {"tenant_id": outlet["tenant_id"], "outlet_id": outlet["id"], "to": "+4915123456789",
                                "message": "Inbound benchmark: your order is ready for pickup.",
                                "message_type": "text", "async": True}, want=202, what="send")
        template_id = ans["message_id"]
        deadline = time.monotonic() + 30
        while a.call("GET", f"/api/v1/messages/{template_id}", want=200)[1]["status"] != "sent":
            if time.monotonic() > deadline:
                fail("the template message was not sent within 30 s")
            time.sleep(0.05)
        a.close()
        self.procs.stop(gw)

        rnd = random.Random(7)
        out_ids = [f"msg_APPLY{i:010d}{rnd.getrandbits(40):010X}" for i in range(n_out + n_ingest)]
        out_wamids = [f"wamid.HBgNAPPLY{i:010d}{rnd.getrandbits(48):012X}" for i in range(n_out + n_ingest)]
        out_to = [f"4915{(20000000 + i * 7919) % 100000000:08d}" + "1" for i in range(n_out + n_ingest)]
        self.ingest_set = (out_ids[n_out:], out_wamids[n_out:], out_to[n_out:])
        db_path = os.path.join(self.data_dir, "wagate.db")
        log(f"apply: prefilling {n_out + n_ingest} sent messages and a journal of {n_payloads} payloads x {per} "
            f"events ({n - n_statuses} customers' messages from {n_customers} customers, {n_statuses} statuses)")
        t0 = time.monotonic()
        prefill_sent(db_path, template_id, out_ids, out_wamids, out_to)
        pl = Payloads(outlet, self.secret)
        ts0 = int(time.time()) - 3600
        bodies = []
        for p in range(n_payloads):
            msgs = []
            for j in range(per // 2):
                i = p * (per // 2) + j
                c = f"62811{(10000000 + (i % n_customers) * 4099) % 100000000:08d}"
                msgs.append((c, f"wamid.HBgNIN{i:010d}{rnd.getrandbits(48):012X}", ts0 + i // 20,
                             f"Apply benchmark message {i}: is my order ready?"))
            sts = []
            for j in range(per // 2):
                k = p * (per // 2) + j          # the k-th status: delivered for all first, then read
                m = k % n_out
                sts.append(pl.status(out_wamids[m], "delivered" if k < n_out else "read", ts0 + 60 + k // 20,
                                     out_to[m], out_ids[m]))
            bodies.append(pl.signed(pl.envelope([pl.messages_value(msgs), pl.value(statuses=sts)])))
        journaled = prefill_journal(db_path, bodies)
        prefill_s = time.monotonic() - t0
        if journaled != n_payloads:
            fail(f"apply: {journaled} journal rows pending after the prefill, expected {n_payloads}")
        log(f"  prefilled in {prefill_s:.1f}s; database {os.path.getsize(db_path) / 1e6:.0f} MB")

        self.quiet_gate("apply")
        samples = []
        stop = []
        t_spawn = time.monotonic()
        gw = self.start_gateway("gateway-inbound", self.data_dir, self.graph_url)
        mc = self.admin(gw)
        procs = {"gateway": gw.pid}

        def sampler():
            # the applied-events metric every 0.05 s, from the moment the gateway serves until all are applied
            while not stop:
                t_a = time.monotonic()
                try:
                    applied = self.events_applied(gw, mc)
                except Exception as e:  # noqa: BLE001 (the main thread notices a dead gateway)
                    samples.append({"t": t_a - t_spawn, "error": str(e)})
                    time.sleep(0.05)
                    continue
                t_b = time.monotonic()
                samples.append({"t": (t_a + t_b) / 2 - t_spawn, "applied": applied, "cpu": engine.cpu_snapshot(procs)})
                time.sleep(max(0.0, 0.05 - (time.monotonic() - t_a)))

        io0 = proc_io(gw.pid)  # from readiness: what start-up wrote before it is not counted
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        perf = None
        try:
            deadline = time.monotonic() + s["drain_timeout_s"]
            while True:
                time.sleep(0.05)
                good = [x for x in samples if "applied" in x]
                if good and good[-1]["applied"] >= n:
                    break
                if gw.poll() is not None:
                    fail("apply: the gateway died")
                if time.monotonic() > deadline:
                    fail(f"apply: not done after {s['drain_timeout_s']:.0f}s "
                         f"({good[-1]['applied'] if good else 0:.0f} of {n} applied)")
                if s["perf"] and perf is None and good and good[-1]["applied"] >= 0.1 * n:
                    perf = self.start_perf(gw, "apply")
        finally:
            stop.append(True)
            th.join(timeout=10)
        if perf is not None:
            self.finish_perf(perf)
        drained = self.wait_drained(gw, mc, "apply", 60)
        io = io_delta(io0, proc_io(gw.pid), n)
        body_bytes = sum(len(b[0]) for b in bodies)
        samples = [x for x in samples if "applied" in x]
        fig = engine.dispatch_figures([{"t": x["t"], "sent": x["applied"], "cpu": x["cpu"]} for x in samples], n, 0.0)
        a_s = next((x for x in samples if x["t"] == fig.get("window_start_s")), None)
        b_s = next((x for x in samples if x["t"] == fig.get("window_end_s")), None)
        cpu = engine.cpu_diff(a_s["cpu"], b_s["cpu"]) if a_s and b_s else None
        engine.noise_warning(cpu, "apply", self.warnings)
        totals, outcomes = self.event_totals(mc, 4 * n_payloads)
        want = {"messages": n - n_statuses, "statuses": n_statuses}
        got = {k: totals.get(k, 0) for k in want}
        if got != want or outcomes.get("applied") != n_payloads:
            self.problems.append(f"apply: the journal's outcomes say {got} in {outcomes}, expected {want} in "
                                 f"{n_payloads} applied payloads")
        with open(os.path.join(self.rec, "apply-samples.json"), "w") as f:
            json.dump([{"t": round(x["t"], 3), "applied": x["applied"]} for x in samples], f)
        steady = fig.get("steady_mps")
        self.results["apply"] = {
            "method": ("prefill: the gateway's journal (webhook_journal) gets the signed payloads as ingest appends "
                       "them (body, X-Hub-Signature-256, not processed) while the gateway is stopped, next to "
                       f"{n_out + n_ingest} copies of a real sent message whose wamids the statuses name; the gateway "
                       "is then started on it: its processor parses and authenticates every body again (as after "
                       "any restart: no hand-off from ingest) and applies the journal in batches. The rate is "
                       "wagate_webhook_events_total (all types) over time, sampled every 0.05 s: steady = between "
                       "10 % and 90 % applied; overall = from spawning the gateway to the last event."),
            "events": n, "payloads": n_payloads, "events_per_payload": per,
            "customers_messages": n - n_statuses, "customers": n_customers, "statuses": n_statuses,
            "sent_messages": n_out, "prefill_s": round(prefill_s, 1),
            "steady_events_per_s": steady,
            "overall_events_per_s": round(n / fig["all_sent_s"], 1) if fig.get("all_sent_s") else None,
            "all_applied_s": fig.get("all_sent_s"), "first_seen_s": fig.get("first_send_seen_s"),
            "best_1s_events_per_s": fig.get("best_1s_mps"),
            "window_s": [fig.get("window_start_s"), fig.get("window_end_s")],
            "gateway_ready_s": round(gw.ready_s, 3), "pending_zero_after_s": round(drained, 3),
            "journal_outcomes": outcomes, "journal_counts": totals,
            "cpu_percent": cpu,
            "io": dict(io or {}, journal_body_bytes=body_bytes,
                       note="wchar: bytes the gateway wrote with write(2)/pwrite(2) while applying (SQLite WAL "
                            "frames and checkpoints), from readiness to the end; journal_body_bytes: the bodies "
                            "applied (marking a journal row processed rewrites its record, body included)"),
            "ratio_to_target": round(steady / TARGET_APPLY_EPS, 4) if steady else None,
        }
        log(f"  applied {n} events: {engine.num(steady)} events/s steady (10%..90%), "
            f"{engine.num(self.results['apply']['overall_events_per_s'])} overall from spawn "
            f"(all applied after {fig.get('all_sent_s')}s); {engine.cpu_line(cpu)}")
        if io:
            log(f"  written while applying: {io['wchar_bytes'] / 1e6:.0f} MB through write/pwrite "
                f"({io['wchar_per_event']:.0f} B/event; the journal bodies are {body_bytes / 1e6:.0f} MB), "
                f"{io['write_bytes'] / 1e6:.0f} MB reached the disk")
        mc.close()
        return gw

    # ------------------------------------------------ 2. ingest vs the ceiling

    def ingest_bodies(self, shape, kind, per):
        """Distinct signed bodies of one shape; statuses name the prefilled sent messages."""
        pl = Payloads(self.outlet, self.secret)
        ids, wamids, rcpts = self.ingest_set
        rnd = random.Random(shape)
        ts0 = int(time.time()) - 600
        out = []
        for b in range(self.s["ingest_bodies"]):
            if kind == "status":
                # x1: `delivered` of message b; x10: `read` of messages 10b..10b+9 (real transitions both)
                first = b if per == 1 else b * per
                st = "delivered" if per == 1 else "read"
                sts = [pl.status(wamids[m], st, ts0 + b, rcpts[m], ids[m]) for m in range(first, first + per)]
                body = pl.envelope([pl.value(statuses=sts)])
            else:
                items = []
                for j in range(per):
                    i = b * per + j
                    c = f"62857{(30000000 + (i % 20000) * 6151) % 100000000:08d}"
                    items.append((c, f"wamid.HBgN{shape.upper()}{i:09d}{rnd.getrandbits(48):012X}", ts0 + b,
                                  f"Ingest benchmark message {i}: where is my parcel?"))
                body = pl.envelope([pl.messages_value(items)])
            out.append(({"Content-Type": "application/json", "X-Hub-Signature-256": sign(self.secret, body)}, body))
        return out

    def phase_ingest(self, gw):
        s = self.s
        threads, conns = s["ingest_threads"], s["ingest_connections"]
        data = {}
        for shape, kind, per in SHAPES:
            path = os.path.join(self.work, f"ingest-{shape}.lua")
            bench.write_lua_data(path, WEBHOOK_PATH, self.ingest_bodies(shape, kind, per))
            data[shape] = path
        # a preflight of each shape on the gateway would journal real work before the measurement: the
        # first wrk request is the preflight (wrk counts any non-2xx as an error, which fails the run)
        results = {"nginx": {}, "gateway": {}}
        self.quiet_gate("ingest")
        for shape, kind, per in SHAPES:  # the ceiling first, while the gateway is idle
            log(f"ingest: nginx return-200, {shape}: {s['ingest_seconds']:g}s wrk -t{threads} -c{conns}")
            raw, cpu = self.wrk(f"nginx_{shape}", self.static_url, data[shape], threads, conns, s["ingest_seconds"],
                                s["ingest_warmup"], {"nginx": f"+{self.nginx.pid}", "gateway": gw.pid},
                                s["ingest_timeout"])
            m = bench.load_metrics(raw, per)
            m["cpu_percent"] = cpu
            engine.noise_warning(cpu, f"nginx {shape}", self.warnings)
            self.problems += bench.problems_of(f"nginx {shape}", m)
            results["nginx"][shape] = m
        mc = self.admin(gw)
        for shape, kind, per in SHAPES:
            log(f"ingest: gateway, {shape}: {s['ingest_seconds']:g}s wrk -t{threads} -c{conns}")
            perf = self.start_perf(gw, f"ingest-{shape}") if s["perf"] else None
            io0 = proc_io(gw.pid)
            raw, cpu = self.wrk(f"gateway_{shape}", f"http://{gw.addr}", data[shape], threads, conns,
                                s["ingest_seconds"], s["ingest_warmup"],
                                {"gateway": gw.pid, "nginx": f"+{self.nginx.pid}"}, s["ingest_timeout"])
            if perf is not None:
                self.finish_perf(perf)
            m = bench.load_metrics(raw, per)
            m["cpu_percent"] = cpu
            engine.noise_warning(cpu, f"gateway {shape}", self.warnings)
            self.problems += bench.problems_of(f"gateway {shape}", m)
            # what the processor still had to apply when the load stopped: its backlog, drained here so
            # that it does not spill into the next load
            m["drain_after_s"] = round(self.wait_drained(gw, mc, f"ingest {shape}", s["drain_timeout_s"]), 2)
            m["io"] = io_delta(io0, proc_io(gw.pid), m["requests"] * per)  # the load and its backlog
            m["distinct_bodies"] = s["ingest_bodies"]
            m["first_deliveries_share"] = round(min(1.0, s["ingest_bodies"] / m["requests"]), 3) if m["requests"] else None
            results["gateway"][shape] = m
            if gw.poll() is not None:
                fail(f"ingest {shape}: the gateway died")
        mc.close()
        ratios = {}
        for shape, _, per in SHAPES:
            try:
                c = results["nginx"][shape]["ok_per_s"]
                ratios[shape] = round(results["gateway"][shape]["ok_per_s"] / c, 4) if c else None
            except KeyError:
                ratios[shape] = None
            g = results["gateway"][shape]
            log(f"  {shape}: gateway {g['events_per_s']:.0f} events/s ({g['ok_per_s']:.0f} req/s), p99 "
                f"{g['latency_ms']['p99']:.2f} ms; nginx {results['nginx'][shape]['ok_per_s']:.0f} req/s; "
                f"ratio {engine.num(ratios[shape] * 100 if ratios[shape] is not None else None, 1)}%; "
                f"backlog drained {g['drain_after_s']:.1f}s after the load")
        self.results["ingest"] = {"shapes": {shape: {"kind": kind, "events_per_payload": per}
                                             for shape, kind, per in SHAPES},
                                  "wrk": {"threads": threads, "connections": conns, "seconds": s["ingest_seconds"],
                                          "warmup_s": s["ingest_warmup"], "distinct_bodies": s["ingest_bodies"]},
                                  "gateway": results["gateway"], "nginx": results["nginx"], "ratios": ratios}

    # ------------------------------------------------ 3. conversation list

    def phase_list(self):
        s = self.s
        n = s["list_conversations"]
        per = s["seed_per_payload"]
        gw = self.start_gateway("gateway-list", os.path.join(self.work, "data-list"), self.graph_url)
        a, outlet = self.new_inbound_outlet(gw, "inbound-bench-list")
        pl = Payloads(outlet, self.secret)
        rnd = random.Random(11)
        ts0 = int(time.time()) - 7200
        bodies = []
        for p in range(n // per):
            items = []
            for j in range(per):
                i = p * per + j
                items.append((f"4917{10000000 + i:08d}1", f"wamid.HBgNLIST{i:09d}{rnd.getrandbits(48):012X}",
                              ts0 + i // 20, f"Hello, this is customer {i}."))
            bodies.append(pl.signed(pl.envelope([pl.messages_value(items)])))
        log(f"list: seeding {n} conversations through the webhook receiver ({len(bodies)} payloads x {per} "
            f"messages, each from a new customer; {s['seed_connections']} connections)")
        t0 = time.monotonic()
        self.post_all(gw, bodies, s["seed_connections"])
        t_posted = time.monotonic() - t0
        drained = self.wait_drained(gw, a, "list seeding", s["drain_timeout_s"])
        t_applied = time.monotonic() - t0
        log(f"  posted in {t_posted:.1f}s ({n / t_posted:.0f} events/s), all applied after {t_applied:.1f}s "
            f"({n / t_applied:.0f} events/s, hand-off path, ingest and apply together)")

        # the walk: every page once, in order, one request at a time, each timed
        tc = engine.Conn(gw.addr, {"Authorization": f"Bearer {outlet['key']}"})
        base = f"/api/v1/conversations?outlet_id={outlet['id']}&limit=50"
        seen, cursors, lat = set(), [], []
        cursor = None
        for page in range(n // 50 + 3):
            path = base + (f"&cursor={cursor}" if cursor else "")
            t_a = time.perf_counter()
            _, j = tc.call("GET", path, want=200, what="conversation list")
            lat.append((time.perf_counter() - t_a) * 1000.0)
            cursors.append(path)
            for c in j["conversations"]:
                seen.add(c["id"])
            cursor = j["next_cursor"]
            if not cursor:
                break
        tc.close()
        if len(seen) != n:
            self.problems.append(f"list: walking every page found {len(seen)} distinct conversations, not {n}")
        pages = len(lat)
        walk = {"pages": pages, "first_page_ms": round(lat[0], 3), "all": latency_figures(lat),
                "first_10pct": latency_figures(lat[:max(1, pages // 10)]),
                "last_10pct": latency_figures(lat[-max(1, pages // 10):])}
        with open(os.path.join(self.rec, "list-walk-ms.json"), "w") as f:
            json.dump([round(x, 3) for x in lat], f)
        log(f"  walk of {pages} pages (one client, Python): p50 {walk['all']['p50']:.2f} ms, p99 "
            f"{walk['all']['p99']:.2f} ms; first 10% of pages p99 {walk['first_10pct']['p99']:.2f} ms, last 10% p99 "
            f"{walk['last_10pct']['p99']:.2f} ms")

        # wrk: the first page, and deep pages (cursors from the second half of the walk)
        hdr = {"Authorization": f"Bearer {outlet['key']}"}
        deep = cursors[pages // 2:]
        step = max(1, len(deep) // 200)
        deep = deep[::step][:200]
        loads = {"first_page": [cursors[0]], "deep_pages": deep}
        results = {}
        for name, paths in loads.items():
            data = os.path.join(self.rec, f"list-{name}.lua")
            lines = ["-- generated by bench/lib/inbound.py", "return {", "  method = \"GET\",",
                     f"  path = {bench.lua_str(paths[0])},", "  requests = {"]
            for p in paths:
                h = ", ".join(f"[{bench.lua_str(k)}] = {bench.lua_str(v)}" for k, v in hdr.items())
                lines.append(f"    {{ method = \"GET\", path = {bench.lua_str(p)}, headers = {{ {h} }} }},")
            lines += ["  },", "}", ""]
            with open(data, "w") as f:
                f.write("\n".join(lines))
            for conc in s["list_concurrency"]:
                self.quiet_gate(f"list {name} c{conc}")
                t = min(2, conc)
                log(f"list: {name} ({len(paths)} distinct), wrk -t{t} -c{conc} -d{s['list_seconds']:g}s")
                raw, cpu = self.wrk(f"list_{name}_c{conc}", f"http://{gw.addr}", data, t, conc, s["list_seconds"], 0,
                                    {"gateway": gw.pid}, 5)
                m = bench.load_metrics(raw, 1)
                m["cpu_percent"] = cpu
                engine.noise_warning(cpu, f"list {name} c{conc}", self.warnings)
                self.problems += bench.problems_of(f"list {name} c{conc}", m)
                results[f"{name}_c{conc}"] = m
                log(f"  {m['ok_per_s']:.0f} req/s, p50 {m['latency_ms']['p50']:.2f} ms, p99 {m['latency_ms']['p99']:.2f} ms"
                    f"; {engine.cpu_line(cpu)}")
        a.close()
        self.procs.stop(gw)
        self.results["list"] = {
            "conversations": n, "limit": 50, "seed": {"payloads": len(bodies), "messages_per_payload": per,
                                                       "posted_s": round(t_posted, 2), "applied_s": round(t_applied, 2),
                                                       "pending_zero_wait_s": round(drained, 2),
                                                       "events_per_s_applied": round(n / t_applied, 1)},
            "walk": walk, "wrk": results, "distinct_deep_cursors": len(deep)}

    def post_all(self, gw, bodies, conns):
        """POST every signed body once from `conns` keep-alive connections; each must answer 200."""
        errors = []
        idx = [0]
        lock = threading.Lock()

        def work():
            c = engine.Conn(gw.addr)
            try:
                while not errors:
                    with lock:
                        i = idx[0]
                        idx[0] += 1
                    if i >= len(bodies):
                        return
                    body, sig = bodies[i]
                    st, ans = self.post_raw(c, body, sig)
                    if st != 200:
                        errors.append(f"payload {i}: HTTP {st} {str(ans)[:200]}")
            except Exception as e:  # reported below
                errors.append(str(e))
            finally:
                c.close()
        ts = [threading.Thread(target=work, daemon=True) for _ in range(conns)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=self.s["drain_timeout_s"])
        if errors or any(t.is_alive() for t in ts):
            fail(f"posting webhooks: {errors[0] if errors else 'timed out'}")

    @staticmethod
    def post_raw(conn, body, sig):
        hdrs = {"Content-Type": "application/json", "X-Hub-Signature-256": sig}
        for attempt in (1, 2):
            try:
                if conn.c is None:
                    conn.c = http.client.HTTPConnection(conn.host, conn.port, timeout=60)
                conn.c.request("POST", WEBHOOK_PATH, body=body.encode(), headers=hdrs)
                r = conn.c.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                if conn.c is not None:
                    conn.c.close()
                conn.c = None
                if attempt == 2:
                    raise
        return None, None

    # ------------------------------------------------ all

    def run(self):
        t0 = time.monotonic()
        self.start_nginx()
        log(f"nginx (1 worker) at {self.static_url}: static return-200 ceiling and canned Graph upstream")
        gw = None
        if "apply" in self.s["phases"] or "ingest" in self.s["phases"]:
            gw = self.phase_apply()  # ingest needs its outlet and prefilled messages; it runs on the same gateway
            if "ingest" in self.s["phases"]:
                self.phase_ingest(gw)
            self.results["gateway_rss_kb"] = engine.read_status(gw.pid)
            self.procs.stop(gw)
        if "list" in self.s["phases"]:
            self.phase_list()
        self.elapsed = time.monotonic() - t0


# ---------------------------------------------------------------- report

def summarize(run, args, settings):
    r = run.results
    headline, targets = {}, {}
    ap = r.get("apply")
    if ap:
        headline["apply_events_per_s"] = ap["steady_events_per_s"]
        headline["apply_ratio_to_target"] = ap["ratio_to_target"]
        targets["apply_ge_50000_eps"] = bool(ap["steady_events_per_s"]) and ap["steady_events_per_s"] >= TARGET_APPLY_EPS
    ing = r.get("ingest")
    if ing:
        for shape, _, _ in SHAPES:
            g = ing["gateway"].get(shape)
            if g:
                headline[f"ingest_{shape}_events_per_s"] = g["events_per_s"]
                headline[f"ingest_{shape}_p99_ms"] = g["latency_ms"]["p99"]
                headline[f"ingest_{shape}_ratio"] = ing["ratios"].get(shape)
                v = ing["ratios"].get(shape)
                targets[f"ingest_{shape}_ge_50pct"] = v is not None and v >= TARGET_INGEST_RATIO
    li = r.get("list")
    if li:
        for name in ("first_page", "deep_pages"):
            for conc in settings["list_concurrency"]:
                m = li["wrk"].get(f"{name}_c{conc}")
                if m:
                    headline[f"list_{name}_c{conc}_p99_ms"] = m["latency_ms"]["p99"]
            first = li["wrk"].get(f"{name}_c{settings['list_concurrency'][0]}")
            if first:
                targets[f"list_{name}_p99_lt_20ms"] = first["latency_ms"]["p99"] < TARGET_LIST_P99_MS
        headline["list_walk_p99_ms"] = li["walk"]["all"]["p99"]
    doc = {
        "schema": 1,
        "benchmark": "inbound",
        "mode": settings["mode"],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "elapsed_s": round(getattr(run, "elapsed", 0.0), 1),
        "git_commit": bench.git_commit(args.repo),
        "wagate_bin": args.wagate,
        "wagate_bin_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(args.wagate))),
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "data_dir_fs": (subprocess.run(["df", "--output=fstype", args.work], capture_output=True,
                                                text=True).stdout.split() or [None])[-1]},
        "settings": dict(settings),
        "targets": {"ingest_ratio": TARGET_INGEST_RATIO, "apply_events_per_s": TARGET_APPLY_EPS,
                    "list_p99_ms": TARGET_LIST_P99_MS,
                    "list_target_measured_at": f"wrk -c{settings['list_concurrency'][0]}"},
        "headline": headline,
        "target_met": targets,
        "apply": ap,
        "ingest": ing,
        "list": li,
        "gateway_rss_kb": r.get("gateway_rss_kb"),
        "waited_for_integration_tests_s": run.itest_waits,
        "problems": run.problems,
        "warnings": run.warnings,
        "ok": not run.problems,
    }
    out = args.out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(out + ".tmp", out)

    num = engine.num
    print()
    print(f"wagate inbound benchmark ({settings['mode']}), {os.cpu_count()} CPUs shared by everything; "
          f"took {doc['elapsed_s']:.0f}s")
    if ing:
        w = ing["wrk"]
        print(f"  ingest: signed POST /webhooks/whatsapp, durability on; wrk -t{w['threads']} -c{w['connections']} "
              f"-d{w['seconds']:g}s, {w['distinct_bodies']} distinct bodies per shape; nginx gets the same bytes")
        for shape, kind, per in SHAPES:
            g, c = ing["gateway"].get(shape), ing["nginx"].get(shape)
            if not g or not c:
                continue
            v = ing["ratios"].get(shape)
            verdict = "meets" if v is not None and v >= TARGET_INGEST_RATIO else "BELOW"
            print(f"  (a) {shape:<12} gateway {g['events_per_s']:>9.0f} events/s ({g['ok_per_s']:.0f} req/s)  "
                  f"p50 {g['latency_ms']['p50']:6.2f} ms  p99 {g['latency_ms']['p99']:7.2f} ms  | nginx "
                  f"{c['events_per_s']:>9.0f} events/s  p99 {c['latency_ms']['p99']:6.2f} ms  | ratio "
                  f"{num(v * 100 if v is not None else None, 1)}% ({verdict} the 50% target)")
            if g.get("cpu_percent"):
                print(f"{'':20}{engine.cpu_line(g['cpu_percent'])}")
            print(f"{'':20}backlog applied {g['drain_after_s']:.1f}s after the load; first deliveries "
                  f"{(g['first_deliveries_share'] or 0) * 100:.0f}% of requests (the rest replays)"
                  + (f"; written {g['io']['wchar_per_event']:.0f} B/event" if g.get("io") else ""))
    if ap:
        verdict = "meets" if targets.get("apply_ge_50000_eps") else "BELOW"
        ratio = ap["ratio_to_target"]
        print(f"  (b) apply: journal of {ap['events']} events ({ap['customers_messages']} messages from "
              f"{ap['customers']} customers, {ap['statuses']} statuses; {ap['payloads']} payloads) applied at "
              f"{num(ap['steady_events_per_s'])} events/s steady (10%..90%), {num(ap['overall_events_per_s'])} "
              f"overall from spawn; {num(ratio * 100 if ratio else None, 1)}% of the 50,000/s target ({verdict})")
        if ap.get("cpu_percent"):
            print(f"{'':20}{engine.cpu_line(ap['cpu_percent'])}")
        print(f"{'':20}method: prefilled journal, applied at start-up (every body parsed and authenticated again)")
        io = ap.get("io") or {}
        if io.get("wchar_bytes") is not None:
            print(f"{'':20}written: {io['wchar_bytes'] / 1e6:.0f} MB through write/pwrite ({io['wchar_per_event']:.0f} "
                  f"B/event) for {io['journal_body_bytes'] / 1e6:.0f} MB of journal bodies; "
                  f"{io['write_bytes'] / 1e6:.0f} MB reached the disk")
    if li:
        print(f"  (c) list: GET /api/v1/conversations?outlet_id=...&limit=50, {li['conversations']} conversations "
              f"(seeded via webhooks: applied at {li['seed']['events_per_s_applied']:.0f} events/s with ingest)")
        for key, m in li["wrk"].items():
            name, conc = key.rsplit("_c", 1)
            verdict = ""
            if int(conc) == settings["list_concurrency"][0]:
                verdict = " (meets the <20 ms target)" if m["latency_ms"]["p99"] < TARGET_LIST_P99_MS else " (MISSES the <20 ms target)"
            print(f"      {name:<11} wrk -c{conc:<3} {m['ok_per_s']:>8.0f} req/s  p50 {m['latency_ms']['p50']:7.2f} ms  "
                  f"p99 {m['latency_ms']['p99']:7.2f} ms{verdict}")
        wk = li["walk"]
        print(f"      walk of all {wk['pages']} pages, one at a time (Python client): p50 {wk['all']['p50']:.2f} ms, "
              f"p99 {wk['all']['p99']:.2f} ms, max {wk['all']['max']:.2f} ms")
    for w in run.warnings:
        print(f"  WARNING: {w}")
    for p in run.problems:
        print(f"  PROBLEM: {p}")
    print(f"  results: {out}")
    return doc, targets


def cmd_run(args):
    settings = settings_for(args.mode)
    run = Run(args, settings)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        run.run()
    except Failure as e:
        log(f"FAILED: {e}")
        run.problems.append(str(e))
        run.procs.stop_all()
        try:
            summarize(run, args, settings)
        except Exception as e2:  # the failure itself is what matters
            log(f"(no summary: {e2})")
        return 1
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        run.procs.stop_all()
        return 130
    finally:
        run.procs.stop_all()
    doc, targets = summarize(run, args, settings)
    if run.problems:
        return 1
    if args.enforce and not all(targets.values()):
        log("a target is missed (--enforce)")
        return 2
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("run")
    s.add_argument("--mode", choices=("quick", "full"), required=True)
    s.add_argument("--work", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--wagate", required=True)
    s.add_argument("--nginx", required=True)
    s.add_argument("--repo", default=".")
    s.add_argument("--enforce", action="store_true")
    s.set_defaults(fn=cmd_run)
    args = p.parse_args()
    sys.exit(args.fn(args))


if __name__ == "__main__":
    main()
