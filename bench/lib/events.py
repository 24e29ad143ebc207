#!/usr/bin/env python3
"""Outgoing-events benchmark driver for bench/events.sh (Python 3 standard library only).

Three measurements, in one run on one machine (see bench/README.md, section "events"); the receiver is
tests/integration/receiver/receiver.js (Node), which verifies every signature with the official
`standardwebhooks` package:

  one     delivery to 1 endpoint: EVENTS_DELIVERIES (50,000) `message.queued` deliveries, delivered once
          live and then replayed all at once (POST /api/v1/subscriptions/{id}/replay): events/s the
          deliverer drains (the receiver's verified count over time) and the gateway's CPU per event,
          against wrk POSTing the same signed bodies to the same receiver route (-c = events.max_in_flight)
  many    the same over EVENTS_MANY_ENDPOINTS (100) subscriptions /hook/e0..e99 of one tenant; wrk over
          the 100 paths with as many connections as the gateway can open (max_in_flight x endpoints,
          at most the poster's 256)
  hook    async sends (wrk, as bench/run.sh's load (a)) through an outlet with a pre-send hook (the
          receiver's /presend/h, verdict allow) against an outlet without, at -c1 and -c32; the hook's own
          latency from wrk POSTing the hook's signed calls to /presend/h directly

Usage: events.py run --mode quick|full --work DIR --out FILE --wagate BIN --nginx BIN --repo DIR
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared helpers of bench/run.sh)
import engine  # noqa: E402  (process, HTTP, CPU and wrk helpers of bench/engine.sh)

SEND_PATH = "/api/v1/messages/send"
EVENT_TYPE = "message.queued"   # one event per accepted send, nothing else: deliveries = sends x endpoints
POSTER_MAX_CONNECTIONS = 256    # events/http_poster.hpp max_connections: the gateway's own ceiling

TARGET_DELIVERY_RATIO = 0.30    # delivered events/s >= 30 % of wrk's rate against the same receiver
# a hook costs a send no more than its own latency: hooked p50 - unhooked p50 <= the hook's own p50


def log(msg):
    print(f"events: {msg}", file=sys.stderr, flush=True)


engine.log = log  # the helpers borrowed from engine.py log under this benchmark's name
fail = engine.fail
Failure = engine.Failure


def settings_for(mode):
    quick = mode == "quick"
    s = {
        "mode": mode,
        "phases": [p.strip() for p in os.environ.get("EVENTS_PHASES", "one,many,hook").split(",") if p.strip()],
        "deliveries": engine.env_int("EVENTS_DELIVERIES", 5000 if quick else 50000),
        "many_endpoints": engine.env_int("EVENTS_MANY_ENDPOINTS", 100),
        "max_in_flight": engine.env_int("EVENTS_MAX_IN_FLIGHT", 16),
        "seconds": engine.env_float("EVENTS_SECONDS", 2 if quick else 10),
        "warmup": engine.env_float("EVENTS_WARMUP", 0 if quick else 2),
        "threads": engine.env_int("EVENTS_THREADS", 2),
        "timeout": engine.env_int("EVENTS_TIMEOUT", 5),
        "bodies": engine.env_int("EVENTS_BODIES", 200 if quick else 1000),
        "hook_concurrency": [int(x) for x in os.environ.get("EVENTS_HOOK_CONCURRENCY", "1,32").split(",")
                             if x.strip()],
        "drain_timeout_s": engine.env_float("EVENTS_DRAIN_TIMEOUT", 300),
        "user_set": os.environ.get("EVENTS_GATEWAY_SET", "").split(),
        "perf": os.environ.get("EVENTS_PERF", "0") not in ("", "0", "no", "false"),
        "startup_timeout": engine.env_float("EVENTS_STARTUP_TIMEOUT", 300),
        "wait_itests_s": 0 if quick else engine.env_float("EVENTS_WAIT_ITESTS", 1200),
        # submit.lua's connections (engine.Run.submit): how the backlog's sends are queued
        "submit_threads": 2,
        "submit_connections": 32,
    }
    bad = [p for p in s["phases"] if p not in ("one", "many", "hook")]
    if bad:
        fail(f"EVENTS_PHASES: unknown phase(s) {bad} (one, many, hook)")
    if s["many_endpoints"] < 1 or s["deliveries"] < s["many_endpoints"]:
        fail("EVENTS_DELIVERIES must be at least EVENTS_MANY_ENDPOINTS (>= 1)")
    if not s["hook_concurrency"] or min(s["hook_concurrency"]) < 1:
        fail("EVENTS_HOOK_CONCURRENCY: a list of connection counts >= 1")
    # every gateway: a 127.0.0.1 receiver must be allowed, and wrk's -c is derived from max_in_flight
    s["gateway_set"] = ["events.allow_private_targets=true", f"events.max_in_flight={s['max_in_flight']}"] + \
        s["user_set"]
    return s


# ---------------------------------------------------------------- Standard Webhooks

def new_secret(rnd):
    return "whsec_" + base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(24))).decode()


def sw_signature(secret, msg_id, timestamp_s, body):
    """The Standard Webhooks v1 signature (docs/events.md): base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"
    keyed with the base64-decoded part of the secret after whsec_."""
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, f"{msg_id}.{timestamp_s}.".encode() + body.encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_requests(secret, items):
    """items: [(webhook id, body, path)] -> replay.lua requests signed now, as the gateway signs them
    (the receiver refuses timestamps more than 5 minutes off: sign right before each load)."""
    ts = int(time.time())
    return [({"Content-Type": "application/json", "webhook-id": wid, "webhook-timestamp": str(ts),
              "webhook-signature": sw_signature(secret, wid, ts, body)}, body, path)
            for wid, body, path in items]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def sorted_compact(obj):
    # nlohmann::json objects keep their keys sorted: the hook call's body as the gateway dumps it
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


# ---------------------------------------------------------------- the benchmark

class Run(engine.Run):
    perf_env = "EVENTS_PERF"

    def __init__(self, args, settings):
        super().__init__(args, settings)
        self.admin_key = "events-bench-admin-" + "%024x" % self.rnd.getrandbits(96)
        self.secret = new_secret(self.rnd)  # every subscription and the hook: the receiver checks one secret
        self.rx = None          # the receiver process (its .addr: HOST:PORT)
        self.rx_url = None
        self.graph_url = None   # nginx: a canned Graph upstream, so the parked outlets' rare sends succeed

    # ------------------------------------------------ the receiver

    def start_receiver(self):
        """One receiver for every endpoint and the hook. --fast: /hook/* verifies, counts and answers 200
        without recording; /presend/* records (bounded by --max-items) and answers the verdict."""
        node = shutil.which("node") or fail("node not found (scripts/install-deps.sh)")
        js = os.path.join(self.args.repo, "tests", "integration", "receiver", "receiver.js")
        ready = os.path.join(self.rec, "receiver.ready")
        argv = [node, js, "--ready-file", ready, "--secret", self.secret, "--fast", "--max-items", "10000"]
        p = self.procs.start("receiver", argv, os.path.join(self.rec, "receiver.log"))
        p.addr = engine.wait_ready_file(ready, p, 30)
        self.rx = p
        self.rx_url = f"http://{p.addr}"
        return p

    def rx_control(self, conn, method, route, body=None):
        _, j = conn.call(method, f"/_control/{route}", body if body is not None else ({} if method == "POST" else None),
                         want=200, what=f"receiver {method} /_control/{route}")
        return j

    @staticmethod
    def counts(stats, kind, names):
        """(received, verified, failed_verification) summed over the named endpoints of one kind."""
        got = [stats.get(kind, {}).get(n, {}) for n in names]
        return (sum(c.get("received", 0) for c in got), sum(c.get("verified", 0) for c in got),
                sum(c.get("failed_verification", 0) for c in got))

    # ------------------------------------------------ gateway helpers

    def tenant_conn(self, gw, key):
        return engine.Conn(gw.addr, {"Authorization": f"Bearer {key}"})

    def metric(self, gw, mc, name):
        return self.metrics(gw, mc).get(name, 0.0)

    def wait_metric(self, gw, mc, name, want, what, timeout):
        """Waits until the counter `name` reaches `want`; fails on no progress for 30 s or after `timeout`."""
        t0 = last_t = time.monotonic()
        last = -1.0
        while True:
            v = self.metric(gw, mc, name)
            now = time.monotonic()
            if v >= want:
                return v, now - t0
            if v > last:
                last, last_t = v, now
            if gw.poll() is not None:
                fail(f"{what}: the gateway died")
            if now - last_t > 30 or now - t0 > timeout:
                fail(f"{what}: {v:.0f} of {want:.0f} after {now - t0:.0f}s")
            time.sleep(0.1)

    def set_enabled(self, gw, key, subs, enabled, parallel=16):
        """PATCH {"enabled": ...} on every subscription from `parallel` keep-alive connections at once, so
        that all endpoints stop (or start) within a short moment."""
        errors = []

        def work(chunk):
            c = self.tenant_conn(gw, key)
            try:
                for sid in chunk:
                    _, j = c.call("PATCH", f"/api/v1/subscriptions/{sid}", {"enabled": enabled}, want=200,
                                  what="PATCH subscription enabled")
                    if j.get("enabled") is not enabled:
                        errors.append(f"{sid}: enabled is {j.get('enabled')} after the PATCH")
            except Exception as e:  # reported below
                errors.append(str(e))
            finally:
                c.close()
        threads = [threading.Thread(target=work, args=(subs[i::parallel],)) for i in range(min(parallel, len(subs)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if errors or any(t.is_alive() for t in threads):
            fail(f"setting enabled={enabled} on the subscriptions: {errors[0] if errors else 'timed out'}")

    # ------------------------------------------------ 1 and 2. delivery

    def phase_delivery(self, key_name, n_endpoints):
        s = self.s
        sends = max(1, s["deliveries"] // n_endpoints)
        total = sends * n_endpoints
        names = [f"e{i}" for i in range(n_endpoints)]
        data_dir = os.path.join(self.work, f"data-{key_name}")
        gw = self.start_gateway(f"gateway-{key_name}", data_dir, self.graph_url)
        a, tenant_id, key = self.new_tenant(gw, f"events-bench-{key_name}")
        outlet = self.new_outlet(a, tenant_id, 1)  # parked: the engine stays idle while events are delivered
        tc = self.tenant_conn(gw, key)
        mc = self.admin(gw)
        rc = engine.Conn(self.rx.addr)
        t_subs = time.time()
        subs = []
        for n in names:
            _, sub = tc.call("POST", "/api/v1/subscriptions",
                             {"url": f"{self.rx_url}/hook/{n}", "events": [EVENT_TYPE], "secret": self.secret},
                             want=201, what="create subscription")
            subs.append(sub["id"])
        self.rx_control(rc, "POST", "reset")
        ok_name = 'wagate_event_deliveries_total{outcome="succeeded"}'
        bad_name = 'wagate_event_deliveries_total{outcome="failed_attempt"}'
        log(f"{key_name}: {n_endpoints} subscription(s) ({EVENT_TYPE}) -> receiver /hook/e*; queueing {sends} sends "
            f"({total} deliveries), delivered live as they come")
        sub_res = self.submit(gw, key_name, key, tenant_id, [outlet["id"]], sends, 30000000)
        live_ok, live_s = self.wait_metric(gw, mc, ok_name, total, f"{key_name}: live deliveries", s["drain_timeout_s"])
        _, live_verified, live_bad = self.counts(self.rx_control(rc, "GET", "stats"), "hook", names)
        if live_bad or live_verified < total:
            self.problems.append(f"{key_name}: the receiver verified {live_verified} of {total} live deliveries "
                                 f"({live_bad} failed verification)")

        # the backlog: every subscription paused, every delivery replayed (pending again, waiting), then
        # every subscription resumed at once: all endpoints start draining within a short moment
        self.quiet_gate(key_name)
        self.set_enabled(gw, key, subs, False)
        replayed = 0
        for sid in subs:
            _, r = tc.call("POST", f"/api/v1/subscriptions/{sid}/replay",
                           {"since": iso(t_subs - 60), "status": "succeeded"}, want=202, what="replay")
            replayed += r["replayed"]
        if replayed != total:
            fail(f"{key_name}: replay made {replayed} deliveries pending, expected {total}")
        self.rx_control(rc, "POST", "reset")
        ok0, bad0 = self.metric(gw, mc, ok_name), self.metric(gw, mc, bad_name)
        procs = {"gateway": gw.pid, "receiver": self.rx.pid}
        samples, stop = [], []
        t_start = time.monotonic()

        def sampler():
            # the receiver's verified count every 0.1 s, from before the resume until all are delivered
            sc = engine.Conn(self.rx.addr)
            while not stop:
                t_a = time.monotonic()
                try:
                    _, verified, _ = self.counts(self.rx_control(sc, "GET", "stats"), "hook", names)
                except Exception as e:  # noqa: BLE001 (the main thread notices a dead receiver)
                    samples.append({"t": t_a - t_start, "error": str(e)})
                    time.sleep(0.1)
                    continue
                t_b = time.monotonic()
                samples.append({"t": (t_a + t_b) / 2 - t_start, "sent": verified, "cpu": engine.cpu_snapshot(procs)})
                time.sleep(max(0.0, 0.1 - (time.monotonic() - t_a)))
            sc.close()

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        perf = None
        try:
            time.sleep(0.25)
            t_resume = time.monotonic()
            self.set_enabled(gw, key, subs, True)
            t_resumed = time.monotonic() - t_start
            deadline = time.monotonic() + 120 + total / 200.0
            last_t, last = time.monotonic(), -1
            while True:
                time.sleep(0.1)
                good = [x for x in samples if "sent" in x]
                done = good[-1]["sent"] if good else 0
                now = time.monotonic()
                if done > last:
                    last_t, last = now, done
                if done >= total:
                    break
                if gw.poll() is not None or self.rx.poll() is not None:
                    fail(f"{key_name}: the {'gateway' if gw.poll() is not None else 'receiver'} died")
                if now - last_t > 30 or now > deadline:
                    fail(f"{key_name}: {done} of {total} replayed deliveries arrived after {now - t_start:.0f}s")
                if s["perf"] and perf is None and done >= 0.2 * total:
                    perf = self.start_perf(gw, f"delivery-{key_name}")
        finally:
            stop.append(True)
            th.join(timeout=10)
        if perf is not None:
            self.finish_perf(perf)
        _, recorded_s = self.wait_metric(gw, mc, ok_name, ok0 + total, f"{key_name}: recording the replayed deliveries",
                                         60)
        failed_attempts = self.metric(gw, mc, bad_name) - bad0
        received, verified, bad = self.counts(self.rx_control(rc, "GET", "stats"), "hook", names)
        if bad or failed_attempts:
            self.problems.append(f"{key_name}: {bad} deliveries failed the receiver's verification, {failed_attempts:.0f} "
                                 "attempts failed")
        samples = [x for x in samples if "sent" in x]
        fig = engine.dispatch_figures(samples, total, t_resumed)
        a_s = next((x for x in samples if x["t"] == fig.get("window_start_s")), None)
        b_s = next((x for x in samples if x["t"] == fig.get("window_end_s")), None)
        cpu = engine.cpu_diff(a_s["cpu"], b_s["cpu"]) if a_s and b_s else None
        engine.noise_warning(cpu, f"delivery {key_name}", self.warnings)
        per_event = None
        if a_s and b_s and fig.get("window_messages"):
            per_event = {p: round((b_s["cpu"][p] - a_s["cpu"][p]) / fig["window_messages"] * 1e6, 1)
                         for p in ("gateway", "receiver") if a_s["cpu"].get(p) is not None}
        with open(os.path.join(self.rec, f"delivery-{key_name}-samples.json"), "w") as f:
            json.dump([{"t": round(x["t"], 3), "delivered": x["sent"]} for x in samples], f)

        ref = self.delivery_reference(key_name, data_dir, names, gw, rc)
        steady = fig.get("steady_mps")
        ratio = round(steady / ref["ok_per_s"], 4) if steady and ref["ok_per_s"] else None
        self.results[key_name] = {
            "endpoints": n_endpoints, "event_type": EVENT_TYPE, "sends": sends, "deliveries": total,
            "submit": sub_res, "live": {"all_delivered_s": round(live_s, 2), "receiver_verified": live_verified},
            "resume_s": round(t_resumed - (t_resume - t_start), 3),
            "steady_events_per_s": steady, "overall_events_per_s": fig.get("overall_mps"),
            "best_1s_events_per_s": fig.get("best_1s_mps"), "all_delivered_s": fig.get("all_sent_s"),
            "window_s": [fig.get("window_start_s"), fig.get("window_end_s")],
            "window_events": fig.get("window_messages"),
            "recorded_after_s": round(recorded_s, 3),
            "receiver": {"received": received, "verified": verified, "failed_verification": bad},
            "failed_attempts": failed_attempts,
            "cpu_percent": cpu, "cpu_us_per_event": per_event,
            "reference": ref, "ratio": ratio,
        }
        log(f"  {key_name}: {engine.num(steady)} events/s steady (10%..90%), {engine.num(fig.get('overall_mps'))} "
            f"overall; gateway {engine.num((per_event or {}).get('gateway'), 1)} µs CPU/event; {engine.cpu_line(cpu)}")
        log(f"  reference wrk {ref['ok_per_s']:.0f} req/s -> ratio {engine.num(ratio * 100 if ratio else None, 1)}%")
        for c in (tc, mc, rc, a):
            c.close()
        self.procs.stop(gw)

    def delivery_reference(self, key_name, data_dir, names, gw, rc):
        """wrk POSTs the events the gateway delivered (payloads and webhook ids from its store), signed
        afresh, to the same receiver routes, with as many connections as the gateway may have open."""
        con = sqlite3.connect(f"file:{os.path.join(data_dir, 'wagate.db')}?mode=ro", uri=True, timeout=30)
        rows = con.execute("SELECT webhook_id, payload FROM events ORDER BY id LIMIT ?", (self.s["bodies"],)).fetchall()
        con.close()
        if not rows:
            fail(f"{key_name}: no events in the gateway's store")
        # every route gets bodies, also when there are fewer events than endpoints
        items = [(*rows[i % len(rows)], f"/hook/{names[i % len(names)]}") for i in range(max(len(rows), len(names)))]
        data = os.path.join(self.rec, f"reference-{key_name}.lua")
        bench.write_lua_data(data, items[0][2], signed_requests(self.secret, items))
        conns = min(self.s["max_in_flight"] * len(names), POSTER_MAX_CONNECTIONS)
        threads = min(self.s["threads"], conns)
        self.quiet_gate(f"{key_name} reference")
        self.rx_control(rc, "POST", "reset")
        log(f"{key_name}: reference: wrk -t{threads} -c{conns} -d{self.s['seconds']:g}s, {len(rows)} signed event bodies "
            f"over {len(names)} receiver route(s)")
        raw, cpu = self.wrk(f"reference_{key_name}", self.rx_url, data, threads, conns, self.s["seconds"],
                            self.s["warmup"], {"receiver": self.rx.pid, "gateway": gw.pid}, self.s["timeout"])
        m = bench.load_metrics(raw, 1)
        m["cpu_percent"] = cpu
        engine.noise_warning(cpu, f"{key_name} reference", self.warnings)
        self.problems += bench.problems_of(f"{key_name} reference", m)
        received, verified, bad = self.counts(self.rx_control(rc, "GET", "stats"), "hook", names)
        if bad:
            self.problems.append(f"{key_name} reference: {bad} of {received} requests failed the receiver's verification")
        m["receiver"] = {"received": received, "verified": verified, "failed_verification": bad}
        m["wrk"] = {"threads": threads, "connections": conns, "seconds": self.s["seconds"],
                    "warmup_s": self.s["warmup"], "distinct_bodies": len(rows), "routes": len(names)}
        return m

    # ------------------------------------------------ 3. pre-send hook

    def phase_hook(self):
        s = self.s
        gw = self.start_gateway("gateway-hook", os.path.join(self.work, "data-hook"), self.graph_url)
        a, tenant_id, key = self.new_tenant(gw, "events-bench-hook")
        plain = self.new_outlet(a, tenant_id, 1)    # parked: the queue grows, the engine stays idle
        hooked = self.new_outlet(a, tenant_id, 1)
        tc = self.tenant_conn(gw, key)
        mc = self.admin(gw)
        rc = engine.Conn(self.rx.addr)
        # fail_closed: a hook that did not answer fails the send (an error wrk counts), so every 2xx of
        # the hooked load waited for the hook's verdict
        _, hook = tc.call("POST", "/api/v1/hooks", {"url": f"{self.rx_url}/presend/h", "outlet_id": hooked["id"],
                                                    "secret": self.secret, "failure_policy": "fail_closed"},
                          want=201, what="create hook")
        self.rx_control(rc, "POST", "reset")  # default verdict: allow
        bodies = {o: [bench.send_body(tenant_id, out["id"], i) for i in range(s["bodies"])]
                  for o, out in (("plain", plain), ("hooked", hooked))}
        data = {}
        for o, bs in bodies.items():
            data[o] = os.path.join(self.rec, f"send-{o}.lua")
            bench.write_lua_data(data[o], SEND_PATH, [({"Content-Type": "application/json",
                                                        "Authorization": f"Bearer {key}"}, b) for b in bs])
        # preflight: the hooked outlet asks the hook, the plain one does not
        for o in ("plain", "hooked"):
            _, ans = tc.call("POST", SEND_PATH, json.loads(bodies[o][0]), want=202, what=f"preflight send ({o})")
            if ans.get("status") != "queued":
                fail(f"preflight send ({o}): expected status queued, got {ans}")
        got = self.counts(self.rx_control(rc, "GET", "stats"), "presend", ["h"])
        if got != (1, 1, 0):
            fail(f"preflight: the hook saw (received, verified, failed) {got}, expected (1, 1, 0)")
        # the hook's own calls, for wrk: the body the gateway POSTs, under ids of the gateway's shape
        hook_items = [(f"hkc_bench{i:08d}", sorted_compact({"tenant_id": tenant_id, "outlet_id": hooked["id"],
                                                           "message": json.loads(b)}), "/presend/h")
                      for i, b in enumerate(bodies["hooked"])]
        log(f"hook: hook {hook['id']} (fail_closed, allow) on one outlet; {s['bodies']} distinct sends per outlet; "
            f"{s['seconds']:g}s per load after {s['warmup']:g}s warm-up")
        out = {}
        for conc in s["hook_concurrency"]:
            self.quiet_gate(f"hook c{conc}")
            threads = min(s["threads"], conc)
            row = {}
            # the hook alone first (the gateway idle), then unhooked and hooked sends back to back
            hook_data = os.path.join(self.rec, f"hook-direct-c{conc}.lua")
            bench.write_lua_data(hook_data, "/presend/h", signed_requests(self.secret, hook_items))
            for name, url, path, procs in (
                    ("hook_alone", self.rx_url, hook_data, {"receiver": self.rx.pid, "gateway": gw.pid}),
                    ("unhooked", f"http://{gw.addr}", data["plain"], {"gateway": gw.pid, "receiver": self.rx.pid}),
                    ("hooked", f"http://{gw.addr}", data["hooked"], {"gateway": gw.pid, "receiver": self.rx.pid})):
                self.rx_control(rc, "POST", "reset")
                verdicts0 = self.verdicts(gw, mc)
                log(f"hook c{conc}: {name}: wrk -t{threads} -c{conc} -d{s['seconds']:g}s")
                perf = self.start_perf(gw, f"hook-{name}-c{conc}") if s["perf"] and name == "hooked" else None
                raw, cpu = self.wrk(f"hook_{name}_c{conc}", url, path, threads, conc, s["seconds"], s["warmup"],
                                    procs, s["timeout"])
                if perf is not None:
                    self.finish_perf(perf)
                m = bench.load_metrics(raw, 1)
                m["cpu_percent"] = cpu
                engine.noise_warning(cpu, f"hook c{conc} {name}", self.warnings)
                self.problems += bench.problems_of(f"hook c{conc} {name}", m)
                received, verified, bad = self.counts(self.rx_control(rc, "GET", "stats"), "presend", ["h"])
                m["hook_calls"] = {"received": received, "verified": verified, "failed_verification": bad}
                m["verdicts"] = {k: v - verdicts0.get(k, 0.0) for k, v in self.verdicts(gw, mc).items()}
                if bad:
                    self.problems.append(f"hook c{conc} {name}: {bad} hook calls failed the receiver's verification")
                if name == "unhooked" and received:
                    self.problems.append(f"hook c{conc} unhooked: the hook was called {received} times")
                if name == "hooked" and m["verdicts"].get("unavailable"):
                    self.problems.append(f"hook c{conc} hooked: {m['verdicts']['unavailable']:.0f} hook calls unavailable")
                row[name] = m
                log(f"  {m['ok_per_s']:.0f} req/s, p50 {m['latency_ms']['p50']:.3f} ms, p99 {m['latency_ms']['p99']:.3f} ms"
                    f"; {engine.cpu_line(cpu)}")
            out[f"c{conc}"] = dict(row, **hook_figures(row), connections=conc, threads=threads)
            f = out[f"c{conc}"]
            log(f"  c{conc}: hooked/unhooked rate {engine.num(f['rate_ratio'] * 100, 1)}%, added p50 "
                f"{f['added_p50_ms']:.3f} ms vs the hook's own p50 {f['hook_p50_ms']:.3f} ms")
        self.results["hook"] = {"hook_id": hook["id"], "failure_policy": "fail_closed", "verdict": "allow",
                                "distinct_bodies": s["bodies"], "seconds": s["seconds"], "warmup_s": s["warmup"],
                                "loads": out}
        for c in (tc, mc, rc, a):
            c.close()
        self.procs.stop(gw)

    def verdicts(self, gw, mc):
        prefix = 'wagate_presend_hook_verdicts_total{verdict="'
        return {k[len(prefix):-2]: v for k, v in self.metrics(gw, mc).items() if k.startswith(prefix)}

    # ------------------------------------------------ all

    def run(self):
        t0 = time.monotonic()
        self.graph_url = self.start_nginx()
        log(f"canned Graph upstream (nginx, 1 worker) at {self.graph_url}; every outlet parked at 1 mps")
        self.start_receiver()
        log(f"receiver (node, standardwebhooks) at {self.rx_url}")
        if "one" in self.s["phases"]:
            self.phase_delivery("one", 1)
        if "many" in self.s["phases"]:
            self.phase_delivery("many", self.s["many_endpoints"])
        if "hook" in self.s["phases"]:
            self.phase_hook()
        self.results["receiver_rss_kb"] = engine.read_status(self.rx.pid)
        self.elapsed = time.monotonic() - t0


def hook_figures(row):
    u, h, alone = row["unhooked"], row["hooked"], row["hook_alone"]
    added = h["latency_ms"]["p50"] - u["latency_ms"]["p50"]
    own = alone["latency_ms"]["p50"]
    return {"rate_ratio": round(h["ok_per_s"] / u["ok_per_s"], 4) if u["ok_per_s"] else None,
            "added_p50_ms": round(added, 3), "hook_p50_ms": own,
            "added_p99_ms": round(h["latency_ms"]["p99"] - u["latency_ms"]["p99"], 3),
            "hook_p99_ms": alone["latency_ms"]["p99"],
            "added_le_hook_p50": added <= own}


# ---------------------------------------------------------------- report

def summarize(run, args, settings):
    r = run.results
    headline, targets = {}, {}
    for key_name in ("one", "many"):
        d = r.get(key_name)
        if not d:
            continue
        n = d["endpoints"]
        headline[f"delivery_{n}_events_per_s"] = d["steady_events_per_s"]
        headline[f"delivery_{n}_reference_req_per_s"] = d["reference"]["ok_per_s"]
        headline[f"delivery_{n}_ratio"] = d["ratio"]
        headline[f"delivery_{n}_gateway_cpu_us_per_event"] = (d["cpu_us_per_event"] or {}).get("gateway")
        targets[f"delivery_{n}_ge_30pct"] = d["ratio"] is not None and d["ratio"] >= TARGET_DELIVERY_RATIO
    hk = r.get("hook")
    if hk:
        for c, f in hk["loads"].items():
            headline[f"hook_{c}_unhooked_req_per_s"] = f["unhooked"]["ok_per_s"]
            headline[f"hook_{c}_hooked_req_per_s"] = f["hooked"]["ok_per_s"]
            headline[f"hook_{c}_rate_ratio"] = f["rate_ratio"]
            headline[f"hook_{c}_added_p50_ms"] = f["added_p50_ms"]
            headline[f"hook_{c}_hook_p50_ms"] = f["hook_p50_ms"]
            targets[f"hook_{c}_added_le_hook_p50"] = f["added_le_hook_p50"]
    doc = {
        "schema": 1,
        "benchmark": "events",
        "mode": settings["mode"],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "elapsed_s": round(getattr(run, "elapsed", 0.0), 1),
        "git_commit": bench.git_commit(args.repo),
        "wagate_bin": args.wagate,
        "wagate_bin_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(args.wagate))),
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip() or None,
                 "data_dir_fs": (subprocess.run(["df", "--output=fstype", args.work], capture_output=True,
                                                text=True).stdout.split() or [None])[-1]},
        "settings": dict(settings),
        "targets": {"delivery_ratio": TARGET_DELIVERY_RATIO,
                    "hook": "added p50 (hooked - unhooked) <= the hook's own p50 (wrk on /presend directly), "
                            "at every concurrency"},
        "headline": headline,
        "target_met": targets,
        "delivery": {k: r[k] for k in ("one", "many") if k in r},
        "hook": hk,
        "receiver_rss_kb": r.get("receiver_rss_kb"),
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
    print_summary(doc, settings, out)
    return doc, targets


def print_summary(doc, settings, out):
    num = engine.num
    print()
    print(f"wagate events benchmark ({settings['mode']}), {os.cpu_count()} CPUs shared by everything; "
          f"took {doc['elapsed_s']:.0f}s; receiver: node + standardwebhooks, one process")
    for label, d in zip(("(a)", "(b)"), doc["delivery"].values()):
        ref, v = d["reference"], d["ratio"]
        verdict = "meets" if v is not None and v >= TARGET_DELIVERY_RATIO else "BELOW"
        per = d["cpu_us_per_event"] or {}
        print(f"  {label} delivery, {d['endpoints']} endpoint(s): {d['deliveries']} {d['event_type']} deliveries replayed "
              f"at once: {num(d['steady_events_per_s'])} events/s steady (10%..90%), {num(d['overall_events_per_s'])} "
              f"overall; gateway {num(per.get('gateway'), 1)} µs CPU/event (receiver {num(per.get('receiver'), 1)})")
        if d.get("cpu_percent"):
            print(f"{'':6}{engine.cpu_line(d['cpu_percent'])}")
        w = ref["wrk"]
        print(f"{'':6}reference: wrk -t{w['threads']} -c{w['connections']} -d{w['seconds']:g}s, the same signed bodies "
              f"to the same {w['routes']} route(s): {ref['ok_per_s']:.0f} req/s (p50 {ref['latency_ms']['p50']:.2f} ms)")
        print(f"{'':6}ratio {num(v * 100 if v is not None else None, 1)}% ({verdict} the 30% target)")
    hk = doc["hook"]
    if hk:
        print(f"  (c) pre-send hook (receiver /presend/h, allow, fail_closed): async sends, {hk['seconds']:g}s per load")
        for c, f in hk["loads"].items():
            u, h, al = f["unhooked"], f["hooked"], f["hook_alone"]
            verdict = "meets" if f["added_le_hook_p50"] else "MISSES"
            print(f"      {c:<4} unhooked {u['ok_per_s']:>7.0f} req/s p50 {u['latency_ms']['p50']:6.2f} ms | hooked "
                  f"{h['ok_per_s']:>7.0f} req/s p50 {h['latency_ms']['p50']:6.2f} ms | hook alone {al['ok_per_s']:>7.0f} "
                  f"req/s p50 {al['latency_ms']['p50']:6.2f} ms")
            print(f"{'':11}rate hooked/unhooked {num(f['rate_ratio'] * 100 if f['rate_ratio'] else None, 1)}%; added p50 "
                  f"{f['added_p50_ms']:.2f} ms vs the hook's own {f['hook_p50_ms']:.2f} ms ({verdict} the target)")
    for w in doc["warnings"]:
        print(f"  WARNING: {w}")
    for p in doc["problems"]:
        print(f"  PROBLEM: {p}")
    print(f"  results: {out}")


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
