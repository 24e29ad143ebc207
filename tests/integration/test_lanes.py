"""Delivery lanes: pacing at the outlet's limit, priorities, pair rate, messaging tier, service window,
back-pressure from Graph, and runtime reconfiguration.

Acceptance points 2 and 3 of issue 3 (plus the lane rules of "What to build"). The sandbox enforces the
same limits as Meta (`--mps`, its pair-rate model, `--tier`, `--enforce-window`), so every limit the
gateway breaks shows up as a rejection or a failed webhook at the sandbox.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402


def now_ms():
    return int(time.time() * 1000)


class LaneTestBase(harness.WagateTestCase):
    def submit_all(self, s, bodies, threads=8, headers=None):
        """POST every body (async sends) over keep-alive connections; returns the message ids in order."""
        c = s.gateway.client(keepalive=True, timeout=60)

        def one(body):
            r = c.post("/api/v1/messages/send", body, headers=headers)
            if r.status != 202:
                raise AssertionError("async send answered %r" % r)
            return r.json()["message_id"]

        try:
            ids = harness.run_parallel(one, bodies, threads=threads)
        finally:
            c.close()
        self.assertEqual(len(set(ids)), len(bodies))
        return ids

    def async_body(self, s, fx, text, to=None, **extra):
        b = s.send_body(fx, text, to=to, **extra)
        b["async"] = True
        return b

    def lane(self, s, fx, client=None):
        r = (client or s.admin).get("/api/v1/outlets/%s/lane" % fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def patch_outlet(self, s, fx, **fields):
        r = s.admin.request("PATCH", "/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id), body=fields)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def metric(self, s, name, labels=""):
        """Sum of the samples of `name` whose label set contains `labels` (e.g. 'type="message"')."""
        r = s.admin.get("/metrics")
        self.assertEqual(r.status, 200, r)
        total = 0.0
        for line in r.text.splitlines():
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$", line)
            if m and m.group(1) == name and labels in (m.group(2) or ""):
                total += float(m.group(3))
        return total

    def inbound_and_wait(self, s, fx, customer, text="hi there"):
        """A customer writes in through the sandbox (signed webhook); wait until the gateway applied it."""
        before = self.metric(s, "wagate_webhook_events_total", 'type="message"')
        r = s.sandbox.inbound(fx.phone_number_id, customer, text)
        self.assertTrue(r.get("webhook_scheduled"), r)
        wait_until(lambda: self.metric(s, "wagate_webhook_events_total", 'type="message"') >= before + 1, 15,
                   interval=0.05, msg="inbound message webhook applied by the gateway")

    def accepted_times(self, s, phone_number_id=None, bizs=None):
        """Sorted sandbox acceptance times (ms) of one phone number's (or some) messages."""
        out = []
        for m in s.sandbox.messages():
            if phone_number_id is not None and m["phone_number_id"] != phone_number_id:
                continue
            if bizs is not None and m.get("biz_opaque_callback_data") not in bizs:
                continue
            out.append(m["time_ms"])
        return sorted(out)


# --------------------------------------------------------------------------------------------------
# Acceptance 2: 4 outlets at 80 mps, 20,000 messages to 5,000 recipients, nothing rejected


PACE_MPS = 80          # Meta's default, the sandbox's default and the gateway's default
PACE_OUTLETS = 4
PACE_RECIPIENTS = 5000
PACE_PER_RECIPIENT = 4
# The gateway's default pacing margin policy (engine.pacing_margin_ms, engine.pacing_margin_max_ms, and
# how long a stall keeps it wide): see docs/delivery.md.
PACE_MARGIN_FLOOR_MS = 20
PACE_MARGIN_MAX_MS = 250
PACE_STALL_MEMORY_MS = 30000


class PacingTest(LaneTestBase):
    def test_four_outlets_at_80_mps_20000_messages_no_rejection_each_sent_once(self):
        # Default sandbox limits: --mps 80, pair burst 45 / 6000 ms. Status webhooks batched so the
        # sandbox's 60,000 status events do not compete with the sends for the two CPU cores.
        s = self.start_stack(sandbox_args=["--webhook-batch", "200"])
        fxs = [s.default_fixture() for _ in range(PACE_OUTLETS)]  # throughput_mps / pair limits: defaults
        for fx in fxs:
            self.assertEqual(fx.outlet["throughput_mps"], PACE_MPS, fx.outlet)
            self.assertEqual(fx.outlet["pair_burst"], 45, fx.outlet)
            self.assertEqual(fx.outlet["pair_interval_ms"], 6000, fx.outlet)
        # 5,000 recipients, 4 messages each; recipient i is served by outlet i % 4 (5,000 messages each).
        bodies = []
        for i in range(PACE_RECIPIENTS):
            to = harness.recipient()
            fx = fxs[i % PACE_OUTLETS]
            for k in range(PACE_PER_RECIPIENT):
                bodies.append(self.async_body(s, fx, "pacing %d/%d" % (i, k), to=to))
        total = len(bodies)
        self.assertEqual(total, 20000)
        t0 = time.monotonic()
        ids = self.submit_all(s, bodies, threads=12)
        t_submit = time.monotonic() - t0
        sys.stderr.write("\n[pacing] %d accepted by the gateway in %.1fs\n" % (total, t_submit))
        per_outlet = total // PACE_OUTLETS
        expect_s = per_outlet / PACE_MPS
        wait_until(lambda: s.sandbox.stats()["accepted"] >= total, expect_s * 1.5 + 20, interval=1.0,
                   msg="all %d messages accepted by the sandbox" % total)
        t_all = time.monotonic() - t0
        # let anything late (a duplicate) show up
        harness.assert_stays(lambda: s.sandbox.stats()["accepted"] == total, 1.5, interval=0.25,
                             msg="no extra send")
        msgs = s.sandbox.messages()
        rates = {}
        for n, fx in enumerate(fxs):
            # The sandbox stamps arrivals with the kernel's receive time (µs), as its throughput window
            # counts them: what Meta would count, however starved of CPU the sandbox was.
            ts = sorted(m["arrival_us"] for m in msgs if m["phone_number_id"] == fx.phone_number_id)
            self.assertEqual(len(ts), per_outlet)
            span = (ts[-1] - ts[0]) / 1e6
            rate = (len(ts) - 1) / span if span > 0 else float("inf")
            # the fullest 1 s window (Meta counts a sliding second) and the emptiest full 10 s window
            peak = 0
            j = 0
            for i in range(len(ts)):
                while ts[i] - ts[j] >= 1000000:
                    j += 1
                peak = max(peak, i - j + 1)
            lows = []
            w = ts[0]
            while w + 10000000 <= ts[-1]:
                lows.append(sum(1 for t in ts if w <= t < w + 10000000) / 10.0)
                w += 10000000
            rates[n] = (rate, peak, min(lows) if lows else None, span)
        sys.stderr.write("[pacing] all sent %.1fs after the first submission\n" % t_all)
        for n, (rate, peak, low10, span) in rates.items():
            sys.stderr.write("[pacing] outlet %d: %.2f msg/s over %.1fs (limit %d), busiest second %d, "
                             "slowest 10 s window %s msg/s\n" % (n, rate, span, PACE_MPS, peak, low10))
        first_ms = {fx.phone_number_id: min(m["time_ms"] for m in msgs if m["phone_number_id"] == fx.phone_number_id)
                    for fx in fxs}
        stats = s.sandbox.stats()
        # The sandbox's stamps are the kernel's (its own stalls cannot bunch them). What remains is the
        # gateway's side: a request stamped as departed whose thread is descheduled before the bytes
        # leave. The gateway widens its margin by the longest stall of the last 30 s; a 130429 is only
        # excused when a gateway stall in the second before it was longer than the margin then in force
        # (a stall of a kind the machine had not shown yet). Any other rejection fails the test.
        # The margin is judged by the default policy (PACE_MARGIN_*), not by what the gateway reports:
        # a gateway configured with a narrower margin must fail here.
        pacing = s.admin.get("/api/v1/engine/pacing").json()
        stalls = pacing["stalls"]
        floor_ms, max_ms = PACE_MARGIN_FLOOR_MS, PACE_MARGIN_MAX_MS

        def margin_before(at_ms):
            prior = [e["lag_ms"] for e in stalls if at_ms - PACE_STALL_MEMORY_MS <= e["at_ms"] < at_ms]
            return max(floor_ms, min(max_ms, floor_ms + max(prior, default=0)))

        unexplained = []
        rejected_per_outlet = {}
        for r in s.sandbox.requests():
            if r["graph_code"] is None:
                continue
            t = r["time_ms"]
            near = [e for e in stalls if t - 1100 <= e["at_ms"] <= t + 50]
            uncovered = [e for e in near if e["lag_ms"] > margin_before(e["at_ms"])]
            sys.stderr.write("[pacing] rejected %s at +%d ms of outlet %s (gateway stalls just before: %s)\n"
                             % (r["graph_code"], t - first_ms[r["phone_number_id"]], r["phone_number_id"],
                                [(e["lag_ms"], margin_before(e["at_ms"])) for e in near]))
            if r["graph_code"] != 130429 or not uncovered:
                unexplained.append(r)
            rejected_per_outlet[r["phone_number_id"]] = rejected_per_outlet.get(r["phone_number_id"], 0) + 1
        widest_ms = max([margin_before(e["at_ms"] + 1) for e in stalls] + [floor_ms])
        sys.stderr.write("[pacing] gateway stalls >= 5 ms: %d, longest %s ms, widest margin %d ms (gateway now: "
                         "%s ms); sandbox stalls >= 10 ms: %d\n"
                         % (len(stalls), pacing.get("max_stall_ms"), widest_ms, pacing.get("margin_ms"),
                            sum(1 for e in stats["scheduling_lag"]["episodes"] if e["lag_ms"] >= 10)))
        rejected = stats["rejected_by_code"]
        self.assertEqual(unexplained, [], "rejections not explained by a gateway stall: %s" % stats["rejected_by_code"])
        self.assertEqual(rejected.get("131056", 0), 0, "sandbox pair-rate rejections: %s" % stats)
        self.assertEqual(stats["requests"], total + sum(rejected_per_outlet.values()),
                         "every request accepted at the first attempt but the excused ones: %s" % stats)
        counts = s.sandbox.accepted_by_biz()
        self.assertEqual(set(counts), set(ids), "the sandbox saw exactly our messages")
        self.assertEqual({m: c for m, c in counts.items() if c != 1}, {}, "messages sent more than once")

        # A lane runs at 1000 / (1000 + margin) of its limit: at the floor on a quiet machine (98 %), a
        # little slower while stalls widen the margin. 0.92 of that leaves room for the token bucket's
        # own pace and the start of the run; a lane far below it is a pacing bug, not noise.
        expected = PACE_MPS * 1000.0 / (1000 + widest_ms) * 0.92
        for n, (rate, peak, low10, span) in rates.items():
            self.assertGreaterEqual(rate, expected, "outlet %d ran at %.2f msg/s" % (n, rate))
            self.assertLessEqual(peak, PACE_MPS, "outlet %d: %d arrivals in one second" % (n, peak))
            # an excused 130429 pauses the lane (as Meta asks), which a 10 s window shows
            if low10 is not None and not rejected_per_outlet.get(fxs[n].phone_number_id):
                self.assertGreaterEqual(low10, expected, "outlet %d: a 10 s window at %.1f msg/s" % (n, low10))
        for fx in fxs:
            ln = self.lane(s, fx)
            excused = rejected_per_outlet.get(fx.phone_number_id, 0)
            self.assertEqual(ln["throttled_130429"], excused, ln)
            self.assertEqual(ln["throttled_131056"], 0, ln)
            self.assertEqual(ln["dispatched"], per_outlet + excused, ln)


# --------------------------------------------------------------------------------------------------
# Acceptance 3: a transactional send is not stuck behind a 20,000-message bulk backlog


PRIO_MPS = 200
PRIO_BACKLOG = 20000


class PriorityTest(LaneTestBase):
    def test_transactional_sent_within_one_second_behind_20000_bulk(self):
        s = self.start_stack(sandbox_args=["--mps", str(PRIO_MPS), "--webhook-batch", "200"])
        fx = s.default_fixture(throughput_mps=PRIO_MPS)
        bodies = [self.async_body(s, fx, "campaign %d" % i, priority="bulk") for i in range(PRIO_BACKLOG)]
        self.submit_all(s, bodies, threads=12)
        ln = self.lane(s, fx)
        sys.stderr.write("\n[priority] backlog queued: %s\n" % ln)
        self.assertGreater(ln["ready_bulk"] + ln["waiting"], PRIO_BACKLOG // 2, ln)
        latencies = []
        c = s.gateway.client(keepalive=True, timeout=30)
        for i in range(5):
            body = s.send_body(fx, "Your code is %06d" % (123456 + i))  # priority: the default
            t = time.monotonic()
            r = c.post("/api/v1/messages/send", body)
            dt = time.monotonic() - t
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["status"], "sent", r)
            latencies.append(dt)
            m = s.message(r.json()["message_id"])
            self.assertEqual(m["priority"], "transactional", m)
            time.sleep(0.1)  # polling pace between the one-time passwords
        c.close()
        ln = self.lane(s, fx)
        accepted = s.sandbox.stats()["accepted"]
        sys.stderr.write("[priority] transactional latencies: %s s; after them: sandbox accepted %d, lane %s\n"
                         % (", ".join("%.3f" % x for x in latencies), accepted, ln))
        for dt in latencies:
            self.assertLess(dt, 1.0, "transactional send took %.3fs behind the bulk backlog" % dt)
        # the backlog was still there while they went through
        self.assertGreater(ln["ready_bulk"] + ln["waiting"], PRIO_BACKLOG // 2, ln)
        self.assertLess(accepted, PRIO_BACKLOG // 2 + 5)
        # an explicit "transactional" also works, and an unknown priority is refused
        r = s.send(fx, "code 999999", priority="transactional")
        self.assertEqual(r.status, 200, r)
        self.assertError(s.send(fx, "x", priority="urgent"), 400, "invalid_field", field="priority")


# --------------------------------------------------------------------------------------------------
# Pair rate, messaging tier, service window


class PairRateTest(LaneTestBase):
    def test_pair_limit_spaces_one_customer_without_blocking_others(self):
        s = self.start_stack(sandbox_args=["--pair-burst", "2", "--pair-interval-ms", "1000"])
        fx = s.default_fixture(pair_burst=2, pair_interval_ms=1000)
        a = harness.recipient()
        t_sub = now_ms()
        a_ids = self.submit_all(s, [self.async_body(s, fx, "to A %d" % i, to=a) for i in range(6)], threads=1)
        others = [harness.recipient() for _ in range(6)]
        t_others = now_ms()
        o_ids = self.submit_all(s, [self.async_body(s, fx, "to other", to=o) for o in others], threads=1)
        # the others are not held behind A's waiting messages
        wait_until(lambda: len(self.accepted_times(s, bizs=set(o_ids))) == 6, 5, interval=0.05,
                   msg="the 6 messages to other customers sent")
        o_times = self.accepted_times(s, bizs=set(o_ids))
        self.assertLess(o_times[-1] - t_others, 1000, "others sent %d ms after submission" % (o_times[-1] - t_others))
        ln = self.lane(s, fx)
        self.assertGreater(ln["deferrals"]["pair_rate"], 0, ln)
        wait_until(lambda: len(self.accepted_times(s, bizs=set(a_ids))) == 6, 15, interval=0.1,
                   msg="the 6 messages to A sent")
        a_times = self.accepted_times(s, bizs=set(a_ids))
        gaps = [a_times[i] - a_times[i - 1] for i in range(1, 6)]
        sys.stderr.write("\n[pair] A accepted at +%s ms (gaps %s), others by +%d ms\n"
                         % ([t - t_sub for t in a_times], gaps, o_times[-1] - t_sub))
        # burst of 2, then one per second
        self.assertLess(a_times[1] - t_sub, 1000, "the burst is not used")
        self.assertGreaterEqual(a_times[2] - a_times[0], 900, a_times)
        for g in gaps[2:]:
            self.assertGreaterEqual(g, 900, "A's messages closer than the pair interval: %s" % gaps)
        self.assertLess(a_times[-1] - a_times[0], 6500, "A's messages waited far longer than needed: %s" % gaps)
        # the earlier deferred ones said why, and nothing was rejected by the sandbox
        stats = s.sandbox.stats()
        self.assertEqual(stats["rejected_by_code"].get("131056", 0), 0, stats)
        self.assertEqual(stats["requests"], 12, stats)
        for mid in a_ids + o_ids:
            s.wait_status(mid, harness.FINAL_OK, timeout=10)
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in a_ids + o_ids})

    def test_pair_deferred_message_waits_queued_not_failed(self):
        s = self.start_stack(sandbox_args=["--pair-burst", "1", "--pair-interval-ms", "4000"])
        fx = s.default_fixture(pair_burst=1, pair_interval_ms=4000)
        a = harness.recipient()
        ids = self.submit_all(s, [self.async_body(s, fx, "A %d" % i, to=a) for i in range(2)], threads=1)
        s.wait_status(ids[0], harness.FINAL_OK, timeout=5)
        t_first = self.accepted_times(s)[0]
        # the second waits for A's next token: queued (not failed, no attempt used), visible on the lane
        harness.assert_stays(lambda: s.status(ids[1])["status"] == "queued", 2.0, interval=0.2,
                             msg="second message to A waits queued")
        m = s.message(ids[1])
        self.assertIsNone(m["error"], m)
        self.assertIn(m["deferred_reason"], (None, "pair_rate"), m)
        ln = self.lane(s, fx)
        self.assertEqual(ln["waiting"], 1, ln)
        self.assertGreater(ln["deferrals"]["pair_rate"], 0, ln)
        s.wait_status(ids[1], harness.FINAL_OK, timeout=10)
        ts = self.accepted_times(s)
        self.assertGreaterEqual(ts[1] - t_first, 3900, ts)
        self.assertEqual(s.sandbox.stats()["rejected_by_code"].get("131056", 0), 0)
        self.assertEqual(s.message(ids[1])["attempts"], 1)


class TierTest(LaneTestBase):
    def test_tier_defers_new_customers_inside_window_free_and_patch_releases(self):
        s = self.start_stack(sandbox_args=["--tier", "3"])
        fx = s.default_fixture(messaging_tier=3)
        self.assertEqual(fx.outlet["messaging_tier"], 3)
        ids = self.submit_all(s, [self.async_body(s, fx, "tier %d" % i) for i in range(5)], threads=1)

        def sent_and_deferred():
            st = [s.message(m) for m in ids]
            sent = [m for m in st if m["status"] in harness.FINAL_OK]
            waiting = [m for m in st if m["status"] == "queued" and m["deferred_reason"] == "messaging_tier"]
            return (sent, waiting) if len(sent) == 3 and len(waiting) == 2 else None

        sent, waiting = wait_until(sent_and_deferred, 10, interval=0.1, msg="3 sent and 2 deferred by the tier")
        # they stay deferred (not failed, not sent)
        waiting_ids = [m["message_id"] for m in waiting]
        harness.assert_stays(lambda: all(s.status(m)["status"] == "queued" for m in waiting_ids), 2.0,
                             interval=0.25, msg="tier-deferred messages stay queued")
        for m in waiting_ids:
            full = s.message(m)
            self.assertEqual(full["deferred_reason"], "messaging_tier", full)
            self.assertIsNone(full["error"], full)
            self.assertEqual(full["attempts"], 0, full)
        for m in sent:
            self.assertTrue(s.message(m["message_id"])["business_initiated"], m)
        ln = self.lane(s, fx)
        self.assertEqual(ln["tier_used"], 3, ln)
        self.assertGreater(ln["deferrals"]["messaging_tier"], 0, ln)
        stats = s.sandbox.stats()
        self.assertEqual(stats["accepted"], 3, stats)
        self.assertEqual(stats["tier_failures"], 0, stats)

        # a customer who wrote in is inside the window: no tier slot needed
        c = harness.recipient()
        self.inbound_and_wait(s, fx, c)
        t = time.monotonic()
        r = s.send(fx, "thanks for writing", to=c, timeout=30)
        self.assertEqual(r.status, 200, r)
        self.assertLess(time.monotonic() - t, 5)
        self.assertEqual(r.json()["status"], "sent", r)
        self.assertEqual(r.json()["service_window"], "open", r)
        self.assertFalse(s.message(r.json()["message_id"])["business_initiated"])
        self.assertEqual(self.lane(s, fx)["tier_used"], 3)
        for m in waiting_ids:
            self.assertEqual(s.status(m)["status"], "queued")

        # a bigger tier releases the two waiting ones (the sandbox's limit is raised first)
        s.sandbox.config(tier=10)
        out = self.patch_outlet(s, fx, messaging_tier=10)
        self.assertEqual(out["messaging_tier"], 10, out)
        for m in waiting_ids:
            s.wait_status(m, harness.FINAL_OK, timeout=10)
        wait_until(lambda: s.sandbox.stats()["webhooks_pending"] == 0, 10, msg="webhooks delivered")
        stats = s.sandbox.stats()
        self.assertEqual(stats["tier_failures"], 0, stats)
        self.assertEqual(stats["accepted"], 6, stats)
        self.assertEqual(self.lane(s, fx)["tier_used"], 5)
        for m in ids:
            self.assertIn(s.status(m)["status"], harness.FINAL_OK)
            self.assertTrue(s.message(m)["business_initiated"])


class WindowTest(LaneTestBase):
    def test_reject_policy_refuses_until_customer_writes_in(self):
        s = self.start_stack(sandbox_args=["--enforce-window"])
        fx = s.default_fixture(window_policy="reject")
        self.assertEqual(fx.outlet["window_policy"], "reject")
        cust = harness.recipient()
        for asynchronous in (False, True):
            r = s.send(fx, "free form", to=cust, asynchronous=asynchronous)
            self.assertError(r, 422, "outside_service_window")
        r = s.admin.get("/api/v1/messages?outlet_id=%s" % fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["messages"], [], "a refused message was stored")
        self.assertEqual(s.sandbox.stats()["requests"], 0)
        r = s.admin.get("/api/v1/tenants/%s" % fx.tenant_id)
        self.assertEqual(r.json()["used_this_month"], 0, "a refused message counted against the quota: %r" % r)

        self.inbound_and_wait(s, fx, cust)
        r = s.send(fx, "free form", to=cust)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(j["status"], "sent", j)
        self.assertEqual(j["service_window"], "open", j)
        # the sandbox (enforcing the window) agrees: delivered, not 131047
        s.wait_status(j["message_id"], ("delivered", "read"), timeout=10)
        self.assertEqual(s.sandbox.stats()["window_failures"], 0)
        # the digits-only / formatted spelling of the same customer is the same contact
        digits = cust.lstrip("+")
        r = s.send(fx, "again", to="+%s %s-%s" % (digits[:2], digits[2:5], digits[5:]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["service_window"], "open", r)

    def test_allow_policy_sends_closed_window_and_meta_fails_it_131047(self):
        s = self.start_stack(sandbox_args=["--enforce-window"])
        fx = s.default_fixture()  # window_policy: allow (default)
        self.assertEqual(fx.outlet["window_policy"], "allow")
        r = s.send(fx, "free form outside the window")
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(j["status"], "sent", j)
        self.assertEqual(j["service_window"], "closed", j)
        st = s.wait_status(j["message_id"], "failed", timeout=10)
        self.assertEqual(st["error"]["code"], 131047, st)
        self.assertEqual(st["whatsapp_message_id"], j["whatsapp_message_id"], st)
        self.assertEqual(s.sandbox.stats()["window_failures"], 1)
        # async answers carry the window too
        r = s.send(fx, "async outside", asynchronous=True)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["service_window"], "closed", r)


# --------------------------------------------------------------------------------------------------
# Back-pressure from Graph and runtime reconfiguration


class BackPressureTest(LaneTestBase):
    def test_130429_pauses_the_lane_without_hammering(self):
        s = self.start_stack(sandbox_args=["--mps", "0"], gateway_sets={"engine.retry_base_delay_ms": 100})
        fx = s.default_fixture()
        s.sandbox.faults(throttle_rate=1.0)
        t_start = now_ms()
        ids = self.submit_all(s, [self.async_body(s, fx, "bp %d" % i) for i in range(20)], threads=4)
        seen_pause = []

        def throttled_lane():
            ln = self.lane(s, fx)
            if ln["paused_until"] is not None:
                seen_pause.append(ln["paused_until"])
            return ln if ln["throttled_130429"] > 0 else None

        ln = wait_until(throttled_lane, 5, interval=0.05, msg="lane counts 130429")
        # hold the throttle for 5 s, watching the lane
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            ln = self.lane(s, fx)
            if ln["paused_until"] is not None:
                seen_pause.append(ln["paused_until"])
            time.sleep(0.1)
        t_end = now_ms()
        s.sandbox.faults(throttle_rate=0.0)
        self.assertTrue(seen_pause, "paused_until never set while Graph answered 130429: %s" % ln)
        self.assertGreater(ln["throttled_130429"], 0, ln)
        reqs = [r for r in s.sandbox.requests() if t_start + 1000 <= r["time_ms"] <= t_end]
        span = (t_end - t_start - 1000) / 1000.0
        per_s = len(reqs) / span
        sys.stderr.write("\n[backpressure] %d requests in %.1fs while throttled (%.1f/s); lane %s\n"
                         % (len(reqs), span, per_s, ln))
        self.assertLessEqual(per_s, 5.0, "the gateway kept hammering a throttled lane")
        for r in reqs:
            self.assertEqual(r["graph_code"], 130429, r)
        # after the throttle: every message sent exactly once, none failed
        for mid in ids:
            st = s.wait_status(mid, harness.FINAL_OK, timeout=30)
            self.assertIsNone(st["error"], st)
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in ids})
        self.assertEqual(self.lane(s, fx)["paused_until"], None)


class ReconfigureTest(LaneTestBase):
    def window_rate(self, s, fx, t_from, t_to):
        ts = self.accepted_times(s, fx.phone_number_id)
        return sum(1 for t in ts if t_from <= t < t_to) / ((t_to - t_from) / 1000.0)

    def test_patch_throughput_mid_backlog_changes_rate(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture(throughput_mps=10)
        ids = self.submit_all(s, [self.async_body(s, fx, "reconf %d" % i) for i in range(600)], threads=8)
        wait_until(lambda: s.sandbox.stats()["accepted"] > 0, 5, msg="sending started")
        time.sleep(0.5)
        t1 = now_ms()
        wait_until(lambda: now_ms() >= t1 + 3000, 5, interval=0.05)
        t2 = now_ms()
        slow = self.window_rate(s, fx, t1, t2)
        out = self.patch_outlet(s, fx, throughput_mps=100)
        self.assertEqual(out["throughput_mps"], 100, out)
        t3 = now_ms() + 300
        wait_until(lambda: now_ms() >= t3 + 2000, 5, interval=0.05)
        fast = self.window_rate(s, fx, t3, t3 + 2000)
        sys.stderr.write("\n[reconfigure] %.1f msg/s at 10 mps, %.1f msg/s after PATCH to 100\n" % (slow, fast))
        self.assertGreaterEqual(slow, 8.0)
        self.assertLessEqual(slow, 11.5)
        self.assertGreaterEqual(fast, 90.0)
        self.assertLessEqual(fast, 101.0)
        # and down again
        self.patch_outlet(s, fx, throughput_mps=20)
        t4 = now_ms() + 300
        wait_until(lambda: now_ms() >= t4 + 2000, 5, interval=0.05)
        if s.sandbox.stats()["accepted"] < len(ids):
            down = self.window_rate(s, fx, t4, t4 + 2000)
            sys.stderr.write("[reconfigure] %.1f msg/s after PATCH to 20\n" % down)
            self.assertLessEqual(down, 21.0)
            self.assertGreaterEqual(down, 16.0)
        # the limits are validated
        r = s.admin.request("PATCH", "/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id),
                            body={"throughput_mps": 1001})
        self.assertError(r, 400, "invalid_field", field="throughput_mps")


if __name__ == "__main__":
    harness.main()
