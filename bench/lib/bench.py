#!/usr/bin/env python3
"""Helpers for bench/run.sh (Python 3 standard library only).

Subcommands:
  free-port                      print a free TCP port on 127.0.0.1
  wait-ready FILE PID TIMEOUT    wait until FILE holds HOST:PORT (process PID must stay alive); print it
  wait-http URL TIMEOUT          wait until GET URL answers 200
  setup ...                      configure sandbox + gateway (tenant, outlet, key), preflight checks,
                                 and generate the wrk request data files
  check-ceiling URL              one POST of each path against nginx, expect 200
  vm PID                         print "VmHWM VmRSS" (kB) of PID
  fetch URL FILE                 save GET URL to FILE (best effort, for the run's record)
  summarize ...                  parse the wrk outputs, print the summary, write the JSON result
"""

import argparse
import hashlib
import hmac
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

SEND_PATH = "/api/v1/messages/send"
WEBHOOK_PATH = "/webhooks/whatsapp"
TARGET_RATIO = 0.30
OTHER_CPU_WARN = 15.0  # % of one core used by others during a load before the run is called disturbed


def die(msg):
    print(f"bench: error: {msg}", file=sys.stderr)
    sys.exit(1)


def http(method, url, body=None, headers=None, timeout=10.0):
    """Returns (status, body_bytes). Never raises for HTTP error statuses."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def expect(status, body, want, what):
    if status not in (want if isinstance(want, tuple) else (want,)):
        die(f"{what}: expected HTTP {want}, got {status}: {body[:500]!r}")
    try:
        return json.loads(body) if body else {}
    except ValueError:
        die(f"{what}: answer is not JSON: {body[:500]!r}")


# ---------------------------------------------------------------- small commands

def cmd_free_port(_args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) counts as dead
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmd_wait_ready(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with open(args.file) as f:
                txt = f.read().strip()
            if txt and ":" in txt and txt.endswith(tuple("0123456789")):
                time.sleep(0.05)  # guard against reading a half-written file
                with open(args.file) as f:
                    if f.read().strip() == txt:
                        print(txt)
                        return
                continue
        except FileNotFoundError:
            pass
        if not pid_alive(args.pid):
            die(f"process {args.pid} exited before writing its ready file {args.file}")
        time.sleep(0.05)
    die(f"timed out after {args.timeout}s waiting for ready file {args.file}")


def cmd_wait_http(args):
    deadline = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < deadline:
        try:
            st, body = http("GET", args.url, timeout=2)
            if st == 200:
                return
            last = f"HTTP {st} {body[:200]!r}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    die(f"timed out after {args.timeout}s waiting for 200 from {args.url} (last: {last})")


def read_vm(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0])
    return out


def cmd_vm(args):
    try:
        vm = read_vm(args.pid)
    except OSError as e:
        die(f"cannot read /proc/{args.pid}/status: {e}")
    print(vm.get("VmHWM", 0), vm.get("VmRSS", 0))


def cpu_seconds(pid):
    """utime+stime of every thread of PID, in seconds (None when gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def cmd_cpu(args):
    """Print {name: cpu seconds, "t": monotonic} for NAME=PID pairs; NAME=+PID means PID's children."""
    out = {"t": time.monotonic(), "system": system_busy(), "kernel": kernel_threads_cpu()}
    for extra in args.extra or []:
        name, _, secs = extra.partition("=")
        out[name] = float(secs)
    for item in args.procs:
        name, _, pid = item.partition("=")
        if pid.startswith("+"):
            vals = [cpu_seconds(c) for c in children(int(pid[1:]))]
            out[name] = sum(v for v in vals if v is not None)
        else:
            out[name] = cpu_seconds(int(pid))
            if name == "gateway":
                out["gateway_threads"] = thread_cpu(int(pid))
    print(json.dumps(out))


def system_busy():
    """CPU seconds spent by the whole machine (all CPUs, not idle/iowait), and stolen by the host."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    tck = os.sysconf("SC_CLK_TCK")
    # user nice system idle iowait irq softirq steal ...
    return {"busy": (v[0] + v[1] + v[2] + v[5] + v[6]) / tck, "steal": (v[7] if len(v) > 7 else 0) / tck}


def kernel_threads_cpu():
    """CPU seconds of the kernel's own threads (kthreadd's children: jbd2, kworkers flushing the
    gateway's fsyncs, ksoftirqd for loopback traffic); counted apart from other processes."""
    total = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == "2" or p == "2":  # ppid 2 = kthreadd
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid):
    """{"comm/tid": cpu seconds} for each thread of PID."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                comm, rest = f.read().split(" (", 1)[1].rsplit(")", 1)
            fields = rest.split()
            out[f"{comm}/{tid}"] = (int(fields[11]) + int(fields[12])) / tck
        except (OSError, IndexError, ValueError):
            pass
    return out


def cmd_fetch(args):
    try:
        headers = {"Authorization": f"Bearer {args.key}"} if args.key else None
        st, body = http("GET", args.url, headers=headers, timeout=5)
        with open(args.file, "wb") as f:
            f.write(body)
        if st != 200:
            print(f"bench: note: GET {args.url} answered {st}", file=sys.stderr)
    except OSError as e:
        print(f"bench: note: GET {args.url} failed: {e}", file=sys.stderr)


# ---------------------------------------------------------------- request generation

def lua_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 32 <= o < 127:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append(f"\\{b:03d}")
    out.append('"')
    return "".join(out)


def write_lua_data(path, url_path, requests):
    """The data file bench/wrk/replay.lua replays. requests: list of (headers dict, body str), or of
    (headers dict, body str, own path) when requests go to different paths."""
    lines = ["-- generated by bench/lib; do not edit", "return {",
             f"  path = {lua_str(url_path)},", "  requests = {"]
    for headers, body, *own_path in requests:
        h = ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items())
        p = f"path = {lua_str(own_path[0])}, " if own_path else ""
        lines.append(f"    {{ {p}headers = {{ {h} }}, body = {lua_str(body)} }},")
    lines += ["  },", "}", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def send_body(tenant_id, outlet_id, i):
    # German mobile numbers +49 151 xxxxxxxx are valid for libphonenumber; vary the last 8 digits.
    return compact({
        "tenant_id": tenant_id,
        "outlet_id": outlet_id,
        "conversation_id": f"bench-conv-{i % 997}",
        "to": f"+49151{(23456789 + i * 7) % 100000000:08d}",
        "message": f"Benchmark message {i}: your order is ready for pickup.",
        "message_type": "text",
        "async": True,
    })


PO_TEMPLATE_BODY = "Dear {{1}}, purchase order {{2}} for {{3}} is confirmed."


def template_body(tenant_id, outlet_id, i):
    """The purchase-order notification with per-recipient parameters (issue 4's template send)."""
    params = [f"Supplier {i % 211} GmbH", f"PO-2026-{i:06d}", f"\u20ac{100 + i % 900}"]
    return compact({
        "tenant_id": tenant_id,
        "outlet_id": outlet_id,
        "to": f"+49151{(34567890 + i * 7) % 100000000:08d}",
        "message_type": "template",
        "template": {"name": "po_notification", "language": {"code": "en"},
                     "components": [{"type": "body",
                                     "parameters": [{"type": "text", "text": t} for t in params]}]},
        "priority": "bulk",
        "async": True,
    })


def webhook_body(waba_id, phone_number_id, display_phone, i, rnd):
    statuses = ("sent", "delivered", "read")
    ts = str(1763719200 + i)
    st = {
        "id": f"wamid.BENCH{rnd.getrandbits(96):024X}",
        "status": statuses[i % 3],
        "timestamp": ts,
        "recipient_id": f"49151{(23456789 + i * 7) % 100000000:08d}",
        "biz_opaque_callback_data": f"bench-unknown-{i}",
    }
    if st["status"] != "read":
        st["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular",
                         "category": "utility"}
    return compact({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": waba_id,
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": display_phone,
                                 "phone_number_id": phone_number_id},
                    "statuses": [st],
                },
            }],
        }],
    })


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- setup

def cmd_setup(args):
    gw = f"http://{args.gateway}"
    sb = f"http://{args.sandbox}"
    admin = {"Authorization": f"Bearer {args.admin_key}"}
    rnd = random.Random(args.seed)

    st, body = http("POST", f"{sb}/_sandbox/config",
                    {"webhook_url": f"{gw}{WEBHOOK_PATH}"})
    expect(st, body, 200, "POST /_sandbox/config on the sandbox")

    st, body = http("POST", f"{gw}/api/v1/tenants", {"name": "bench"}, admin)
    tenant = expect(st, body, (200, 201), "create tenant")
    tenant_id = tenant.get("id") or die(f"create tenant: no id in {tenant}")

    phone_number_id = "1065" + "".join(rnd.choice("0123456789") for _ in range(11))
    waba_id = "1029" + "".join(rnd.choice("0123456789") for _ in range(11))
    display_phone = "15550109999"
    outlet_req = {
        "name": "bench outlet",
        "phone_number_id": phone_number_id,
        "waba_id": waba_id,
        "access_token": "bench-access-token-" + "%016x" % rnd.getrandbits(64),
        "app_secret": args.app_secret,
        "verify_token": "bench-verify-" + "%08x" % rnd.getrandbits(32),
        "display_phone_number": display_phone,
        "throughput_mps": 1000,
    }
    st, body = http("POST", f"{gw}/api/v1/tenants/{tenant_id}/outlets", outlet_req, admin)
    outlet = expect(st, body, (200, 201), "create outlet")
    outlet_id = outlet.get("id") or die(f"create outlet: no id in {outlet}")

    st, body = http("POST", f"{gw}/api/v1/tenants/{tenant_id}/api-keys", {"name": "bench"}, admin)
    key = expect(st, body, (200, 201), "create api key").get("key") or die("create api key: no key")
    tenant_auth = {"Authorization": f"Bearer {key}"}

    # The template load: po_notification approved in the sandbox's WABA, synced into the registry.
    st, body = http("POST", f"{sb}/_sandbox/numbers", {"phone_number_id": phone_number_id, "waba_id": waba_id})
    expect(st, body, 200, "link the bench number to its WABA in the sandbox")
    st, body = http("POST", f"{sb}/_sandbox/templates",
                    {"waba_id": waba_id, "name": "po_notification", "language": "en", "category": "UTILITY",
                     "status": "APPROVED", "components": [{"type": "BODY", "text": PO_TEMPLATE_BODY}]})
    expect(st, body, (200, 201), "seed po_notification in the sandbox")
    st, body = http("POST", f"{gw}/api/v1/outlets/{outlet_id}/templates/sync", b"", admin)
    synced = expect(st, body, 200, "sync the templates registry")
    if synced.get("templates", 0) < 1:
        die(f"template sync found no template: {synced}")

    # Request data: the same bytes go to the gateway and to nginx.
    send_reqs = []
    for i in range(args.bodies):
        send_reqs.append(({"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
                          send_body(tenant_id, outlet_id, i)))
    template_reqs = [({"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
                      template_body(tenant_id, outlet_id, i)) for i in range(args.bodies)]
    hook_reqs = []
    for i in range(args.bodies):
        b = webhook_body(waba_id, phone_number_id, display_phone, i, rnd)
        hook_reqs.append(({"Content-Type": "application/json",
                           "X-Hub-Signature-256": sign(args.app_secret, b)}, b))
    os.makedirs(args.out_dir, exist_ok=True)
    write_lua_data(os.path.join(args.out_dir, "send_data.lua"), SEND_PATH, send_reqs)
    write_lua_data(os.path.join(args.out_dir, "webhook_data.lua"), WEBHOOK_PATH, hook_reqs)
    write_lua_data(os.path.join(args.out_dir, "template_data.lua"), SEND_PATH, template_reqs)

    # Preflight: the loads do what they claim on the gateway.
    h, b = send_reqs[0]
    st, body = http("POST", f"{gw}{SEND_PATH}", b.encode(), h)
    ans = expect(st, body, 202, "preflight async send")
    if ans.get("status") != "queued" or not ans.get("message_id"):
        die(f"preflight async send: expected {{message_id, status:queued}}, got {ans}")
    h, b = template_reqs[0]
    st, body = http("POST", f"{gw}{SEND_PATH}", b.encode(), h)
    tans = expect(st, body, 202, "preflight async template send")
    if tans.get("status") != "queued":
        die(f"preflight template send: expected status queued, got {tans}")
    h, b = hook_reqs[0]
    st, body = http("POST", f"{gw}{WEBHOOK_PATH}", b.encode(), h)
    if st != 200:
        die(f"preflight signed webhook: expected 200, got {st}: {body[:300]!r}")
    bad = dict(h)
    bad["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    st, body = http("POST", f"{gw}{WEBHOOK_PATH}", b.encode(), bad)
    if st != 401:
        die(f"preflight badly signed webhook: expected 401, got {st}: {body[:300]!r}")

    info = {"tenant_id": tenant_id, "outlet_id": outlet_id, "phone_number_id": phone_number_id,
            "waba_id": waba_id, "preflight_message_id": ans["message_id"],
            "bodies": args.bodies}
    with open(os.path.join(args.out_dir, "setup.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(f"tenant {tenant_id}, outlet {outlet_id} (phone_number_id {phone_number_id}), "
          f"{args.bodies} distinct bodies per load; preflight ok (202 queued, template 202, webhook 200, "
          f"bad signature 401)")


def cmd_check_ceiling(args):
    for path in (SEND_PATH, WEBHOOK_PATH):
        st, body = http("POST", args.url + path, b"{}", {"Content-Type": "application/json"})
        if st != 200:
            die(f"nginx ceiling: expected 200 from POST {path}, got {st}: {body[:200]!r}")


# ---------------------------------------------------------------- summary

def parse_wrk(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None, f"{path} missing"
    for line in text.splitlines():
        if line.startswith("BENCH_RESULT "):
            try:
                return json.loads(line[len("BENCH_RESULT "):]), None
            except ValueError as e:
                return None, f"{path}: bad BENCH_RESULT line: {e}"
    return None, f"{path}: no BENCH_RESULT line (wrk failed?)"


def load_metrics(raw, events_per_request):
    secs = raw["duration_us"] / 1e6
    reqs = raw["requests"]
    errs = raw["errors"]
    good = max(0, reqs - errs["status"])
    lat = raw["latency_us"]
    return {
        "requests": int(reqs),
        "duration_s": round(secs, 3),
        "requests_per_s": round(reqs / secs, 1) if secs else 0.0,
        # goodput: only 2xx/3xx answers count; this is the figure the ratios use
        "ok_per_s": round(good / secs, 1) if secs else 0.0,
        "events_per_s": round(good * events_per_request / secs, 1) if secs else 0.0,
        "latency_ms": {k: round(v / 1000.0, 3) for k, v in lat.items()},
        "errors": {k: int(v) for k, v in errs.items()},
    }


def cpu_percent(path):
    """CPU use of each process during a load, in % of one core, from the two samples in PATH."""
    try:
        with open(path) as f:
            a, b = [json.loads(line) for line in f.read().split("\n") if line.strip()][:2]
    except (OSError, ValueError):
        return None
    wall = b["t"] - a["t"]
    if wall <= 0:
        return None
    out = {}
    for k in a:
        if k not in ("t", "gateway_threads", "system") and a.get(k) is not None and b.get(k) is not None:
            out[k] = round((b[k] - a[k]) / wall * 100.0, 1)
    if "system" in a and "system" in b:
        busy = (b["system"]["busy"] - a["system"]["busy"]) / wall * 100.0
        # everything the machine did that is not ours: other processes and the kernel's own work
        out["other"] = round(max(0.0, busy - sum(out.values())), 1)
        out["steal"] = round((b["system"]["steal"] - a["system"]["steal"]) / wall * 100.0, 1)
    order = ("gateway", "sandbox", "nginx", "wrk", "kernel", "other", "steal")
    out = {k: out[k] for k in sorted(out, key=lambda k: order.index(k) if k in order else len(order))}
    ta, tb = a.get("gateway_threads") or {}, b.get("gateway_threads") or {}
    threads = {k: round((tb[k] - ta.get(k, 0.0)) / wall * 100.0, 1) for k in tb}
    busy = sorted(((v, k) for k, v in threads.items() if v >= 1.0), reverse=True)
    if busy:
        out["gateway_threads"] = {k: v for v, k in busy}
    return out


def problems_of(name, m):
    probs = []
    if m["requests"] == 0:
        probs.append(f"{name}: no request completed")
        return probs
    e = m["errors"]
    if e["status"] > 0.01 * m["requests"]:
        probs.append(f"{name}: {e['status']} of {m['requests']} answers were not 2xx/3xx")
    if e["connect"] > 0:
        probs.append(f"{name}: {e['connect']} connect errors")
    if e["timeout"] > 0.01 * m["requests"]:
        probs.append(f"{name}: {e['timeout']} request timeouts")
    return probs


def parse_metrics_text(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                k, _, v = line.rpartition(" ")
                if not k:
                    continue
                low = k.lower()
                if ("webhook" in low or "send" in low or "queue" in low or "journal" in low) \
                        and "bucket" not in low and len(out) < 60:
                    try:
                        out[k] = float(v)
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def git_commit(repo):
    try:
        return subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def fmt_row(label, m, rate_key, unit):
    lat = m["latency_ms"]
    row = (f"  {label:<34} {m[rate_key]:>10.0f} {unit:<9} p50 {lat['p50']:>7.2f} ms   "
           f"p99 {lat['p99']:>7.2f} ms   ({m['requests']} req, "
           f"{m['errors']['status']} errors, {sum(m['errors'].values()) - m['errors']['status']} socket err)")
    cpu = m.get("cpu_percent")
    if cpu:
        row += "\n  " + " " * 34 + " cpu: " + ", ".join(
            f"{k} {v:.0f}%" for k, v in cpu.items() if k != "gateway_threads")
        if m.get("cpu_us_per_request") is not None:
            row += "\n  " + " " * 34 + f" gateway cpu per answered request: {m['cpu_us_per_request']:.0f} µs"
        th = cpu.get("gateway_threads")
        if th:
            row += "\n  " + " " * 34 + " gateway threads: " + ", ".join(
                f"{k.split('/')[0]} {v:.0f}%" for k, v in list(th.items())[:6])
    return row


def headline(results, ratios, rss_kb):
    """The few figures a reader wants, flat."""
    def get(target, load, *keys):
        try:
            v = results[target][load]
            for k in keys:
                v = v[k]
            return v
        except KeyError:
            return None
    return {
        "send_async_req_per_s": get("gateway", "send_async", "ok_per_s"),
        "send_async_p50_ms": get("gateway", "send_async", "latency_ms", "p50"),
        "send_async_p99_ms": get("gateway", "send_async", "latency_ms", "p99"),
        "webhook_events_per_s": get("gateway", "webhook", "events_per_s"),
        "webhook_p50_ms": get("gateway", "webhook", "latency_ms", "p50"),
        "webhook_p99_ms": get("gateway", "webhook", "latency_ms", "p99"),
        "ceiling_send_req_per_s": get("nginx", "send_async", "ok_per_s"),
        "ceiling_webhook_req_per_s": get("nginx", "webhook", "ok_per_s"),
        "template_send_req_per_s": get("gateway", "send_template", "ok_per_s"),
        "template_send_p99_ms": get("gateway", "send_template", "latency_ms", "p99"),
        "send_async_cpu_us_per_request": get("gateway", "send_async", "cpu_us_per_request"),
        "webhook_cpu_us_per_request": get("gateway", "webhook", "cpu_us_per_request"),
        "template_send_cpu_us_per_request": get("gateway", "send_template", "cpu_us_per_request"),
        "send_ratio": ratios.get("send_async"),
        "template_send_ratio": ratios.get("send_template"),
        "webhook_ratio": ratios.get("webhook"),
        "gateway_peak_rss_mib": round(rss_kb / 1024.0, 1) if rss_kb else None,
    }


def cmd_summarize(args):
    d = args.run_dir
    results = {}
    problems = []
    warnings = []
    for target in ("nginx", "gateway"):
        for load in ("send_async", "webhook", "send_template"):
            raw, err = parse_wrk(os.path.join(d, f"{target}_{load}.txt"))
            if err:
                problems.append(f"{target} {load}: {err}")
                continue
            m = load_metrics(raw, args.statuses_per_webhook if load == "webhook" else 1)
            cpu = cpu_percent(os.path.join(d, f"{target}_{load}.cpu"))
            if cpu:
                m["cpu_percent"] = cpu
                if target == "gateway" and cpu.get("gateway") is not None and m["ok_per_s"]:
                    # the gateway's CPU time over the load per answered request (its background work
                    # of the moment included: sends to the sandbox and their status webhooks)
                    m["cpu_us_per_request"] = round(cpu["gateway"] / 100.0 * 1e6 / m["ok_per_s"], 1)
                noise = cpu.get("other", 0) + cpu.get("steal", 0)
                if noise > OTHER_CPU_WARN:
                    warnings.append(f"{target} {load}: other processes/host used {noise:.0f}% of a core "
                                    f"during the load; its figures are disturbed, run again on a quiet machine")
            problems += problems_of(f"{target} {load}", m)
            results.setdefault(target, {})[load] = m

    def ratio(load, key):
        try:
            c = results["nginx"][load]["ok_per_s"]
            return round(results["gateway"][load][key] / c, 4) if c else None
        except KeyError:
            return None

    ratios = {"send_async": ratio("send_async", "ok_per_s"), "webhook": ratio("webhook", "ok_per_s"),
              "send_template": ratio("send_template", "ok_per_s")}
    try:  # what typed validation + the registry check cost, against the text send in the same run
        template_vs_text = round(results["gateway"]["send_template"]["ok_per_s"] /
                                 results["gateway"]["send_async"]["ok_per_s"], 4)
    except (KeyError, ZeroDivisionError):
        template_vs_text = None
    setup = {}
    try:
        with open(os.path.join(d, "setup.json")) as f:
            setup = json.load(f)
    except (OSError, ValueError):
        pass

    doc = {
        "schema": 1,
        "mode": args.mode,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": git_commit(args.repo),
        "wagate_bin": args.wagate_bin,
        "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
                 "data_dir_fs": args.data_fs},
        "settings": {
            "seconds_per_load": args.seconds, "warmup_s": args.warmup,
            "wrk_threads": args.threads, "wrk_connections": args.connections,
            "wrk_timeout_s": args.timeout, "nginx_worker_processes": 1,
            "distinct_bodies_per_load": setup.get("bodies"),
            "statuses_per_webhook": args.statuses_per_webhook,
            "order": ["nginx send_async", "nginx webhook", "nginx send_template", "gateway webhook",
                      "gateway send_async", "gateway send_template"],
        },
        "gateway": dict(results.get("gateway", {}),
                        peak_rss_kb=args.rss_kb,
                        peak_rss_mib=round(args.rss_kb / 1024.0, 1) if args.rss_kb else None),
        "sandbox_peak_rss_kb": args.sandbox_rss_kb,
        "nginx": results.get("nginx", {}),
        "ratios": ratios,
        "template_vs_text_send": template_vs_text,
        "target_ratio": TARGET_RATIO,
        "headline": headline(results, ratios, args.rss_kb),
        "target_met": {k: (v is not None and v >= TARGET_RATIO) for k, v in ratios.items()
                       if k in ("send_async", "webhook")},  # issue 2's targets
        "gateway_metrics_after_run": parse_metrics_text(os.path.join(d, "gateway_metrics.txt")),
        "problems": problems,
        "warnings": warnings,
        "ok": not problems,
    }
    try:
        with open(os.path.join(d, "sandbox_stats.json")) as f:
            doc["sandbox_stats_after_run"] = json.load(f)
    except (OSError, ValueError):
        pass

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, args.out)

    # human summary
    print()
    print(f"wagate benchmark ({args.mode}): {args.seconds} s per load, wrk -t{args.threads} "
          f"-c{args.connections}, same settings for every target; {os.cpu_count()} CPUs shared by "
          f"wrk, gateway, sandbox and nginx (nginx: 1 worker process)")
    g, n = results.get("gateway", {}), results.get("nginx", {})
    if "send_async" in g:
        print(fmt_row("(a) gateway async send accept", g["send_async"], "ok_per_s", "req/s"))
    if "webhook" in g:
        print(fmt_row("(b) gateway signed webhook ingest", g["webhook"], "events_per_s", "events/s"))
    if "send_template" in g:
        print(fmt_row("(d) gateway async template send", g["send_template"], "ok_per_s", "req/s"))
    if "send_async" in n:
        print(fmt_row("(c) nginx return-200, send load", n["send_async"], "ok_per_s", "req/s"))
    if "webhook" in n:
        print(fmt_row("(c) nginx return-200, webhook load", n["webhook"], "ok_per_s", "req/s"))
    if "send_template" in n:
        print(fmt_row("(c) nginx return-200, template load", n["send_template"], "ok_per_s", "req/s"))
    for k, label in (("send_async", "(a)/(c) async send"), ("webhook", "(b)/(c) webhook ingest")):
        v = ratios[k]
        if v is None:
            print(f"  ratio {label:<24} n/a")
        else:
            verdict = "meets" if v >= TARGET_RATIO else "BELOW"
            print(f"  ratio {label:<24} {v * 100:6.1f} % of ceiling  ({verdict} the {TARGET_RATIO:.0%} target)")
    if ratios.get("send_template") is not None:
        print(f"  ratio {'(d)/(c) template send':<24} {ratios['send_template'] * 100:6.1f} % of ceiling")
    if template_vs_text is not None:
        print(f"  ratio {'(d)/(a) template vs text':<24} {template_vs_text * 100:6.1f} % of the text send rate")
    if args.rss_kb:
        print(f"  gateway peak RSS (VmHWM)         {args.rss_kb / 1024.0:8.1f} MiB")
    for w in warnings:
        print(f"  WARNING: {w}")
    for p in problems:
        print(f"  PROBLEM: {p}")
    print(f"  results: {args.out}")
    if problems:
        sys.exit(1)
    if args.enforce and not all(doc["target_met"].values()):
        print("bench: a ratio is below the target (--enforce)", file=sys.stderr)
        sys.exit(2)


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    sub.add_parser("free-port").set_defaults(fn=cmd_free_port)

    s = sub.add_parser("wait-ready")
    s.add_argument("file")
    s.add_argument("pid", type=int)
    s.add_argument("timeout", type=float)
    s.set_defaults(fn=cmd_wait_ready)

    s = sub.add_parser("wait-http")
    s.add_argument("url")
    s.add_argument("timeout", type=float)
    s.set_defaults(fn=cmd_wait_http)

    s = sub.add_parser("vm")
    s.add_argument("pid", type=int)
    s.set_defaults(fn=cmd_vm)

    s = sub.add_parser("cpu")
    s.add_argument("procs", nargs="+", help="NAME=PID or NAME=+PID (children of PID)")
    s.add_argument("--extra", action="append", help="NAME=SECONDS measured elsewhere (the load generator)")
    s.set_defaults(fn=cmd_cpu)

    s = sub.add_parser("fetch")
    s.add_argument("url")
    s.add_argument("file")
    s.add_argument("--key", default="", help="bearer key (the gateway's /metrics needs the admin key)")
    s.set_defaults(fn=cmd_fetch)

    s = sub.add_parser("setup")
    s.add_argument("--gateway", required=True, help="HOST:PORT")
    s.add_argument("--sandbox", required=True, help="HOST:PORT")
    s.add_argument("--admin-key", required=True)
    s.add_argument("--app-secret", required=True)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--bodies", type=int, default=1000)
    s.add_argument("--seed", type=int, default=None)
    s.set_defaults(fn=cmd_setup)

    s = sub.add_parser("check-ceiling")
    s.add_argument("url")
    s.set_defaults(fn=cmd_check_ceiling)

    s = sub.add_parser("summarize")
    s.add_argument("--run-dir", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--mode", required=True)
    s.add_argument("--seconds", type=float, required=True)
    s.add_argument("--warmup", type=float, default=0)
    s.add_argument("--threads", type=int, required=True)
    s.add_argument("--connections", type=int, required=True)
    s.add_argument("--timeout", type=float, required=True)
    s.add_argument("--statuses-per-webhook", type=int, default=1)
    s.add_argument("--rss-kb", type=int, default=0)
    s.add_argument("--sandbox-rss-kb", type=int, default=0)
    s.add_argument("--data-fs", default=None)
    s.add_argument("--wagate-bin", default=None)
    s.add_argument("--repo", default=".")
    s.add_argument("--enforce", action="store_true")
    s.set_defaults(fn=cmd_summarize)

    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
