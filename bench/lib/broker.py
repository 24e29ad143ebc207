#!/usr/bin/env python3
"""RabbitMQ benchmark driver for bench/broker.sh (standard library only; see bench/README.md, "broker").

One run, one machine, one gateway on a private rabbitmq-server (tests/integration/rabbitmq.py):

  http      the reference: async sends through POST /api/v1/messages/send (wrk, bench/wrk/replay.lua,
            BROKER_SECONDS), accepted (202) per second
  commands  BROKER_COMMANDS send commands published to the queue while the gateway is stopped; the gateway
            starts and consumes them: commands acknowledged (= durably accepted) per second, from the
            first to the last acknowledgement (wagate_broker_acked_total polled every 20 ms)
  events    the events those messages cause (message.queued/sent/… to the events exchange): events
            confirmed by the broker per second while the outbox drains

Usage: broker.py --mode quick|full --out FILE
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(BENCH_DIR, "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH_DIR), "tests", "integration"))
import bench  # noqa: E402
import harness  # noqa: E402
import rabbitmq  # noqa: E402


def log(msg):
    print("broker: %s" % msg, file=sys.stderr, flush=True)


def metric(stack, name):
    text = stack.admin.get("/metrics").body.decode()
    m = re.search(r"^%s(?:\{[^}]*\})? ([0-9.e+]+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else 0.0


def command(fx, i):
    return {"tenant_key": fx.api_key, "outlet_id": fx.outlet_id, "to": "+49151%08d" % (10000000 + i),
            "message_type": "text", "message": "Order %d is ready" % i}


def http_reference(stack, fx, seconds, work):
    reqs = []
    for i in range(1000):
        body = command(fx, 5000000 + i)
        del body["tenant_key"]
        body["async"] = True
        reqs.append(({"Content-Type": "application/json", "Authorization": "Bearer " + fx.api_key},
                     bench.compact(body)))
    data = os.path.join(work, "http.lua")
    bench.write_lua_data(data, "/api/v1/messages/send", reqs)
    out = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % seconds, "--timeout", "5s", "-s",
                          os.path.join(BENCH_DIR, "wrk", "replay.lua"),
                          "http://%s:%d" % (stack.gateway.host, stack.gateway.port)],
                         env=dict(os.environ, BENCH_DATA=data), capture_output=True, text=True, timeout=seconds + 60)
    path = os.path.join(work, "wrk.out")
    with open(path, "w") as f:
        f.write(out.stdout)
    result, err = bench.parse_wrk(path)
    if err:
        raise RuntimeError(err + ": " + out.stderr[-500:])
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("quick", "full"), default="full")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    quick = args.mode == "quick"
    n = int(os.environ.get("BROKER_COMMANDS", "2000" if quick else "20000"))
    seconds = int(os.environ.get("BROKER_SECONDS", "2" if quick else "10"))
    work = tempfile.mkdtemp(prefix="wagate-bench-broker-", dir=os.environ.get("BENCH_TMPDIR"))
    rabbit = rabbitmq.PrivateRabbit(work).start()
    stack = None
    try:
        sets = {"broker.url": rabbit.url, "broker.prefetch": "1000", "events.poll_ms": "50",
                "engine.sync_wait_ms": "1000"}
        stack = harness.Stack(work, sandbox_args=["--mps", "0"], gateway_sets=sets)
        stack.start()
        fx = stack.default_fixture(throughput_mps=1000)
        harness.wait_until(lambda: stack.admin.get("/readyz").json().get("broker", {}).get("consumer", {})
                           .get("connected"), 60, msg="consumer connected")

        log("http: async sends for %d s (wrk -t2 -c32)" % seconds)
        ref = http_reference(stack, fx, seconds, work)
        accepted = ref["requests"] - ref["errors"]["status"] - ref["errors"]["timeout"]  # non-2xx are errors
        http_rate = accepted / max(ref["duration_us"] / 1e6, 1e-9)

        log("commands: %d published while the gateway is stopped" % n)
        stack.gateway.stop()
        t0 = time.monotonic()
        pub = rabbit.publish("wagate.commands", [{"body": json.dumps(command(fx, i)), "message_id": "b-%d" % i}
                                                 for i in range(n)])
        log("published %d in %.2f s" % (pub["published"], time.monotonic() - t0))
        confirmed_before = 0.0
        stack.gateway.restart()
        start = None
        acked = 0.0
        deadline = time.monotonic() + 300
        while acked < n and time.monotonic() < deadline:
            acked = metric(stack, "wagate_broker_acked_total")
            if acked > 0 and start is None:
                start = (time.monotonic(), acked)
            time.sleep(0.02)
        end = time.monotonic()
        if acked < n:
            raise RuntimeError("only %d of %d commands acknowledged" % (acked, n))
        cmd_rate = (n - start[1]) / max(end - start[0], 1e-9)

        log("events: the outbox drains to the events exchange")
        t_ev = time.monotonic()
        c0 = metric(stack, "wagate_broker_confirmed_total") - confirmed_before
        last, last_change = c0, time.monotonic()
        while time.monotonic() - last_change < 3 and time.monotonic() - t_ev < 300:
            c = metric(stack, "wagate_broker_confirmed_total")
            if c > last:
                last, last_change = c, time.monotonic()
            time.sleep(0.05)
        ev_rate = (last - c0) / max(last_change - t_ev, 1e-9)
        doc = {"mode": args.mode, "commands": n, "http_async_accept_per_s": round(http_rate),
               "broker_commands_accepted_per_s": round(cmd_rate),
               "ratio_broker_to_http": round(cmd_rate / http_rate, 3) if http_rate else None,
               "events_confirmed_per_s": round(ev_rate), "events_confirmed": int(last - c0),
               "commit": bench.git_commit(os.path.dirname(BENCH_DIR))}
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=2)
        print(json.dumps(doc, indent=2))
        return 0
    finally:
        if stack:
            stack.stop()
        rabbit.destroy()
        import shutil
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
