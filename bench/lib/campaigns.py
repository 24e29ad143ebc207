#!/usr/bin/env python3
"""Campaigns benchmark driver for bench/campaigns.sh (Python 3 standard library only).

Two measurements of one campaign, in one run on one machine (see bench/README.md, section "campaigns"):

  upload    a campaign of CAMPAIGNS_RECIPIENTS (1,000,000) recipients from a CSV (phone,name,code): the
            wall time of POST /api/v1/campaigns/{id}/recipients, from its first byte sent to the 200
            (accepted, and every recipient queued), streamed from a file; the gateway's peak RSS
            (VmHWM of /proc/PID/status) after the upload and at the end of the run
  dispatch  the campaign started against the sandbox, which enforces Meta's throughput (--mps 1000: it
            answers 130429 beyond it); after CAMPAIGNS_WARMUP (3 s), over CAMPAIGNS_DISPATCH_SECONDS (60):
            messages the sandbox accepted per second (its own counter, /_sandbox/stats) / the cap, its
            130429 answers, the campaign's counts.sent over the same window, and the gateway's CPU
            seconds per 1,000 messages; then the campaign is cancelled

Usage: campaigns.py run --mode quick|full --work DIR --out FILE --wagate BIN --repo DIR
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared helpers of bench/run.sh)
import engine  # noqa: E402  (process, HTTP and CPU helpers of bench/engine.sh)

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEBHOOK_PATH = "/webhooks/whatsapp"
MESSAGE = "Hi {name}, code {code}"
NAMES = ("Anna", "Jürgen", "Zoë", "Mehmet", "Ana", "Lukas", "Søren", "Marie", "Ömer", "Li")

TARGET_UPLOAD_S = 10.0        # accepted (and queued) in <= 10 s
TARGET_PEAK_RSS_MB = 300.0    # peak RSS <= 300 MB (10^6 bytes; VmHWM, whole run)
TARGET_RATE_ERROR = 0.02      # achieved rate within 2 % of the cap
TARGET_130429 = 0             # zero 130429 answers


def log(msg):
    print(f"campaigns: {msg}", file=sys.stderr, flush=True)


engine.log = log  # the helpers borrowed from engine.py log under this benchmark's name
fail = engine.fail
Failure = engine.Failure
num = engine.num


def settings_for(mode):
    quick = mode == "quick"
    s = {
        "mode": mode,
        "recipients": engine.env_int("CAMPAIGNS_RECIPIENTS", 50000 if quick else 1000000),
        "dispatch_seconds": engine.env_float("CAMPAIGNS_DISPATCH_SECONDS", 10 if quick else 60),
        "warmup_seconds": engine.env_float("CAMPAIGNS_WARMUP", 3),
        "mps": engine.env_int("CAMPAIGNS_MPS", 1000),
        "webhooks": os.environ.get("CAMPAIGNS_WEBHOOKS", "1") not in ("", "0", "no", "false"),
        "webhook_batch": engine.env_int("CAMPAIGNS_WEBHOOK_BATCH", 100),
        "upload_chunk_bytes": 64 * 1024,
        "sample_interval_s": 1.0,
        "gateway_set": os.environ.get("CAMPAIGNS_GATEWAY_SET", "").split(),
        "perf": False,
        "startup_timeout": engine.env_float("CAMPAIGNS_STARTUP_TIMEOUT", 300),
        "wait_itests_s": 0 if quick else engine.env_float("CAMPAIGNS_WAIT_ITESTS", 1200),
    }
    if not 1 <= s["recipients"] <= 1000000:
        fail("CAMPAIGNS_RECIPIENTS must be 1..1000000 (campaigns.max_recipients)")
    if not 1 <= s["mps"] <= 1000:
        fail("CAMPAIGNS_MPS must be 1..1000 (the outlet's throughput_mps range)")
    if s["dispatch_seconds"] <= 0 or s["warmup_seconds"] < 0:
        fail("CAMPAIGNS_DISPATCH_SECONDS must be > 0 and CAMPAIGNS_WARMUP >= 0")
    if not 1 <= s["webhook_batch"] <= 1000:
        fail("CAMPAIGNS_WEBHOOK_BATCH must be 1..1000 (the sandbox's --webhook-batch range)")
    # the campaign must not run out before the window ends (10 % spare, and the start-up)
    need = int(s["mps"] * (s["warmup_seconds"] + s["dispatch_seconds"] + 2) * 1.1)
    if s["recipients"] < need:
        fail(f"{s['recipients']} recipients run out before the window ends at {s['mps']} mps: "
             f"use CAMPAIGNS_RECIPIENTS >= {need}")
    return s


def phone(i):
    """Distinct valid German mobile numbers (+49 151 and 8 digits; 7919 is prime to 10^8)."""
    return f"+49151{(10000019 + i * 7919) % 100000000:08d}"


def write_csv(path, n):
    """phone,name,code: n distinct recipients; written in blocks, never held whole."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("phone,name,code\n")
        block = []
        for i in range(n):
            block.append(f"{phone(i)},{NAMES[i % len(NAMES)]} {i},C{i:07d}\n")
            if len(block) >= 20000:
                f.write("".join(block))
                block.clear()
        f.write("".join(block))
    return os.path.getsize(path)


def sandbox_130429(stats):
    return int((stats.get("rejected_by_code") or {}).get("130429", 0))


def mb(kb):
    """kB of /proc (KiB) in MB (10^6 bytes)."""
    return None if kb is None else round(kb * 1024 / 1e6, 1)


def mib(kb):
    return None if kb is None else round(kb / 1024.0, 1)


# ---------------------------------------------------------------- the benchmark

class Run(engine.Run):
    def __init__(self, args, settings):
        super().__init__(args, settings)
        self.admin_key = "campaigns-bench-admin-" + "%024x" % self.rnd.getrandbits(96)
        self.secret = "campaigns-bench-secret-" + "%016x" % self.rnd.getrandbits(64)
        self.rss = {}

    # ------------------------------------------------ processes and setup

    def start_sandbox(self):
        ready = os.path.join(self.rec, "sandbox.ready")
        argv = [self.args.wagate, "sandbox", "--listen", "127.0.0.1:0", "--ready-file", ready,
                "--mps", str(self.s["mps"]), "--app-secret", self.secret,
                "--webhook-batch", str(self.s["webhook_batch"])]
        p = self.procs.start("sandbox", argv, os.path.join(self.rec, "sandbox.log"))
        p.addr = engine.wait_ready_file(ready, p, 60)
        p.argv = argv[1:]
        return p

    def new_outlet_for(self, a, tenant_id):
        self.pn_counter += 1
        pn = "1068" + f"{self.rnd.getrandbits(30) % 10**6:06d}" + f"{self.pn_counter:05d}"
        req = {"name": "campaigns bench", "phone_number_id": pn,
               "waba_id": "1029" + f"{self.rnd.getrandbits(40) % 10**11:011d}",
               "access_token": "campaigns-bench-token-" + "%016x" % self.rnd.getrandbits(64),
               "app_secret": self.secret, "verify_token": "campaigns-bench-verify",
               "display_phone_number": "15550100000", "throughput_mps": self.s["mps"]}
        _, o = a.call("POST", f"/api/v1/tenants/{tenant_id}/outlets", req, want=(200, 201), what="create outlet")
        if o.get("throughput_mps") not in (None, self.s["mps"]):
            fail(f"create outlet: throughput_mps {self.s['mps']} asked, outlet has {o.get('throughput_mps')}")
        return {"id": o["id"], "phone_number_id": pn}

    def vm(self, gw, label):
        st = engine.read_status(gw.pid)
        self.rss[label] = st
        return st

    def alive(self, gw, sb, what):
        if gw.poll() is not None:
            fail(f"{what}: the gateway exited (status {gw.returncode})")
        if sb.poll() is not None:
            fail(f"{what}: the sandbox exited (status {sb.returncode})")

    # ------------------------------------------------ 1. upload

    def upload(self, gw, key, campaign_id, path, rows):
        """Streams the CSV file to the recipients route in chunks (Content-Length, never held whole);
        times it from the first byte of the request sent to the answer read."""
        size = os.path.getsize(path)
        host, port = gw.addr.rsplit(":", 1)
        timeout = max(120.0, rows / 2000.0)  # per socket operation; 1,000,000 rows: 500 s
        samples, stop = [], []

        def sampler():
            # VmRSS and CPU of the gateway every 0.1 s while the upload runs
            while not stop:
                try:
                    st = engine.read_status(gw.pid)
                    samples.append({"t": round(time.monotonic() - t0, 3), "VmRSS": st.get("VmRSS"),
                                    "VmHWM": st.get("VmHWM"), "cpu_s": bench.cpu_seconds(gw.pid)})
                except OSError:
                    return
                time.sleep(0.1)

        c = http.client.HTTPConnection(host, int(port), timeout=timeout)
        c.connect()  # the connection is made before the clock starts
        path_q = f"/api/v1/campaigns/{campaign_id}/recipients"
        cpu0 = bench.cpu_seconds(gw.pid)
        t0 = time.monotonic()
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        sent, send_error = 0, None
        try:
            c.putrequest("POST", path_q, skip_accept_encoding=True)
            c.putheader("Authorization", f"Bearer {key}")
            c.putheader("Content-Type", "text/csv")
            c.putheader("Content-Length", str(size))
            c.endheaders()
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(self.s["upload_chunk_bytes"])
                    if not chunk:
                        break
                    try:
                        c.send(chunk)
                    except (BrokenPipeError, ConnectionResetError) as e:
                        send_error = e  # the gateway answered early (an error): read its answer below
                        break
                    sent += len(chunk)
            t_sent = time.monotonic()
            try:
                r = c.getresponse()
                raw = r.read()
                status = r.status
            except (OSError, http.client.HTTPException) as e:
                fail(f"upload: no answer after {sent} of {size} bytes were sent ({send_error or e})")
            t_end = time.monotonic()
            cpu1 = bench.cpu_seconds(gw.pid)
        finally:
            stop.append(True)
            th.join(timeout=5)
            c.close()
        with open(os.path.join(self.rec, "upload-samples.json"), "w") as f:
            json.dump(samples, f)
        try:
            ans = json.loads(raw) if raw else {}
        except ValueError:
            ans = None
        if status != 200 or not isinstance(ans, dict):
            fail(f"POST {path_q}: expected HTTP 200, got {status} after {sent} of {size} bytes sent: {raw[:500]!r}")
        return {
            "http_status": status, "answer": ans, "bytes": size, "rows": rows,
            "seconds": round(t_end - t0, 3),
            "body_sent_s": round(t_sent - t0, 3),
            "answer_after_body_s": round(t_end - t_sent, 3),
            "rows_per_s": round(rows / (t_end - t0), 1) if t_end > t0 else None,
            "mb_per_s": round(size / 1e6 / (t_end - t0), 2) if t_end > t0 else None,
            "max_vmrss_kb_sampled": max((x["VmRSS"] for x in samples if x.get("VmRSS")), default=None),
            "gateway_cpu_s": round(cpu1 - cpu0, 2) if cpu0 is not None and cpu1 is not None else None,
            "chunk_bytes": self.s["upload_chunk_bytes"],
        }

    # ------------------------------------------------ 2. dispatch

    def snapshot(self, sbc, tc, campaign_id, gw, sb):
        t_a = time.time()
        _, st = sbc.call("GET", "/_sandbox/stats", want=200, what="GET /_sandbox/stats")
        t_b = time.time()
        _, cmp_ = tc.call("GET", f"/api/v1/campaigns/{campaign_id}", want=200, what="GET campaign")
        cpu = engine.cpu_snapshot({"gateway": gw.pid, "sandbox": sb.pid})
        return {"t": (t_a + t_b) / 2, "stats_rtt_ms": round((t_b - t_a) * 1000, 2), "stats": st,
                "campaign": cmp_, "cpu": cpu}

    @staticmethod
    def slim(snap, t0):
        st, c = snap["stats"], snap["campaign"]
        counts = c.get("counts") or {}
        return {"t": round(snap["t"] - t0, 3), "accepted": st.get("accepted"), "requests": st.get("requests"),
                "rejected_130429": sandbox_130429(st), "webhooks_pending": st.get("webhooks_pending"),
                "status": c.get("status"), "sent": counts.get("sent"), "queued": counts.get("queued"),
                "delivered": counts.get("delivered"), "failed": counts.get("failed"),
                "rate_mps": c.get("rate_mps"), "eta": c.get("eta")}

    def dispatch(self, gw, sb, a, tc, sbc, campaign_id, outlet):
        S, warm, cap = self.s["dispatch_seconds"], self.s["warmup_seconds"], self.s["mps"]
        sbc.call("DELETE", "/_sandbox/messages", want=(200, 204), what="clear the sandbox's logs")
        _, stats0 = sbc.call("GET", "/_sandbox/stats", want=200, what="GET /_sandbox/stats")
        t_start_a = time.time()
        slow = engine.Conn(gw.addr, tc.headers)  # its own connection: a long socket timeout, no silent retry
        st, started = slow.call("POST", f"/api/v1/campaigns/{campaign_id}/start", want=200, what="start the campaign",
                                timeout=120)
        t_start_b = time.time()
        t_start = (t_start_a + t_start_b) / 2
        if started.get("status") not in ("running", "scheduled"):
            fail(f"start: the campaign is {started.get('status')!r}, not running: {json.dumps(started)[:400]}")
        log(f"dispatch: started ({started.get('status')}) in {(t_start_b - t_start_a) * 1000:.0f} ms; "
            f"{warm:g}s warm-up, then {S:g}s measured")
        samples = []
        # warm-up, watched
        while time.time() < t_start + warm:
            time.sleep(min(0.5, max(0.0, t_start + warm - time.time())))
            self.alive(gw, sb, "warm-up")
        A = self.snapshot(sbc, tc, campaign_id, gw, sb)
        samples.append(self.slim(A, t_start))
        deadline = A["t"] + S
        B = None
        for _ in range(int(S / self.s["sample_interval_s"]) + 10):  # bounded: one sample a second
            now = time.time()
            if now >= deadline:
                break
            time.sleep(min(self.s["sample_interval_s"], deadline - now))
            self.alive(gw, sb, "dispatch")
            snap = self.snapshot(sbc, tc, campaign_id, gw, sb)
            samples.append(self.slim(snap, t_start))
            B = snap
            if snap["campaign"].get("status") not in ("running",):
                self.problems.append(f"dispatch: the campaign is {snap['campaign'].get('status')!r} during the "
                                     f"window (it should still be running)")
                break
        if B is None:
            fail("dispatch: no sample at the end of the window")
        wall = B["t"] - A["t"]
        _, lane = a.call("GET", f"/api/v1/outlets/{outlet['id']}/lane", want=200, what="GET the outlet's lane")
        st, pacing = a.call("GET", "/api/v1/engine/pacing", what="GET /api/v1/engine/pacing")
        if st != 200:
            pacing = {"http_status": st}
        try:
            mst, mraw = bench.http("GET", f"http://{gw.addr}/metrics", timeout=10,
                                   headers={"Authorization": f"Bearer {self.admin_key}"})
            with open(os.path.join(self.rec, "gateway-metrics-after-window.txt"), "wb") as f:
                f.write(mraw)
        except OSError:
            pass
        rss_window = self.vm(gw, "after_window")

        # the cancel, and the campaign after it
        t_c = time.monotonic()
        slow.close()  # (a fresh connection, with a timeout long enough for cancelling every unsent recipient)
        st, cancelled = slow.call("POST", f"/api/v1/campaigns/{campaign_id}/cancel", want=200, what="cancel the campaign",
                                  timeout=600)
        slow.close()
        cancel_s = time.monotonic() - t_c
        if cancelled.get("status") != "cancelled":
            self.problems.append(f"cancel: the campaign is {cancelled.get('status')!r} after the cancel, not 'cancelled'")
        time.sleep(2)  # the requests already on their way finish; their answers are counted
        self.alive(gw, sb, "after the cancel")
        E = self.snapshot(sbc, tc, campaign_id, gw, sb)
        samples.append(dict(self.slim(E, t_start), after_cancel=True))
        with open(os.path.join(self.rec, "dispatch-samples.json"), "w") as f:
            json.dump(samples, f, indent=1)

        # the figures: the sandbox's counters over the window
        acc = B["stats"]["accepted"] - A["stats"]["accepted"]
        thr = sandbox_130429(B["stats"]) - sandbox_130429(A["stats"])
        achieved = acc / wall if wall > 0 else 0.0
        ca, cb = A["campaign"].get("counts") or {}, B["campaign"].get("counts") or {}
        sent_delta = (cb.get("sent") or 0) - (ca.get("sent") or 0)
        cpu = engine.cpu_diff(A["cpu"], B["cpu"])
        engine.noise_warning(cpu, "dispatch", self.warnings)
        gw_cpu_s = (B["cpu"]["gateway"] or 0) - (A["cpu"]["gateway"] or 0)
        sb_cpu_s = (B["cpu"]["sandbox"] or 0) - (A["cpu"]["sandbox"] or 0)
        per_s = []
        for x, y in zip(samples, samples[1:]):
            if x.get("after_cancel") or y.get("after_cancel") or x["t"] < A["t"] - t_start - 1e-6:
                continue
            if y["t"] > x["t"]:
                per_s.append(round((y["accepted"] - x["accepted"]) / (y["t"] - x["t"]), 1))
        total_130429 = sandbox_130429(E["stats"]) - sandbox_130429(stats0)

        # the same window from the sandbox's arrival stamps (every request it received since the start)
        arrivals = None
        try:
            big = engine.Conn(sb.addr)
            _, reqs = big.call("GET", "/_sandbox/requests", want=200, what="GET /_sandbox/requests", timeout=120)
            big.close()
            mine = [r for r in reqs.get("requests", []) if r.get("phone_number_id") == outlet["phone_number_id"]]
            times = sorted(r["time_ms"] for r in mine if r.get("http_status") == 200)
            codes = {}
            for r in mine:
                if r.get("http_status") != 200:
                    k = str(r.get("graph_code"))
                    codes[k] = codes.get(k, 0) + 1
            arrivals = engine.rate_figures(times, A["t"] * 1000.0, B["t"] * 1000.0, cap)
            arrivals["refused_by_code"] = codes
            arrivals["first_send_after_start_s"] = round(times[0] / 1000.0 - t_start_a, 3) if times else None
            with open(os.path.join(self.rec, "dispatch-arrivals.json"), "w") as f:
                json.dump({"cap_mps": cap, "started_at_ms": round(t_start * 1000, 1),
                           "window_ms": [round(A["t"] * 1000, 1), round(B["t"] * 1000, 1)],
                           "accepted_time_ms": times}, f)
        except (Failure, OSError, http.client.HTTPException, ValueError, KeyError) as e:
            self.warnings.append(f"dispatch: the sandbox's request log could not be read ({e}); "
                                 f"the arrival-stamp cross-check is missing")

        ratio = achieved / cap
        out = {
            "cap_mps": cap,
            "warmup_s": warm,
            "window_s": round(wall, 3),
            "start_latency_ms": round((t_start_b - t_start_a) * 1000, 1),
            "sandbox_accepted": acc,
            "achieved_mps": round(achieved, 2),
            "ratio": round(ratio, 5),
            "error_percent": round((ratio - 1) * 100, 3),
            "within_target": abs(ratio - 1) <= TARGET_RATE_ERROR,
            "per_second_mps_min": min(per_s) if per_s else None,
            "per_second_mps_max": max(per_s) if per_s else None,
            "sandbox_130429_window": thr,
            "sandbox_130429_total": total_130429,
            "sandbox_rejected_by_code_total": E["stats"].get("rejected_by_code"),
            "sandbox_requests_window": B["stats"].get("requests", 0) - A["stats"].get("requests", 0),
            "campaign_sent_delta": sent_delta,
            "campaign_sent_mps": round(sent_delta / wall, 2) if wall > 0 else None,
            "campaign_sent_ratio": round(sent_delta / wall / cap, 5) if wall > 0 else None,
            "arrivals": arrivals,
            "gateway_cpu_s": round(gw_cpu_s, 3),
            "gateway_cpu_s_per_1000_msgs": round(gw_cpu_s / (acc / 1000.0), 4) if acc else None,
            "sandbox_cpu_s_per_1000_msgs": round(sb_cpu_s / (acc / 1000.0), 4) if acc else None,
            "cpu_percent": cpu,
            "webhooks": {"enabled": self.s["webhooks"], "batch": self.s["webhook_batch"],
                         "delivered_window": (B["stats"].get("webhooks_delivered") or 0)
                         - (A["stats"].get("webhooks_delivered") or 0),
                         "pending_at_end_of_window": B["stats"].get("webhooks_pending"),
                         "dropped_total": E["stats"].get("webhooks_dropped")},
            "sandbox_scheduling_lag_max_ms": (E["stats"].get("scheduling_lag") or {}).get("max_ms"),
            "campaign_at_window_start": A["campaign"],
            "campaign_at_window_end": B["campaign"],
            "campaign_after_cancel": E["campaign"],
            "cancel_s": round(cancel_s, 3),
            "cancel_answer_status": cancelled.get("status"),
            "lane_at_end_of_window": lane,
            "pacing_at_end_of_window": pacing,
            "gateway_rss_after_window_kb": rss_window,
        }
        if acc == 0:
            self.problems.append("dispatch: the sandbox accepted no message in the window")
        if (cb.get("failed") or 0) > 0:
            self.warnings.append(f"dispatch: {cb.get('failed')} campaign messages failed by the end of the window "
                                 f"(errors: {B['campaign'].get('errors')})")
        log(f"  sandbox accepted {acc} in {wall:.2f}s = {achieved:.2f} mps = {ratio * 100:.2f}% of {cap}; "
            f"130429: {thr} in the window, {total_130429} in all; campaign sent {sent_delta} "
            f"({out['campaign_sent_mps']} mps); gateway {out['gateway_cpu_s_per_1000_msgs']} CPU s per 1000 msgs")
        log(f"  {engine.cpu_line(cpu)}")
        log(f"  cancelled in {cancel_s:.2f}s")
        return out

    # ------------------------------------------------ all

    def run(self):
        t0 = time.monotonic()
        n = self.s["recipients"]
        sb = self.start_sandbox()
        gw = self.start_gateway("gateway-campaigns", os.path.join(self.work, "data-campaigns"), f"http://{sb.addr}")
        log(f"sandbox at {sb.addr} (--mps {self.s['mps']}, --webhook-batch {self.s['webhook_batch']}), "
            f"gateway at {gw.addr} (ready in {gw.ready_s:.1f}s)")
        sbc = engine.Conn(sb.addr)
        if self.s["webhooks"]:
            sbc.call("POST", "/_sandbox/config", {"webhook_url": f"http://{gw.addr}{WEBHOOK_PATH}"}, want=200,
                     what="POST /_sandbox/config (webhook_url)")
        a, tenant_id, key = self.new_tenant(gw, "campaigns-bench")
        outlet = self.new_outlet_for(a, tenant_id)
        tc = engine.Conn(gw.addr, {"Authorization": f"Bearer {key}"})
        self.vm(gw, "ready")

        csv_path = os.path.join(self.work, "recipients.csv")
        t_csv = time.monotonic()
        size = write_csv(csv_path, n)
        log(f"CSV of {n} recipients written ({size / 1e6:.1f} MB) in {time.monotonic() - t_csv:.1f}s")

        body = {"name": f"campaigns bench {n}", "outlet_id": outlet["id"], "message_type": "text",
                "message": MESSAGE}
        st, cmp_ = tc.call("POST", "/api/v1/campaigns", body, want=201, what="POST /api/v1/campaigns")
        campaign_id = cmp_.get("id") or fail(f"create campaign: no id in {cmp_}")
        if cmp_.get("status") != "draft":
            self.problems.append(f"create campaign: status {cmp_.get('status')!r}, expected 'draft'")
        with open(os.path.join(self.rec, "campaign-created.json"), "w") as f:
            json.dump(cmp_, f, indent=1)

        self.quiet_gate("upload")
        before = self.vm(gw, "before_upload")
        log(f"upload: POST /api/v1/campaigns/{campaign_id}/recipients, text/csv, {size / 1e6:.1f} MB streamed "
            f"from the file in {self.s['upload_chunk_bytes'] // 1024} KiB chunks")
        up = self.upload(gw, key, campaign_id, csv_path, n)
        after = self.vm(gw, "after_upload")
        ans = up["answer"]
        if ans.get("accepted") != n or ans.get("invalid") or ans.get("duplicates") or ans.get("suppressed"):
            self.problems.append(f"upload: expected {n} accepted and nothing refused, the gateway answered {ans}")
        # the recipients are queued: the campaign says so right after the 200
        t_q = time.monotonic()
        queued_seen = None
        for _ in range(600):  # bounded: 60 s
            _, c = tc.call("GET", f"/api/v1/campaigns/{campaign_id}", want=200, what="GET campaign")
            counts = c.get("counts") or {}
            if counts.get("queued") == ans.get("accepted") and counts.get("total") == n:
                queued_seen = time.monotonic() - t_q
                break
            time.sleep(0.1)
        if queued_seen is None:
            self.problems.append(f"upload: 60 s after the 200 the campaign's counts are {c.get('counts')}, "
                                 f"not total {n} / queued {ans.get('accepted')}")
        up.update({
            "campaign_after_upload": c,
            "queued_visible_after_answer_s": round(queued_seen, 3) if queued_seen is not None else None,
            "gateway_rss_before_kb": before, "gateway_rss_after_kb": after,
            "rss_growth_kb": after["VmRSS"] - before["VmRSS"],
        })
        self.results["upload"] = up
        log(f"  {ans} in {up['seconds']:.2f}s ({up['rows_per_s']:.0f} rows/s; body sent in "
            f"{up['body_sent_s']:.2f}s, answer {up['answer_after_body_s']:.2f}s after it); gateway VmHWM "
            f"{mb(after['VmHWM'])} MB, VmRSS {mb(before['VmRSS'])} -> {mb(after['VmRSS'])} MB")
        os.remove(csv_path)

        self.quiet_gate("dispatch")
        self.results["dispatch"] = self.dispatch(gw, sb, a, tc, sbc, campaign_id, outlet)
        end = self.vm(gw, "end")
        self.results["gateway_rss_kb"] = self.rss
        self.results["peak_rss_kb"] = end["VmHWM"]
        self.results["sandbox_rss_kb"] = engine.read_status(sb.pid)
        self.results["sandbox_argv"] = sb.argv
        try:
            with open(os.path.join(self.rec, "sandbox-stats-end.json"), "w") as f:
                json.dump(sbc.call("GET", "/_sandbox/stats", want=200)[1], f, indent=1)
        except Exception:  # noqa: BLE001 (a record only)
            pass
        for conn in (a, tc, sbc):
            conn.close()
        self.procs.stop(gw)
        self.procs.stop(sb)
        self.elapsed = time.monotonic() - t0


# ---------------------------------------------------------------- report

def summarize(run, args, settings):
    r = run.results
    up, d = r.get("upload"), r.get("dispatch")
    peak = r.get("peak_rss_kb")
    headline, targets = {}, {}
    if up:
        headline["recipients"] = up["rows"]
        headline["upload_s"] = up["seconds"]
        headline["upload_rows_per_s"] = up["rows_per_s"]
        headline["peak_rss_after_upload_mb"] = mb(up["gateway_rss_after_kb"]["VmHWM"])
        targets["upload_le_10s"] = up["seconds"] <= TARGET_UPLOAD_S
    if peak:
        headline["peak_rss_mb"] = mb(peak)
        headline["peak_rss_mib"] = mib(peak)
        targets["peak_rss_le_300mb"] = mb(peak) <= TARGET_PEAK_RSS_MB
    elif up:
        targets["peak_rss_le_300mb"] = mb(up["gateway_rss_after_kb"]["VmHWM"]) <= TARGET_PEAK_RSS_MB
    if d:
        headline["achieved_mps"] = d["achieved_mps"]
        headline["rate_ratio"] = d["ratio"]
        headline["rate_ratio_arrival_stamps"] = (d.get("arrivals") or {}).get("ratio")
        headline["campaign_sent_ratio"] = d["campaign_sent_ratio"]
        headline["sandbox_130429"] = d["sandbox_130429_total"]
        headline["gateway_cpu_s_per_1000_msgs"] = d["gateway_cpu_s_per_1000_msgs"]
        headline["cancel_s"] = d["cancel_s"]
        targets["rate_within_2pct"] = d["within_target"]
        targets["zero_130429"] = d["sandbox_130429_total"] == TARGET_130429
    doc = {
        "schema": 1,
        "benchmark": "campaigns",
        "mode": settings["mode"],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "elapsed_s": round(getattr(run, "elapsed", 0.0), 1),
        "git_commit": bench.git_commit(args.repo),
        "wagate_bin": args.wagate,
        "wagate_bin_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(args.wagate))),
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "data_dir_fs": (subprocess.run(["df", "--output=fstype", args.work], capture_output=True,
                                                text=True).stdout.split() or [None])[-1]},
        "settings": dict(settings, gateway_set=settings["gateway_set"] or "defaults (docs/configuration.md)",
                         sandbox_argv=r.get("sandbox_argv"), message=MESSAGE),
        "targets": {"upload_s": TARGET_UPLOAD_S, "peak_rss_mb": TARGET_PEAK_RSS_MB,
                    "rate_error": TARGET_RATE_ERROR, "sandbox_130429": TARGET_130429,
                    "notes": "MB = 10^6 bytes; peak RSS = the gateway's VmHWM at the end of the run (the whole "
                             "run's peak); rate = the sandbox's accepted counter over the window / the cap"},
        "headline": headline,
        "target_met": targets,
        "upload": up,
        "dispatch": d,
        "gateway_rss_kb": r.get("gateway_rss_kb"),
        "sandbox_rss_kb": r.get("sandbox_rss_kb"),
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

    def verdict(key, good="meets", bad="MISSES"):
        return good if targets.get(key) else bad

    print()
    print(f"wagate campaigns benchmark ({settings['mode']}), {os.cpu_count()} CPUs shared by everything; "
          f"took {doc['elapsed_s']:.0f}s")
    if up:
        a = up["answer"]
        print(f"  upload: {up['rows']} recipients, CSV {up['bytes'] / 1e6:.1f} MB streamed: accepted in "
              f"{up['seconds']:.2f}s ({up['rows_per_s']:.0f} rows/s; {verdict('upload_le_10s')} the <= 10 s target)")
        print(f"{'':10}answer {json.dumps(a)}; body sent in {up['body_sent_s']:.2f}s, answered "
              f"{up['answer_after_body_s']:.2f}s after; queued visible "
              f"{num(up['queued_visible_after_answer_s'], 2)}s after the answer; gateway CPU {num(up['gateway_cpu_s'], 1)} s")
        print(f"{'':10}gateway VmRSS {mb(up['gateway_rss_before_kb']['VmRSS'])} -> "
              f"{mb(up['gateway_rss_after_kb']['VmRSS'])} MB, VmHWM after the upload "
              f"{mb(up['gateway_rss_after_kb']['VmHWM'])} MB")
    if peak:
        print(f"  peak RSS (VmHWM, whole run): {mb(peak)} MB = {mib(peak)} MiB ({verdict('peak_rss_le_300mb')} "
              f"the <= 300 MB target)")
    if d:
        arr = d.get("arrivals") or {}
        print(f"  dispatch: cap {d['cap_mps']} mps (sandbox --mps, outlet throughput_mps); after {d['warmup_s']:g}s "
              f"warm-up, {d['window_s']:.1f}s measured")
        print(f"{'':10}sandbox accepted {d['sandbox_accepted']} = {d['achieved_mps']:.2f} mps = "
              f"{d['ratio'] * 100:.2f}% of the cap ({verdict('rate_within_2pct')} the within-2% target); "
              f"per second {num(d['per_second_mps_min'])}..{num(d['per_second_mps_max'])}")
        if arr:
            print(f"{'':10}arrival stamps: {arr['count']} in the window = {arr['achieved_mps']:.2f} mps "
                  f"({arr['ratio'] * 100:.2f}%); busiest sliding second {arr['max_sliding_second']} in the window, "
                  f"{arr['max_sliding_second_all']} over the run; first send {num(arr['first_send_after_start_s'], 2)}s "
                  f"after the start")
        print(f"{'':10}campaign counts.sent +{d['campaign_sent_delta']} = {num(d['campaign_sent_mps'], 2)} mps "
              f"({num((d['campaign_sent_ratio'] or 0) * 100, 2)}%)")
        print(f"{'':10}130429 answers: {d['sandbox_130429_window']} in the window, {d['sandbox_130429_total']} in "
              f"all ({verdict('zero_130429')} the zero target); refusals by code {d['sandbox_rejected_by_code_total']}")
        print(f"{'':10}gateway CPU {d['gateway_cpu_s']:.2f} s = {num(d['gateway_cpu_s_per_1000_msgs'], 3)} s per 1000 "
              f"messages (webhooks {'on, batch ' + str(d['webhooks']['batch']) if d['webhooks']['enabled'] else 'off'}); "
              f"pacing margin {(d.get('pacing_at_end_of_window') or {}).get('margin_ms')} ms")
        if d.get("cpu_percent"):
            print(f"{'':10}{engine.cpu_line(d['cpu_percent'])}")
        print(f"{'':10}cancel of the rest: {d['cancel_s']:.2f}s")
    for w in run.warnings:
        print(f"  WARNING: {w}")
    for p in run.problems:
        print(f"  PROBLEM: {p}")
    print(f"  results: {out}")
    return doc, targets


def cmd_run(args):
    try:
        settings = settings_for(args.mode)
    except Failure as e:
        log(f"FAILED: {e}")
        return 1
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
    s.add_argument("--repo", default=".")
    s.add_argument("--enforce", action="store_true")
    s.set_defaults(fn=cmd_run)
    args = p.parse_args()
    sys.exit(args.fn(args))


if __name__ == "__main__":
    main()
