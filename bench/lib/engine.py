#!/usr/bin/env python3
"""Delivery-engine benchmark driver for bench/engine.sh (Python 3 standard library only).

Three measurements, in one run on one machine (see bench/README.md, section "engine"):

  rate      one outlet at each rate of ENGINE_RATES (80, 1000 mps) against the sandbox with no limits
            of its own (--mps 0 --pair-burst 0): achieved send rate / limit, from the sandbox's
            arrival timestamps over a window of ENGINE_RATE_SECONDS
  dispatch  ENGINE_DISPATCH_OUTLETS (200) outlets at ENGINE_DISPATCH_MPS (1000) against a canned nginx
            "Graph success" upstream: messages/s dispatched (wagate_sends_total{outcome="sent"} over
            time), against wrk driving the same upstream with the same requests (the ceiling)
  memory    ENGINE_MEMORY_MESSAGES (1,000,000) queued messages: (VmRSS with them - VmRSS with an empty
            queue) / queued count

Usage: engine.py run --mode quick|full --work DIR --out FILE --wagate BIN --nginx BIN --repo DIR
"""

import argparse
import http.client
import json
import math
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared helpers of bench/run.sh)

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEND_PATH = "/api/v1/messages/send"
GRAPH_SUCCESS = '{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"1"}],"messages":[{"id":"wamid.bench"}]}'
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

TARGET_RATE_ERROR = 0.02      # achieved within 2 % of the limit
TARGET_DISPATCH_RATIO = 0.50  # >= 50 % of wrk's rate against the same upstream
TARGET_BYTES_PER_MSG = 300    # <= 300 bytes of RSS per queued message
OTHER_CPU_WARN = 15.0         # % of one core used by others during a measurement -> disturbed


def log(msg):
    print(f"engine: {msg}", file=sys.stderr, flush=True)


class Failure(Exception):
    pass


def fail(msg):
    raise Failure(msg)


# ---------------------------------------------------------------- settings

def env_int(name, default):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except ValueError:
        fail(f"{name} must be an integer, got {v!r}")


def env_float(name, default):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    try:
        return float(v)
    except ValueError:
        fail(f"{name} must be a number, got {v!r}")


def settings_for(mode):
    quick = mode == "quick"
    s = {
        "mode": mode,
        "phases": [p.strip() for p in os.environ.get("ENGINE_PHASES", "rate,dispatch,memory").split(",") if p.strip()],
        "rates": [int(x) for x in os.environ.get("ENGINE_RATES", "80,1000").split(",") if x.strip()],
        "rate_seconds": env_float("ENGINE_RATE_SECONDS", 5 if quick else 60),
        "rate_lead_seconds": env_float("ENGINE_RATE_LEAD", 1 if quick else 2),
        "rate_overfill": 1.2,
        "dispatch_outlets": env_int("ENGINE_DISPATCH_OUTLETS", 200),
        "dispatch_mps": env_int("ENGINE_DISPATCH_MPS", 1000),
        "dispatch_messages": env_int("ENGINE_DISPATCH_MESSAGES", 20000 if quick else 100000),
        "ceiling_seconds": env_int("ENGINE_CEILING_SECONDS", 3 if quick else 10),
        "ceiling_threads": 2,
        "ceiling_connections": 64,
        "memory_messages": env_int("ENGINE_MEMORY_MESSAGES", 100000 if quick else 1000000),
        "memory_settle_seconds": env_float("ENGINE_MEMORY_SETTLE", 2 if quick else 5),
        "submit_threads": env_int("ENGINE_SUBMIT_THREADS", 2),
        "submit_connections": env_int("ENGINE_SUBMIT_CONNECTIONS", 32),
        "gateway_set": os.environ.get("ENGINE_GATEWAY_SET", "").split(),
        "perf": os.environ.get("ENGINE_PERF", "0") not in ("", "0", "no", "false"),
        "startup_timeout": env_float("ENGINE_STARTUP_TIMEOUT", 300),
        # full runs: before each measurement, wait while integration tests run (seconds, in all)
        "wait_itests_s": 0 if quick else env_float("ENGINE_WAIT_ITESTS", 1200),
    }
    bad = [p for p in s["phases"] if p not in ("rate", "dispatch", "memory")]
    if bad:
        fail(f"ENGINE_PHASES: unknown phase(s) {bad} (rate, dispatch, memory)")
    if any(r < 1 or r > 1000 for r in s["rates"]):
        fail("ENGINE_RATES: each rate must be 1..1000 (the gateway's throughput_mps range)")
    return s


# ---------------------------------------------------------------- processes

class Procs:
    """Every process the driver starts; all are stopped on exit. Their pids also go to WORK/pids so
    that engine.sh's trap can stop them should this driver itself be killed."""

    def __init__(self, work):
        self.work = work
        self.procs = []
        self.pidfile = os.path.join(work, "pids")

    def start(self, name, argv, log_path, env=None):
        logf = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
        logf.close()
        p.bench_name = name
        self.procs.append(p)
        with open(self.pidfile, "a") as f:
            f.write(f"{p.pid}\n")
        return p

    def stop(self, p, timeout=15):
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{p.bench_name} (pid {p.pid}) did not stop in {timeout}s; killing it")
                p.kill()
                p.wait(timeout=10)
        if p in self.procs:
            self.procs.remove(p)
        return p.returncode

    def stop_all(self):
        for p in reversed(list(self.procs)):
            try:
                self.stop(p, timeout=10)
            except Exception as e:  # keep stopping the others
                log(f"could not stop {p.bench_name} (pid {p.pid}): {e}")


def wait_ready_file(path, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                txt = f.read().strip()
            if txt and ":" in txt and txt[-1].isdigit():
                time.sleep(0.05)
                with open(path) as f:
                    if f.read().strip() == txt:
                        return txt
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            fail(f"{proc.bench_name} exited (status {proc.returncode}) before writing {path}")
        time.sleep(0.05)
    fail(f"{proc.bench_name}: timed out after {timeout:.0f}s waiting for its ready file")


def wait_http_ok(url, timeout, proc=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            st, body = bench.http("GET", url, timeout=2)
            if st == 200:
                return
            last = f"HTTP {st}"
        except OSError as e:
            last = str(e)
        if proc is not None and proc.poll() is not None:
            fail(f"{proc.bench_name} exited (status {proc.returncode}) while waiting for {url}")
        time.sleep(0.1)
    fail(f"timed out after {timeout:.0f}s waiting for 200 from {url} (last: {last})")


class Conn:
    """A keep-alive HTTP/1.1 client for many small JSON calls."""

    def __init__(self, addr, headers=None):
        host, port = addr.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.headers = dict(headers or {})
        self.c = None

    def call(self, method, path, body=None, want=None, what=None, timeout=30):
        data = None
        hdrs = dict(self.headers)
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                if self.c is None:
                    self.c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
                self.c.request(method, path, body=data, headers=hdrs)
                r = self.c.getresponse()
                raw = r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                break
            except (OSError, http.client.HTTPException):
                if self.c is not None:
                    self.c.close()
                self.c = None
                if attempt == 2:
                    raise
        if want is not None and status not in (want if isinstance(want, tuple) else (want,)):
            fail(f"{what or method + ' ' + path}: expected HTTP {want}, got {status}: {raw[:400]!r}")
        try:
            return status, (json.loads(raw) if raw else {})
        except ValueError:
            return status, raw

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


def read_status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile (kB) of PID."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads"):
                out[k] = int(v.split()[0])
    return out


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        k, _, v = line.rpartition(" ")
        try:
            out[k] = float(v)
        except ValueError:
            pass
    return out


# ---------------------------------------------------------------- CPU accounting

def driver_cpu():
    """CPU seconds of this driver and its finished (waited-for) children, e.g. wrk."""
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def cpu_snapshot(procs):
    """procs: {name: pid or "+pid" (its children)}."""
    snap = {"t": time.monotonic(), "system": bench.system_busy(), "kernel": bench.kernel_threads_cpu(),
            "driver": driver_cpu()}
    for name, pid in procs.items():
        if isinstance(pid, str) and pid.startswith("+"):
            vals = [bench.cpu_seconds(c) for c in bench.children(int(pid[1:]))]
            snap[name] = sum(v for v in vals if v is not None)
        else:
            snap[name] = bench.cpu_seconds(pid)
            if name == "gateway":
                snap["gateway_threads"] = bench.thread_cpu(pid)
    return snap


def cpu_diff(a, b):
    """CPU use between two snapshots in % of one core; `other` = everything not ours."""
    wall = b["t"] - a["t"]
    if wall <= 0:
        return None
    out = {}
    for k in a:
        if k in ("t", "system", "gateway_threads", "gateway_threads_total"):
            continue
        if a.get(k) is not None and b.get(k) is not None:
            out[k] = round((b[k] - a[k]) / wall * 100.0, 1)
    busy = (b["system"]["busy"] - a["system"]["busy"]) / wall * 100.0
    out["other"] = round(max(0.0, busy - sum(out.values())), 1)
    out["steal"] = round((b["system"]["steal"] - a["system"]["steal"]) / wall * 100.0, 1)
    ta, tb = a.get("gateway_threads") or {}, b.get("gateway_threads") or {}
    threads = {k: round((v - ta.get(k, 0.0)) / wall * 100.0, 1) for k, v in tb.items()}
    busy_threads = {k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v >= 1.0}
    if busy_threads:
        out["gateway_threads"] = busy_threads
        out["gateway_threads_total"] = len(threads)
    return out


def cpu_line(cpu):
    if not cpu:
        return ""
    s = "cpu: " + ", ".join(f"{k} {v:.0f}%" for k, v in cpu.items() if not k.startswith("gateway_threads"))
    th = cpu.get("gateway_threads")
    if th:
        s += f"; busiest of {cpu.get('gateway_threads_total', '?')} gateway threads: " + ", ".join(
            f"{k.replace('/', ' ')} {v:.0f}%" for k, v in list(th.items())[:5])
    return s


def noise_warning(cpu, what, warnings):
    if not cpu:
        return
    noise = cpu.get("other", 0) + cpu.get("steal", 0)
    if noise > OTHER_CPU_WARN:
        warnings.append(f"{what}: other processes/host used {noise:.0f}% of a core during the "
                        f"measurement; its figures are disturbed")


# ---------------------------------------------------------------- the benchmark

class Run:
    perf_env = "ENGINE_PERF"  # the variable that turns perf on, named in warnings (each benchmark its own)

    def __init__(self, args, settings):
        self.args = args
        self.s = settings
        self.work = args.work
        self.rec = os.path.join(self.work, "run")  # kept in results/engine-last-run
        os.makedirs(self.rec, exist_ok=True)
        self.procs = Procs(self.work)
        self.rnd = random.Random()
        self.admin_key = "engine-bench-admin-" + "%024x" % self.rnd.getrandbits(96)
        self.problems = []
        self.warnings = []
        self.results = {}
        self.nginx = None
        self.nginx_port = None
        self.pn_counter = 0
        self.itest_budget = settings["wait_itests_s"]
        self.itest_waits = {}

    def quiet_gate(self, label):
        """Full runs: wait (within the run's budget) while integration tests are running, so that they
        do not disturb the measurement that follows."""
        def running():
            r = subprocess.run(["pgrep", "-f", "python3 .*tests/integration"], capture_output=True, text=True)
            return r.returncode == 0
        if self.itest_budget <= 0 or not running():
            return
        log(f"{label}: integration tests are running; waiting for them (up to {self.itest_budget:.0f}s more)")
        t0 = time.monotonic()
        quiet_since = None
        while time.monotonic() - t0 < self.itest_budget:
            if running():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 5:  # they may run one after another
                break
            time.sleep(1)
        waited = time.monotonic() - t0
        self.itest_budget -= waited
        self.itest_waits[label] = round(waited, 1)
        if running():
            self.warnings.append(f"{label}: measured while integration tests were running (waited {waited:.0f}s)")
            log(f"{label}: still running after the wait; measuring anyway")

    # ------------------------------------------------ processes

    def start_gateway(self, name, data_dir, graph_url):
        os.makedirs(data_dir, exist_ok=True)
        ready = os.path.join(self.rec, f"{name}.ready")
        if os.path.exists(ready):
            os.remove(ready)
        argv = [self.args.wagate, "serve", "--listen", "127.0.0.1:0", "--data", data_dir,
                "--graph-url", graph_url, "--admin-key", self.admin_key, "--ready-file", ready]
        for kv in self.s["gateway_set"]:
            argv += ["--set", kv]
        t0 = time.monotonic()
        p = self.procs.start(name, argv, os.path.join(self.rec, f"{name}.log"))
        addr = wait_ready_file(ready, p, self.s["startup_timeout"])
        wait_http_ok(f"http://{addr}/readyz", 60, p)
        p.ready_s = time.monotonic() - t0
        p.addr = addr
        return p

    def start_sandbox(self):
        ready = os.path.join(self.rec, "sandbox.ready")
        argv = [self.args.wagate, "sandbox", "--listen", "127.0.0.1:0", "--ready-file", ready,
                "--mps", "0", "--pair-burst", "0"]
        p = self.procs.start("sandbox", argv, os.path.join(self.rec, "sandbox.log"))
        p.addr = wait_ready_file(ready, p, 60)
        return p

    def start_nginx(self):
        ngx = os.path.join(self.work, "nginx")
        os.makedirs(os.path.join(ngx, "tmp"), exist_ok=True)
        port = int(subprocess.run([sys.executable, os.path.join(BENCH_DIR, "lib", "bench.py"), "free-port"],
                                  capture_output=True, text=True, timeout=10).stdout.strip())
        conf = f"""# generated by bench/lib/engine.py: a canned Graph upstream answering every send with success
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
    location ~ ^/v[0-9]+\\.0/[0-9]+/messages$ {{
      if ($request_method != POST) {{ return 405; }}
      return 200 '{GRAPH_SUCCESS}';
    }}
    location / {{ return 404 '{{"error":{{"message":"unknown path","code":100}}}}'; }}
  }}
}}
"""
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(self.rec, "nginx.conf"), "w") as f:
            f.write(conf)
        p = self.procs.start("nginx", [self.args.nginx, "-p", ngx, "-c", os.path.join(ngx, "nginx.conf"),
                                       "-e", os.path.join(ngx, "error.log")],
                             os.path.join(self.rec, "nginx.log"))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                st, body = bench.http("POST", f"{url}/v24.0/1065000000/messages", b"{}",
                                      {"Authorization": "Bearer x"}, timeout=2)
                if st == 200 and json.loads(body)["messages"][0]["id"]:
                    break
                fail(f"nginx upstream answered {st}: {body[:200]!r}")
            except OSError:
                if p.poll() is not None or time.monotonic() > deadline:
                    fail("nginx did not start (see nginx.log / error.log)")
                time.sleep(0.1)
        self.nginx, self.nginx_port = p, port
        return url

    # ------------------------------------------------ gateway setup

    def admin(self, gw):
        return Conn(gw.addr, {"Authorization": f"Bearer {self.admin_key}"})

    def new_tenant(self, gw, name):
        a = self.admin(gw)
        _, t = a.call("POST", "/api/v1/tenants", {"name": name}, want=(200, 201), what="create tenant")
        _, k = a.call("POST", f"/api/v1/tenants/{t['id']}/api-keys", {"name": "engine-bench"},
                      want=(200, 201), what="create api key")
        return a, t["id"], k["key"]

    def new_outlet(self, a, tenant_id, mps, pair_burst=None):
        self.pn_counter += 1
        pn = "1066" + f"{self.rnd.getrandbits(30) % 10**6:06d}" + f"{self.pn_counter:05d}"
        token = "engine-bench-token-" + "%016x" % self.rnd.getrandbits(64)
        req = {"name": f"engine bench {self.pn_counter}", "phone_number_id": pn,
               "waba_id": "1029" + f"{self.rnd.getrandbits(40) % 10**11:011d}",
               "access_token": token, "app_secret": "engine-bench-secret",
               "verify_token": "engine-bench-verify", "display_phone_number": "15550100000",
               "throughput_mps": mps}
        if pair_burst is not None:
            req["pair_burst"] = pair_burst
        _, o = a.call("POST", f"/api/v1/tenants/{tenant_id}/outlets", req, want=(200, 201), what="create outlet")
        return {"id": o["id"], "phone_number_id": pn, "token": token}

    def set_mps(self, a, tenant_id, outlet_id, mps):
        _, o = a.call("PATCH", f"/api/v1/tenants/{tenant_id}/outlets/{outlet_id}", {"throughput_mps": mps},
                      want=200, what="PATCH outlet throughput_mps")
        if o.get("throughput_mps") != mps:
            fail(f"PATCH throughput_mps {mps}: outlet answered {o.get('throughput_mps')}")

    def metrics(self, gw, conn=None):
        if conn is not None:
            st, body = conn.call("GET", "/metrics", timeout=10)
            text = body.decode() if isinstance(body, bytes) else json.dumps(body)
        else:
            st, raw = bench.http("GET", f"http://{gw.addr}/metrics", timeout=10,
                                 headers={"Authorization": f"Bearer {self.admin_key}"})
            text = raw.decode()
        if st != 200:
            fail(f"GET /metrics answered {st}")
        return parse_metrics(text)

    def submit(self, gw, name, key, tenant_id, outlets, total, first_number, priority="transactional"):
        """Queue `total` async sends through the API with wrk (bench/wrk/submit.lua)."""
        done_dir = os.path.join(self.work, f"submit-{name}")
        os.makedirs(done_dir, exist_ok=True)
        for f in os.listdir(done_dir):
            os.remove(os.path.join(done_dir, f))
        threads = self.s["submit_threads"]
        conns = max(threads, self.s["submit_connections"])
        data = os.path.join(self.rec, f"submit-{name}.lua")
        with open(data, "w") as f:
            f.write("-- generated by bench/lib/engine.py\nreturn {\n")
            f.write(f"  key = {bench.lua_str(key)},\n  tenant_id = {bench.lua_str(tenant_id)},\n")
            f.write("  outlets = { " + ", ".join(bench.lua_str(o) for o in outlets) + " },\n")
            f.write(f"  total = {int(total)},\n  threads = {threads},\n  first_number = {int(first_number)},\n")
            f.write(f"  priority = {bench.lua_str(priority)},\n  done_dir = {bench.lua_str(done_dir)},\n}}\n")
        # generous bound: 500 accepted/s would be far below anything the gateway does
        limit = 60 + total / 500.0
        out_path = os.path.join(self.rec, f"submit-{name}.txt")
        env = dict(os.environ, BENCH_SUBMIT_DATA=data)
        t0 = time.monotonic()
        with open(out_path, "w") as out:
            p = subprocess.Popen(["wrk", f"-t{threads}", f"-c{conns}", f"-d{int(limit) + 30}s", "--timeout", "10s",
                                  "-s", os.path.join(BENCH_DIR, "wrk", "submit.lua"), f"http://{gw.addr}"],
                                 stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
            try:
                while True:
                    if p.poll() is not None:
                        break
                    if len([f for f in os.listdir(done_dir) if f.startswith("done.")]) >= threads:
                        p.send_signal(signal.SIGINT)  # wrk prints its summary and exits
                        p.wait(timeout=30)
                        break
                    if time.monotonic() - t0 > limit:
                        p.send_signal(signal.SIGINT)
                        p.wait(timeout=30)
                        fail(f"submitting {total} messages took longer than {limit:.0f}s")
                    if gw.poll() is not None:
                        fail("the gateway died while messages were submitted")
                    time.sleep(0.05)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        secs = time.monotonic() - t0
        res = None
        with open(out_path) as f:
            for line in f:
                if line.startswith("BENCH_SUBMIT "):
                    res = json.loads(line[len("BENCH_SUBMIT "):])
        if res is None:
            fail(f"wrk submit: no BENCH_SUBMIT line (see {out_path})")
        if res["refused"] or res["accepted"] != total:
            fail(f"submit {name}: {res['accepted']} of {total} accepted, {res['refused']} refused "
                 f"(see {out_path})")
        res["seconds"] = round(secs, 2)
        res["accepted_per_s"] = round(total / secs, 1) if secs > 0 else None
        log(f"  queued {total} messages through the API in {secs:.1f}s ({total / secs:.0f}/s)")
        return res

    # ------------------------------------------------ 1. rate accuracy

    def phase_rate(self):
        S = self.s["rate_seconds"]
        lead = self.s["rate_lead_seconds"]
        sb = self.start_sandbox()
        sandbox = Conn(sb.addr)
        gw = self.start_gateway("gateway-rate", os.path.join(self.work, "data-rate"), f"http://{sb.addr}")
        log(f"rate: sandbox at {sb.addr} (--mps 0 --pair-burst 0), gateway at {gw.addr}")
        a, tenant_id, key = self.new_tenant(gw, "engine-bench-rate")
        out = {}
        first_number = 10000000
        for R in self.s["rates"]:
            self.quiet_gate(f"rate {R}")
            outlet = self.new_outlet(a, tenant_id, 1, pair_burst=0)  # parked at 1 mps while queueing
            n = int(math.ceil(R * (S + lead) * self.s["rate_overfill"])) + 10
            log(f"rate {R} mps: queueing {n} messages (outlet parked at 1 mps), then {lead:g}s lead-in "
                f"+ {S:g}s measured")
            sub = self.submit(gw, f"rate{R}", key, tenant_id, [outlet["id"]], n, first_number)
            first_number += n
            _, lane = a.call("GET", f"/api/v1/outlets/{outlet['id']}/lane", want=200, what="lane")
            backlog = lane.get("queued")
            sandbox.call("DELETE", "/_sandbox/messages", want=(200, 204), what="clear sandbox log")
            procs = {"gateway": gw.pid, "sandbox": sb.pid}
            t_before = time.time()
            self.set_mps(a, tenant_id, outlet["id"], R)
            t_after = time.time()
            t0 = (t_before + t_after) / 2
            w0, w1 = t0 + lead, t0 + lead + S
            time.sleep(max(0.0, w0 - time.time()))
            c0 = cpu_snapshot(procs)
            time.sleep(max(0.0, w1 - time.time()))
            c1 = cpu_snapshot(procs)
            time.sleep(0.5)
            _, lane_end = a.call("GET", f"/api/v1/outlets/{outlet['id']}/lane", want=200, what="lane")
            self.set_mps(a, tenant_id, outlet["id"], 1)  # park it again: its rest must not disturb what follows
            _, reqs = sandbox.call("GET", "/_sandbox/requests", want=200, what="GET /_sandbox/requests", timeout=60)
            mine = [r for r in reqs["requests"] if r.get("phone_number_id") == outlet["phone_number_id"]]
            times = sorted(r["time_ms"] for r in mine if r.get("http_status") == 200)
            rejected = sum(1 for r in mine if r.get("http_status") != 200)
            m = rate_figures(times, w0 * 1000.0, w1 * 1000.0, R)
            with open(os.path.join(self.rec, f"rate-{R}-times.json"), "w") as f:
                json.dump({"limit_mps": R, "raised_at_ms": round(t0 * 1000, 1), "window_ms": [round(w0 * 1000, 1),
                           round(w1 * 1000, 1)], "accepted_time_ms": times}, f)
            m.update({
                "limit_mps": R, "seconds": S, "lead_in_s": lead, "queued_before": backlog,
                "queued_at_end": lane_end.get("queued"), "submitted": n, "submit": sub,
                "sandbox_rejected": rejected, "patch_latency_ms": round((t_after - t_before) * 1000, 2),
                "lane_at_end": lane_end,
            })
            cpu = cpu_diff(c0, c1)
            m["cpu_percent"] = cpu
            noise_warning(cpu, f"rate {R} mps", self.warnings)
            if rejected:
                self.problems.append(f"rate {R}: the sandbox rejected {rejected} requests (it should not limit)")
            if not lane_end.get("queued"):
                self.problems.append(f"rate {R}: the lane's backlog ran out before the window ended "
                                     f"(queue more: it had {backlog})")
            if m["count"] == 0:
                self.problems.append(f"rate {R}: nothing was sent in the window")
            out[str(R)] = m
            log(f"  achieved {m['achieved_mps']:.2f} mps of {R} = {m['ratio'] * 100:.2f}% "
                f"(per second {m['per_second_min']}..{m['per_second_max']}, busiest sliding second "
                f"{m['max_sliding_second']}) {cpu_line(cpu)}")
        a.close()
        sandbox.call("DELETE", "/_sandbox/messages")
        self.procs.stop(gw)
        self.procs.stop(sb)
        self.results["rate"] = out

    # ------------------------------------------------ 2. aggregate dispatch

    def phase_dispatch(self, upstream):
        n_out = self.s["dispatch_outlets"]
        mps = self.s["dispatch_mps"]
        total = self.s["dispatch_messages"]
        data_dir = os.path.join(self.work, "data-dispatch")
        self.quiet_gate("dispatch")
        gw = self.start_gateway("gateway-dispatch", data_dir, upstream)
        log(f"dispatch: gateway at {gw.addr}, upstream nginx {upstream}; creating {n_out} outlets")
        a, tenant_id, key = self.new_tenant(gw, "engine-bench-dispatch")
        outlets = [self.new_outlet(a, tenant_id, 1) for _ in range(n_out)]
        log(f"dispatch: queueing {total} messages over {n_out} outlets (parked at 1 mps)")
        sub = self.submit(gw, "dispatch", key, tenant_id, [o["id"] for o in outlets], total, 20000000)
        mc = Conn(gw.addr, {"Authorization": f"Bearer {self.admin_key}"})  # /metrics needs the admin key
        m0 = self.metrics(gw, mc)
        depth0 = int(m0.get("wagate_queue_depth", 0))
        sent0 = m0.get('wagate_sends_total{outcome="sent"}', 0.0)
        procs = {"gateway": gw.pid, "nginx": f"+{self.nginx.pid}"}
        samples = []
        stop = []
        import threading

        def sampler():
            # /metrics every 0.1 s from before the limits are raised until every message is sent
            while not stop:
                t_a = time.monotonic()
                try:
                    m = self.metrics(gw, mc)
                except Exception as e:  # noqa: BLE001 (the main thread notices a dead gateway)
                    samples.append({"t": t_a - t_start, "error": str(e)})
                    time.sleep(0.1)
                    continue
                t_b = time.monotonic()
                samples.append({"t": (t_a + t_b) / 2 - t_start,
                                "sent": m.get('wagate_sends_total{outcome="sent"}', 0.0) - sent0,
                                "depth": m.get("wagate_queue_depth"), "in_flight": m.get("wagate_sends_in_flight"),
                                "retry": m.get('wagate_sends_total{outcome="retry"}'),
                                "failed": m.get('wagate_sends_total{outcome="failed"}'),
                                "cpu": cpu_snapshot(procs)})
                time.sleep(max(0.0, 0.1 - (time.monotonic() - t_a)))

        t_start = time.monotonic()
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        time.sleep(0.25)
        t_raise = time.monotonic()
        self.raise_limits(gw, tenant_id, outlets, mps)
        t_patched = time.monotonic()
        log(f"dispatch: {depth0} queued; all outlets raised to {mps} mps in {t_patched - t_raise:.2f}s")
        perf = None
        last_progress, last_sent = time.monotonic(), -1.0
        limit = 120 + depth0 / 200.0
        try:
            while True:
                time.sleep(0.1)
                good = [x for x in samples if "sent" in x]
                sent = good[-1]["sent"] if good else 0.0
                now = time.monotonic()
                if sent > last_sent:
                    last_progress, last_sent = now, sent
                if sent >= depth0:
                    break
                if now - last_progress > 30:
                    fail(f"dispatch: no progress for 30 s ({sent:.0f} of {depth0} sent)")
                if now - t_start > limit:
                    fail(f"dispatch: not done after {limit:.0f}s ({sent:.0f} of {depth0} sent)")
                if gw.poll() is not None:
                    fail("dispatch: the gateway died")
                if self.s["perf"] and perf is None and sent >= 0.2 * depth0:
                    perf = self.start_perf(gw, "dispatch")
        finally:
            stop.append(True)
            th.join(timeout=10)
        if perf is not None:
            self.finish_perf(perf)
        t_end = time.monotonic()
        m_end = self.metrics(gw, mc)
        samples = [x for x in samples if "sent" in x]
        fig = dispatch_figures(samples, depth0, t_patched - t_start)
        a_s = next((x for x in samples if x["t"] == fig.get("window_start_s")), None)
        b_s = next((x for x in samples if x["t"] == fig.get("window_end_s")), None)
        cpu = cpu_diff(a_s["cpu"], b_s["cpu"]) if a_s and b_s else None
        noise_warning(cpu, "dispatch", self.warnings)
        cpu_us_per_message = None
        if cpu and cpu.get("gateway") is not None and b_s["sent"] > a_s["sent"]:
            # the gateway's CPU time over the steady window per message sent in it
            cpu_us_per_message = round(cpu["gateway"] / 100.0 * (b_s["t"] - a_s["t"]) * 1e6 /
                                       (b_s["sent"] - a_s["sent"]), 1)
        gw_rss = read_status(gw.pid)
        retries = (m_end.get('wagate_sends_total{outcome="retry"}', 0) - m0.get('wagate_sends_total{outcome="retry"}', 0))
        failed = (m_end.get('wagate_sends_total{outcome="failed"}', 0) - m0.get('wagate_sends_total{outcome="failed"}', 0))
        if retries or failed:
            self.problems.append(f"dispatch: {retries:.0f} retries and {failed:.0f} failures against a canned success upstream")
        with open(os.path.join(self.rec, "dispatch-samples.json"), "w") as f:
            json.dump([{k: v for k, v in s.items() if k != "cpu"} for s in samples], f)
        # the ceiling: wrk with what the gateway POSTs, against the same nginx, right after (gateway idle)
        ceiling = self.ceiling(data_dir, outlets, upstream)
        ratio = round(fig["steady_mps"] / ceiling["ok_per_s"], 4) if ceiling["ok_per_s"] and fig.get("steady_mps") else None
        settings = {}
        for kv in self.s["gateway_set"]:
            k, _, v = kv.partition("=")
            settings[k] = v
        self.results["dispatch"] = {
            "outlets": n_out, "mps_per_outlet": mps, "messages": depth0, "submit": sub,
            "raise_limits_s": round(t_patched - t_raise, 3),
            "limits_raised_at_s": round(t_patched - t_start, 3),
            "total_s": round(t_end - t_start, 2),
            **fig,
            "cpu_percent": cpu,
            "cpu_us_per_message": cpu_us_per_message,
            "gateway_rss_kb_after": gw_rss.get("VmRSS"), "gateway_hwm_kb": gw_rss.get("VmHWM"),
            "gateway_threads": gw_rss.get("Threads"),
            "gateway_settings": settings or "defaults (docs/configuration.md)",
            "retries": retries, "failures": failed,
            "ceiling": ceiling,
            "ratio": ratio,
        }
        log(f"  dispatched {num(fig['steady_mps'])} msgs/s steady (10%..90%), {num(fig['overall_mps'])} msgs/s "
            f"overall; {cpu_line(cpu)}")
        log(f"  wrk ceiling {num(ceiling['ok_per_s'])} req/s -> ratio {num(ratio * 100 if ratio else None, 1)}%")
        mc.close()
        a.close()
        self.procs.stop(gw)

    def raise_limits(self, gw, tenant_id, outlets, mps, parallel=16):
        """PATCH every outlet's throughput_mps, from `parallel` keep-alive connections at once, so that
        all lanes reach full speed within a short moment."""
        import threading
        errors = []
        chunks = [outlets[i::parallel] for i in range(parallel)]

        def work(chunk):
            try:
                a = self.admin(gw)
                for o in chunk:
                    self.set_mps(a, tenant_id, o["id"], mps)
                a.close()
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(c,)) for c in chunks if c]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if errors:
            fail(f"raising the outlets' limits: {errors[0]}")

    def ceiling(self, data_dir, outlets, upstream):
        # real request bodies from the gateway's store (what it POSTed), with each outlet's path and token
        con = sqlite3.connect(f"file:{os.path.join(data_dir, 'wagate.db')}?mode=ro", uri=True, timeout=30)
        by_id = {o["id"]: o for o in outlets}
        rows = con.execute("SELECT outlet_id, graph_request FROM messages ORDER BY rowid LIMIT 1000").fetchall()
        con.close()
        reqs = []
        for outlet_id, body in rows:
            o = by_id.get(outlet_id)
            if o:
                reqs.append((f"/v24.0/{o['phone_number_id']}/messages", o["token"], body))
        if not reqs:
            fail("ceiling: no request bodies found in the gateway's store")
        data = os.path.join(self.rec, "graph_data.lua")
        bench.write_lua_data(data, reqs[0][0], [
            ({"Content-Type": "application/json", "Authorization": "Bearer " + token}, body, path)
            for path, token, body in reqs])
        secs = self.s["ceiling_seconds"]
        t, c = self.s["ceiling_threads"], self.s["ceiling_connections"]
        self.quiet_gate("ceiling")
        out_path = os.path.join(self.rec, "ceiling-wrk.txt")
        log(f"ceiling: wrk -t{t} -c{c} -d{secs}s POST /v24.0/{{phone_number_id}}/messages against nginx")
        procs = {"nginx": f"+{self.nginx.pid}"}
        c0 = cpu_snapshot(procs)
        with open(out_path, "w") as out:
            r = subprocess.run(["wrk", f"-t{t}", f"-c{c}", f"-d{secs}s", "--timeout", "5s", "--latency",
                                "-s", os.path.join(BENCH_DIR, "wrk", "replay.lua"), upstream],
                               stdout=out, stderr=subprocess.STDOUT, timeout=secs + 60,
                               env=dict(os.environ, BENCH_DATA=data))
        c1 = cpu_snapshot(procs)
        if r.returncode != 0:
            fail(f"wrk ceiling failed (see {out_path})")
        raw, err = bench.parse_wrk(out_path)
        if err:
            fail(f"ceiling: {err}")
        m = bench.load_metrics(raw, 1)
        probs = bench.problems_of("ceiling", m)
        self.problems += probs
        cpu = cpu_diff(c0, c1)
        if cpu:
            cpu["wrk"] = cpu.pop("driver", 0.0)  # the driver idles in wait(); its children's time is wrk's
        m["cpu_percent"] = cpu
        noise_warning(cpu, "ceiling", self.warnings)
        m["wrk"] = {"threads": t, "connections": c, "seconds": secs, "distinct_bodies": len(reqs)}
        return m

    def wrk(self, name, url, data, threads, conns, seconds, warmup, procs, timeout_s):
        """One wrk load of bench/wrk/replay.lua over the data file `data` (after an unrecorded warm-up):
        (wrk's BENCH_RESULT, CPU use of `procs` during the measured part). Shared by inbound.py and events.py."""
        script = os.path.join(BENCH_DIR, "wrk", "replay.lua")
        env = dict(os.environ, BENCH_DATA=data)
        if warmup:
            with open(os.path.join(self.rec, f"{name}.warmup.txt"), "w") as out:
                subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{warmup:g}s", "--timeout", f"{timeout_s}s",
                                "-s", script, url], stdout=out, stderr=subprocess.STDOUT,
                               timeout=warmup + timeout_s + 60, env=env)
        out_path = os.path.join(self.rec, f"{name}.txt")
        c0 = cpu_snapshot(procs)
        with open(out_path, "w") as out:
            r = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds:g}s", "--timeout", f"{timeout_s}s",
                                "--latency", "-s", script, url], stdout=out, stderr=subprocess.STDOUT,
                               timeout=seconds + timeout_s + 60, env=env)
        c1 = cpu_snapshot(procs)
        if r.returncode != 0:
            fail(f"wrk {name} failed (see {out_path})")
        raw, err = bench.parse_wrk(out_path)
        if err:
            fail(f"{name}: {err}")
        cpu = cpu_diff(c0, c1)
        if cpu:
            cpu["wrk"] = cpu.pop("driver", 0.0)  # the driver idles in wait(); its children's time is wrk's
        return raw, cpu

    def start_perf(self, gw, name):
        out = os.path.join(self.work, f"perf-{name}.data")
        log(f"  perf record -g -p {gw.pid} for 5 s ({self.perf_env}=1: this disturbs the figures)")
        p = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-p", str(gw.pid), "-o", out, "--", "sleep", "5"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.warnings.append(f"{name}: perf was recording during the measurement ({self.perf_env}=1); the figures are "
                             "disturbed")
        return (p, out, name)

    def finish_perf(self, perf):
        p, out, name = perf
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        report = os.path.join(self.rec, f"perf-{name}.txt")

        def perf_report(*extra):
            r = subprocess.run(["perf", "report", "-i", out, "--stdio", "--no-children", "-g", "none",
                                "--percent-limit", "0.5", *extra],
                               capture_output=True, text=True, timeout=180)
            return [ln.rstrip() for ln in r.stdout.splitlines() if ln.strip() and not ln.startswith("#")]
        by_thread = perf_report("--sort", "pid")
        with open(report, "w") as f:
            f.write(f"perf record -g -F 499 -p GATEWAY for 5 s during the {name} phase\n\n== by thread ==\n")
            f.write("\n".join(by_thread[:20]) + "\n\n== by symbol, all threads ==\n")
            f.write("\n".join(perf_report("--sort", "dso,symbol")[:60]) + "\n")
            if by_thread:
                tid = by_thread[0].split()[1].split(":")[0]
                f.write(f"\n== by symbol, busiest thread {tid} ==\n")
                f.write("\n".join(perf_report("--sort", "dso,symbol", "--tid", tid)[:40]) + "\n")
                f.write(f"\n== by library, busiest thread {tid} (% of all samples) ==\n")
                f.write("\n".join(perf_report("--sort", "dso", "--tid", tid)[:15]) + "\n")
                r = subprocess.run(["perf", "report", "-i", out, "--stdio", "--children", "--tid", tid, "-g", "none",
                                    "--percent-limit", "4", "--sort", "symbol"],
                                   capture_output=True, text=True, timeout=180)
                f.write(f"\n== inclusive time (children included), busiest thread {tid}: what it is ==\n")
                f.write("\n".join(ln.rstrip()[:220] for ln in r.stdout.splitlines()
                                   if ln.strip() and not ln.startswith("#"))[:8000] + "\n")
        log(f"  perf report: {report}")

    # ------------------------------------------------ 3. memory per queued message

    def phase_memory(self, upstream):
        n = self.s["memory_messages"]
        settle = self.s["memory_settle_seconds"]
        data_dir = os.path.join(self.work, "data-memory")
        db_path = os.path.join(data_dir, "wagate.db")
        gw = self.start_gateway("gateway-memory", data_dir, upstream)
        a, tenant_id, key = self.new_tenant(gw, "engine-bench-memory")
        outlet = self.new_outlet(a, tenant_id, 1)
        # one real message through the API: the template of the prefilled rows
        st, ans = Conn(gw.addr, {"Authorization": f"Bearer {key}"}).call(
            "POST", SEND_PATH, {"tenant_id": tenant_id, "outlet_id": outlet["id"], "conversation_id": "engine-bench-mem",
                                "to": "+4915123456789", "message": "Engine benchmark message 0: your order is ready for pickup.",
                                "message_type": "text", "async": True}, want=202, what="template send")
        template_id = ans["message_id"]
        a.close()
        self.procs.stop(gw)

        # baseline: the same gateway on the same data directory, nothing queued
        log("memory: baseline (the gateway on the same data directory, empty queue)")
        base = self.steady_rss("gateway-memory-base", data_dir, upstream, settle, expect_depth=None)
        schema = subprocess.run(["sqlite3", db_path, ".schema messages"], capture_output=True, text=True, timeout=30).stdout \
            if shutil_which("sqlite3") else None
        if schema:
            with open(os.path.join(self.rec, "messages-schema.sql"), "w") as f:
                f.write(schema)
        log(f"memory: prefilling {n} queued rows into {db_path} (copies of message {template_id})")
        t0 = time.monotonic()
        prefill(db_path, template_id, n, self.rnd)
        prefill_s = time.monotonic() - t0
        db_bytes = os.path.getsize(db_path)
        log(f"  prefilled in {prefill_s:.1f}s; database {db_bytes / 1e6:.0f} MB")
        loaded = self.steady_rss("gateway-memory-full", data_dir, upstream, settle, expect_depth=n)
        depth = loaded["depth"]
        delta_kb = loaded["VmRSS"] - base["VmRSS"]
        per_msg = delta_kb * 1024.0 / depth if depth else None
        anon_per_msg = (loaded["RssAnon"] - base["RssAnon"]) * 1024.0 / depth if depth else None
        hwm_per_msg = (loaded["VmHWM"] - base["VmHWM"]) * 1024.0 / depth if depth else None
        self.results["memory"] = {
            "method": ("prefill: one real message sent through the API is copied into the gateway's SQLite "
                       f"`messages` table {n} times (status queued; new id, recipient and created_at each; "
                       "graph_request rewritten to match) while the gateway is stopped; the gateway is then "
                       "started on that data directory (it reloads every queued message at start); RSS is read "
                       f"from /proc/PID/status {settle:g}s after /readyz and the queue depth both settle. Baseline: "
                       "the same binary started on the same data directory before the prefill (empty queue). "
                       "The outlet runs at 1 mps, so the queue stays full."),
            "queued": depth, "prefilled": n, "prefill_s": round(prefill_s, 1), "db_bytes": db_bytes,
            "baseline": base, "loaded": loaded,
            "rss_delta_kb": delta_kb,
            "bytes_per_message": round(per_msg, 1) if per_msg is not None else None,
            "anon_bytes_per_message": round(anon_per_msg, 1) if anon_per_msg is not None else None,
            "peak_bytes_per_message": round(hwm_per_msg, 1) if hwm_per_msg is not None else None,
            "load_s": loaded["ready_s"],
        }
        log(f"  RSS {base['VmRSS'] / 1024:.1f} MiB empty -> {loaded['VmRSS'] / 1024:.1f} MiB with {depth} queued: "
            f"{per_msg:.0f} bytes per queued message (anon {anon_per_msg:.0f}; peak during load "
            f"{hwm_per_msg:.0f}); start-up with the queue took {loaded['ready_s']:.1f}s")

    def steady_rss(self, name, data_dir, upstream, settle, expect_depth):
        gw = self.start_gateway(name, data_dir, upstream)
        ready_s = gw.ready_s
        mc = Conn(gw.addr, {"Authorization": f"Bearer {self.admin_key}"})  # /metrics needs the admin key
        deadline = time.monotonic() + self.s["startup_timeout"]
        depth = None
        while True:
            depth = int(self.metrics(gw, mc).get("wagate_queue_depth", -1))
            if expect_depth is None or depth >= expect_depth * 0.999:
                break
            if time.monotonic() > deadline:
                fail(f"{name}: queue depth {depth} never reached {expect_depth}")
            time.sleep(0.5)
        # wait until RSS is stable (two reads 1 s apart within 0.2 %), at least `settle` seconds
        time.sleep(settle)
        prev = read_status(gw.pid)
        for _ in range(30):
            time.sleep(1)
            cur = read_status(gw.pid)
            if abs(cur["VmRSS"] - prev["VmRSS"]) <= max(64, prev["VmRSS"] * 0.002):
                break
            prev = cur
        depth = int(self.metrics(gw, mc).get("wagate_queue_depth", -1))
        out = dict(read_status(gw.pid))
        out["depth"] = depth
        out["ready_s"] = round(ready_s, 2)
        mc.close()
        self.procs.stop(gw)
        return out

    # ------------------------------------------------ all

    def run(self):
        t0 = time.monotonic()
        upstream = None
        if "dispatch" in self.s["phases"] or "memory" in self.s["phases"]:
            upstream = self.start_nginx()
            log(f"canned Graph upstream (nginx, 1 worker) at {upstream}")
        if "rate" in self.s["phases"]:
            self.phase_rate()
        if "dispatch" in self.s["phases"]:
            self.phase_dispatch(upstream)
        if "memory" in self.s["phases"]:
            self.phase_memory(upstream)
        self.elapsed = time.monotonic() - t0


def num(v, digits=0):
    return "n/a" if v is None else f"{v:.{digits}f}"


def shutil_which(name):
    import shutil
    return shutil.which(name)


# ---------------------------------------------------------------- figures

def rate_figures(times_ms, w0_ms, w1_ms, limit):
    """times_ms: sorted arrival times of accepted sends."""
    secs = (w1_ms - w0_ms) / 1000.0
    inwin = [t for t in times_ms if w0_ms <= t < w1_ms]
    count = len(inwin)
    achieved = count / secs if secs > 0 else 0.0
    per_sec = [0] * max(1, int(round(secs)))
    for t in inwin:
        i = int((t - w0_ms) // 1000)
        if 0 <= i < len(per_sec):
            per_sec[i] += 1
    # busiest sliding second (Meta counts a sliding second): in the window, and over everything the
    # lane sent (its start after the limit was raised included)
    def busiest(ts):
        best, j = 0, 0
        for i in range(len(ts)):
            while ts[i] - ts[j] >= 1000:
                j += 1
            best = max(best, i - j + 1)
        return best
    best = busiest(times_ms)
    best_in_window = busiest(inwin)
    full = per_sec if len(per_sec) == secs else per_sec[:-1] or per_sec
    return {
        "count": count,
        "achieved_mps": round(achieved, 3),
        "ratio": round(achieved / limit, 5),
        "error_percent": round((achieved / limit - 1) * 100, 3),
        "within_target": abs(achieved / limit - 1) <= TARGET_RATE_ERROR,
        "per_second_min": min(full) if full else 0,
        "per_second_max": max(full) if full else 0,
        "max_sliding_second": best_in_window,
        "max_sliding_second_all": best,
        "total_sent_seen": len(times_ms),
    }


def dispatch_figures(samples, total, t_raised):
    """Steady dispatch rate from the /metrics samples: between the first sample that has >= 10 % of
    the messages sent *and* comes after every lane was raised to full speed, and the last sample
    with <= 90 % sent: (sent_b - sent_a) / (t_b - t_a). Also the overall rate (from raising the
    limits to the last message) and the best 1 s."""
    out = {}
    a = next((x for x in samples if x["t"] >= t_raised and x["sent"] >= 0.10 * total), None)
    b = None
    for x in samples:
        if x["sent"] <= 0.90 * total:
            b = x
    if a is not None and b is not None and b["t"] - a["t"] >= 0.3:
        out["steady_mps"] = round((b["sent"] - a["sent"]) / (b["t"] - a["t"]), 1)
        out["window_start_s"], out["window_end_s"] = a["t"], b["t"]
        out["window_messages"] = int(b["sent"] - a["sent"])
    else:
        out["steady_mps"] = None  # too few samples in the steady part: queue more messages
    done = next((x for x in samples if x["sent"] >= total), samples[-1])
    first = next((x for x in samples if x["sent"] > 0), samples[0])
    out["first_send_seen_s"] = round(first["t"], 3)
    out["all_sent_s"] = round(done["t"], 3)
    raised = next((x for x in samples if x["t"] >= t_raised), samples[0])
    span = done["t"] - raised["t"]
    out["overall_mps"] = round((done["sent"] - raised["sent"]) / span, 1) if span > 0 else None
    best = 0.0
    for i, x in enumerate(samples):
        for y in samples[i + 1:]:
            if y["t"] - x["t"] >= 1.0:
                best = max(best, (y["sent"] - x["sent"]) / (y["t"] - x["t"]))
                break
    out["best_1s_mps"] = round(best, 1) if best else None
    return out


# ---------------------------------------------------------------- prefill

def crockford_time(ms):
    out = []
    for _ in range(10):
        out.append(CROCKFORD[ms & 31])
        ms >>= 5
    return "".join(reversed(out))


def prefill(db_path, template_id, n, rnd):
    """Copies the real message `template_id` n times as fresh `queued` rows (the state
    message_repo::Insert gives a new message), each with its own id, recipient and created_at."""
    con = sqlite3.connect(db_path, timeout=60, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    cols = [r[1] for r in con.execute("PRAGMA table_info(messages)")]
    row = con.execute("SELECT * FROM messages WHERE id = ?", (template_id,)).fetchone()
    if row is None:
        fail(f"prefill: template message {template_id} not in the store")
    tmpl = dict(zip(cols, row))
    # a fresh message: what Insert writes; everything else at its default
    fresh = {"status": "queued", "attempts": 0, "claimed_at": None, "wamid": None, "sent_at": None,
             "delivered_at": None, "read_at": None, "failed_at": None, "error_code": None,
             "error_title": None, "error_details": None, "business_initiated": 0, "deferred_reason": None}
    for k, v in fresh.items():
        if k in tmpl:
            tmpl[k] = v
    gr = tmpl["graph_request"]
    to = tmpl["to_number"]
    if template_id not in gr or to not in gr:
        fail("prefill: the template's graph_request does not contain its id and recipient; cannot rewrite it")
    lag = tmpl["next_attempt_at"] - tmpl["created_at"]
    now = int(time.time() * 1000)
    base = now - n // 10 - 1000  # as if accepted at 10,000/s, finished a second ago
    placeholders = ",".join("?" for _ in cols)
    sql = f"INSERT INTO messages({','.join(cols)}) VALUES ({placeholders})"

    def rows():
        for i in range(n):
            created = base + i // 10
            mid = "msg_" + crockford_time(created) + "".join(CROCKFORD[rnd.getrandbits(5)] for _ in range(16))
            number = "+49152" + f"{(30000000 + i * 7919) % 100000000:08d}"
            r = dict(tmpl)
            r["id"] = mid
            r["to_number"] = number
            r["graph_request"] = gr.replace(template_id, mid).replace(to, number)
            r["created_at"] = created
            r["next_attempt_at"] = created + lag
            if "updated_at" in r:
                r["updated_at"] = created
            yield tuple(r[c] for c in cols)

    con.execute("BEGIN")
    con.executemany(sql, rows())
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    got = con.execute("SELECT COUNT(*) FROM messages WHERE status = 'queued'").fetchone()[0]
    con.close()
    if got < n:
        fail(f"prefill: only {got} queued rows after inserting {n}")


# ---------------------------------------------------------------- report

def summarize(run, args, settings):
    r = run.results
    targets = {}
    headline = {}
    for R, m in (r.get("rate") or {}).items():
        headline[f"rate_{R}_achieved_mps"] = m["achieved_mps"]
        headline[f"rate_{R}_ratio"] = m["ratio"]
        targets[f"rate_{R}_within_2pct"] = m["within_target"]
    d = r.get("dispatch")
    if d:
        headline["dispatch_msgs_per_s"] = d.get("steady_mps")
        headline["ceiling_wrk_req_per_s"] = d["ceiling"]["ok_per_s"]
        headline["dispatch_ratio"] = d.get("ratio")
        headline["dispatch_cpu_us_per_message"] = d.get("cpu_us_per_message")
        targets["dispatch_ratio_ge_50pct"] = d.get("ratio") is not None and d["ratio"] >= TARGET_DISPATCH_RATIO
    mem = r.get("memory")
    if mem:
        headline["bytes_per_queued_message"] = mem["bytes_per_message"]
        headline["memory_queued"] = mem["queued"]
        targets["memory_le_300_bytes"] = mem["bytes_per_message"] is not None and mem["bytes_per_message"] <= TARGET_BYTES_PER_MSG
    itests = os.environ.get("ENGINE_ITESTS_RUNNING", "")
    if itests:
        run.warnings.append(f"integration tests were running during this run ({itests}); figures may be disturbed")
    doc = {
        "schema": 1,
        "benchmark": "engine",
        "mode": settings["mode"],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "elapsed_s": round(getattr(run, "elapsed", 0.0), 1),
        "git_commit": bench.git_commit(args.repo),
        "wagate_bin": args.wagate,
        "wagate_bin_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(args.wagate))),
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "data_dir_fs": (subprocess.run(["df", "--output=fstype", args.work], capture_output=True,
                                                text=True).stdout.split() or [None])[-1]},
        "settings": {k: v for k, v in settings.items()},
        "targets": {"rate_error": TARGET_RATE_ERROR, "dispatch_ratio": TARGET_DISPATCH_RATIO,
                    "bytes_per_queued_message": TARGET_BYTES_PER_MSG},
        "headline": headline,
        "target_met": targets,
        "rate": r.get("rate"),
        "dispatch": d,
        "memory": mem,
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

    print()
    print(f"wagate engine benchmark ({settings['mode']}), {os.cpu_count()} CPUs shared by everything; "
          f"took {doc['elapsed_s']:.0f}s")
    for R, m in (r.get("rate") or {}).items():
        verdict = "meets" if m["within_target"] else "MISSES"
        print(f"  rate {R:>5} mps: achieved {m['achieved_mps']:9.2f} mps = {m['ratio'] * 100:6.2f}% of the limit "
              f"over {m['seconds']:g}s ({verdict} the ±2% target); per second {m['per_second_min']}..{m['per_second_max']}, "
              f"busiest sliding second {m['max_sliding_second']}")
        if m.get("cpu_percent"):
            print(f"{'':18}{cpu_line(m['cpu_percent'])}")
    if d:
        ratio = d.get("ratio")
        verdict = "meets" if targets.get("dispatch_ratio_ge_50pct") else "BELOW"
        print(f"  dispatch: {d['outlets']} outlets x {d['mps_per_outlet']} mps, {d['messages']} queued: "
              f"{num(d['steady_mps'])} msgs/s steady (10%..90%), {num(d['overall_mps'])} overall, "
              f"best 1 s {num(d['best_1s_mps'])}")
        if d.get("cpu_percent"):
            print(f"{'':12}{cpu_line(d['cpu_percent'])}")
        if d.get("cpu_us_per_message") is not None:
            print(f"{'':12}gateway cpu per dispatched message: {d['cpu_us_per_message']:.0f} µs")
        c = d["ceiling"]
        print(f"  ceiling: wrk -t{c['wrk']['threads']} -c{c['wrk']['connections']} -d{c['wrk']['seconds']}s "
              f"same POSTs to the same nginx: {c['ok_per_s']:.0f} req/s (p50 {c['latency_ms']['p50']:.2f} ms)")
        if c.get("cpu_percent"):
            print(f"{'':12}{cpu_line(c['cpu_percent'])}")
        print(f"  ratio dispatch/ceiling: {num(ratio * 100 if ratio is not None else None, 1)}% "
              f"({verdict} the 50% target)")
    if mem:
        verdict = "meets" if targets.get("memory_le_300_bytes") else "ABOVE"
        print(f"  memory: {mem['queued']} queued -> {mem['bytes_per_message']:.0f} bytes per queued message "
              f"(RSS {mem['baseline']['VmRSS'] / 1024:.1f} -> {mem['loaded']['VmRSS'] / 1024:.1f} MiB; "
              f"anonymous {mem['anon_bytes_per_message']:.0f} B/msg; {verdict} the 300-byte target)")
        print(f"          method: prefilled SQLite rows (copies of a real message), baseline = same gateway "
              f"and data dir before the prefill; start-up with the queue {mem['load_s']:.1f}s")
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
