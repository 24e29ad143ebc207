"""Outgoing events end to end (issue 11): subscriptions, Standard Webhooks signatures checked by the official
`standardwebhooks` npm package (tests/integration/receiver), retries, Retry-After, replays, disabling,
kill -9 with 10,000 undelivered events, per-conversation order, the Conversation Service body, private
targets and bad input.

The receiver records every request it gets (verified or not, and what it answered), so each check is made
on what really arrived. Gateways run with short retry schedules and a 50 ms poll; each test picks the
schedule its scenario needs. Run `scripts/install-node-deps.sh` once (scripts/test.sh does).
"""

import datetime
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from events_receiver import Receiver, new_secret  # noqa: E402
from harness import wait_until  # noqa: E402

# Fast status webhooks: sent → delivered → read within ~0.2 s of acceptance.
FAST_SANDBOX = ["--mps", "0", "--delay-sent-ms", "20", "--delay-delivered-ms", "60", "--delay-read-ms", "120"]
EVENT_SETS = {"events.allow_private_targets": "true", "events.poll_ms": "50", "events.retry_schedule_s": "0,1,1,2"}
MESSAGE_STATUS_EVENTS = ("message.queued", "message.sent", "message.delivered", "message.read")


def schedule(attempts, delay_s=1):
    """A retry schedule of `attempts` attempts: the first at once, then one every `delay_s` seconds."""
    return ",".join(["0"] + [str(delay_s)] * (attempts - 1))


def iso(t):
    """Unix seconds → 2026-12-03T17:10:00.123Z."""
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def signature_count(item):
    return len((item["signature"] or "").split())


def first_ok(items):
    """webhook-id → the first request of it the receiver answered 200, in arrival order."""
    out = {}
    for it in items:
        if it["answered"] == "200" and it["webhook_id"] not in out:
            out[it["webhook_id"]] = it
    return out


def collapse(answers):
    """Consecutive equal answers as one: ["503", "drop", "drop", "200"] → ["503", "drop", "200"]."""
    return [a for i, a in enumerate(answers) if i == 0 or answers[i - 1] != a]


def by_webhook_id(items):
    out = {}
    for it in items:
        out.setdefault(it["webhook_id"], []).append(it)
    return out


class EventsTestBase(harness.WagateTestCase):
    def events_stack(self, sandbox_args=FAST_SANDBOX, **sets):
        return self.start_stack(sandbox_args=list(sandbox_args), gateway_sets=dict(EVENT_SETS, **sets))

    def receiver(self, secrets=()):
        rx = Receiver(self.tmp, secrets=secrets)
        self.track(rx.start().proc)
        return rx

    def subscribe(self, client, url, **body):
        r = client.post("/api/v1/subscriptions", dict(body, url=url))
        self.assertEqual(r.status, 201, r)
        return r.json()

    def deliveries(self, client, sid, **query):
        r = client.get("/api/v1/subscriptions/%s/deliveries?%s" % (sid, urllib.parse.urlencode(query)))
        self.assertEqual(r.status, 200, r)
        return r.json()["deliveries"]

    def all_deliveries(self, client, sid, max_pages=200):
        """The whole delivery log of a subscription, paged 200 at a time (newest first)."""
        out, cursor = [], None
        for _ in range(max_pages):
            q = {"limit": 200}
            if cursor:
                q["cursor"] = cursor
            r = client.get("/api/v1/subscriptions/%s/deliveries?%s" % (sid, urllib.parse.urlencode(q)))
            self.assertEqual(r.status, 200, r)
            out += r.json()["deliveries"]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                return out
        raise AssertionError("delivery log of %s longer than %d pages" % (sid, max_pages))

    def subscription(self, client, sid):
        r = client.get("/api/v1/subscriptions/%s" % sid)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def ping(self, client, sid):
        r = client.post("/api/v1/subscriptions/%s/test" % sid, {})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["event_type"], "ping", r)
        self.assertRegex(r.json()["delivery_id"], r"^dlv_\d+$")
        return r.json()["delivery_id"]

    def send_ok(self, s, fx, text, to=None, client=None, **extra):
        r = s.send(fx, text, to=to, client=client, **extra)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_items(self, rx, name, cond, timeout, msg, since_seq=0):
        """Wait until cond(items of endpoint `name`) holds; return the items."""
        def check():
            items = rx.received(name, since_seq=since_seq)
            return items if cond(items) else None
        return wait_until(check, timeout, interval=0.05, msg=msg)

    def assertDelivered(self, items, webhook_ids):
        """Each of webhook_ids got a 200 at the receiver, verified."""
        ok = first_ok(items)
        missing = set(webhook_ids) - set(ok)
        self.assertFalse(missing, "never delivered: %s" % sorted(missing)[:10])
        for wid in webhook_ids:
            self.assertTrue(ok[wid]["verified"], ok[wid])


# --------------------------------------------------------------------------------------------
# 1. Signatures, secret rotation, the test ping, secrets kept out of answers and logs


class SignatureTest(EventsTestBase):
    def test_signed_events_and_rotation_with_and_without_overlap(self):
        s = self.events_stack()
        fx = s.default_fixture()
        answers = []
        me = s.client(fx.api_key, record=answers)
        rx = self.receiver()
        sub = self.subscribe(me, rx.url("rot"), events=["message.sent"], headers={"Authorization": "Bearer rx-tok-1"})
        sid, s1 = sub["id"], sub["secret"]
        self.assertRegex(s1, r"^whsec_[A-Za-z0-9+/]+=*$")
        self.assertEqual((sub["enabled"], sub["ordered"], sub["kind"]), (True, False, "webhook"), sub)
        self.assertNotIn("rx-tok-1", json.dumps(sub), "a custom header value is shown masked")
        rx.set_secrets([s1])

        seq = [0]

        def next_items(n, what):
            """The next n requests at the endpoint (after the previous call's)."""
            items = self.wait_items(rx, "rot", lambda i: len(i) >= n, 20, what, since_seq=seq[0])
            self.assertEqual(len(items), n, items)
            seq[0] = items[-1]["seq"]
            return items

        # An event, signed with the one secret.
        sent = self.send_ok(s, fx, "signed hello")
        [ev] = next_items(1, "message.sent event")
        self.assertTrue(ev["verified"], ev)
        self.assertEqual(ev["verified_with"], [0])
        self.assertEqual(signature_count(ev), 1, ev["signature"])
        self.assertEqual(ev["answered"], "200")
        self.assertEqual(ev["body"]["type"], "message.sent")
        self.assertEqual(ev["body"]["data"]["message_id"], sent["message_id"])
        self.assertTimestamp(ev["body"]["timestamp"], "event timestamp")
        self.assertTrue(ev["webhook_id"], ev)
        self.assertEqual(ev["headers"]["content-type"], "application/json")
        self.assertEqual(ev["headers"]["authorization"], "Bearer rx-tok-1", "custom headers go out in clear")
        self.assertLess(abs(int(ev["timestamp"]) - time.time()), 30, ev["timestamp"])

        # The test ping: signed, type "ping", to this subscription only.
        self.ping(me, sid)
        [p] = next_items(1, "ping")
        self.assertTrue(p["verified"], p)
        self.assertEqual(p["body"]["type"], "ping")
        self.assertEqual(p["body"]["data"], {"subscription_id": sid, "tenant_id": fx.tenant_id})
        self.assertNotEqual(p["webhook_id"], ev["webhook_id"])

        # Rotation with a 60 s overlap: two signatures; the old secret alone verifies, the new one alone too.
        t0 = time.time()
        r = me.post("/api/v1/subscriptions/%s/rotate-secret" % sid, {"overlap_s": 60})
        self.assertEqual(r.status, 200, r)
        s2 = r.json()["secret"]
        self.assertRegex(s2, r"^whsec_")
        self.assertNotEqual(s2, s1)
        expires = harness.parse_ts(r.json()["previous_secret_expires_at"])
        self.assertTrue(t0 + 55 <= expires <= time.time() + 65, r.json())
        for only, index in ((s1, "old"), (s2, "new")):
            rx.set_secrets([only])
            self.ping(me, sid)
            self.send_ok(s, fx, "during the overlap, %s secret" % index)
            for it in next_items(2, "two requests verified with the %s secret alone" % index):
                self.assertTrue(it["verified"], "%s secret alone: %r" % (index, it))
                self.assertEqual(signature_count(it), 2, it["signature"])

        # Rotation without overlap: only the newest secret signs.
        r = me.post("/api/v1/subscriptions/%s/rotate-secret" % sid, {"overlap_s": 0})
        self.assertEqual(r.status, 200, r)
        s3 = r.json()["secret"]
        self.assertIsNone(r.json()["previous_secret_expires_at"], r.json())
        self.assertEqual(len({s1, s2, s3}), 3)
        rx.set_secrets([s1, s2, s3])
        self.ping(me, sid)
        self.send_ok(s, fx, "after a rotation without overlap")
        for it in next_items(2, "requests after the rotation without overlap"):
            self.assertEqual(it["verified_with"], [2], "only the newest secret may verify: %r" % it)
            self.assertEqual(signature_count(it), 1, it["signature"])
        rx.set_secrets([s2])
        self.ping(me, sid)
        [old] = next_items(1, "ping checked against the previous secret alone")
        self.assertFalse(old["verified"], old)
        self.assertIn("No matching signature found", old["verify_errors"], old)

        # A short overlap ends by itself: once it is over, the previous secret no longer signs.
        r = me.post("/api/v1/subscriptions/%s/rotate-secret" % sid, {"overlap_s": 2})
        self.assertEqual(r.status, 200, r)
        s4 = r.json()["secret"]
        expires = harness.parse_ts(r.json()["previous_secret_expires_at"])
        rx.set_secrets([s3, s4])
        self.ping(me, sid)
        [it] = next_items(1, "ping during a 2 s overlap")
        self.assertEqual((it["verified_with"], signature_count(it)), ([0, 1], 2), it)
        wait_until(lambda: time.time() > expires + 0.2, 5, msg="the end of the overlap")
        self.ping(me, sid)
        [it] = next_items(1, "ping after the overlap")
        self.assertEqual((it["verified_with"], signature_count(it)), ([1], 1), it)

        # The secret is in the 201 and the rotation answers only: never in GET, list, PATCH, nor the log.
        self.subscription(me, sid)
        self.assertEqual(me.get("/api/v1/subscriptions").status, 200)
        r = me.request("PATCH", "/api/v1/subscriptions/%s" % sid, body={"events": ["message.*"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["events"], ["message.*"])
        self.assertEqual(s.admin.get("/api/v1/subscriptions?tenant_id=%s" % fx.tenant_id).status, 200)
        answers += s.admin_record
        secrets = {s1: "s1", s2: "s2", s3: "s3", s4: "s4"}
        keys = {sec[len("whsec_"):]: name for sec, name in secrets.items()}
        holders = []
        for a in answers:
            text = a.text
            found = sorted(name for key, name in keys.items() if key in text)
            if found:
                holders.append((a.status, found))
        self.assertEqual(holders, [(201, ["s1"]), (200, ["s2"]), (200, ["s3"]), (200, ["s4"])],
                         "the secret must appear in the create and rotate answers only")
        listed = me.get("/api/v1/subscriptions").json()["subscriptions"]
        self.assertEqual([x["id"] for x in listed], [sid])
        self.assertNotIn("secret", listed[0])
        self.assertNotIn("rx-tok-1", json.dumps(listed))
        log = s.gateway.log_text()
        for key, name in keys.items():
            self.assertNotIn(key, log, "secret %s in the gateway's log" % name)
        self.assertNotIn("rx-tok-1", log)


# --------------------------------------------------------------------------------------------
# 2. Receiver down then up; Retry-After


class RetryTest(EventsTestBase):
    def test_receiver_down_then_up_every_event_delivered_with_one_webhook_id(self):
        s = self.events_stack(**{"events.retry_schedule_s": schedule(10)})
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        rx = self.receiver()
        sub = self.subscribe(me, rx.url("down"), events=["message.sent"])
        rx.set_secrets([sub["secret"]])
        rx.behave("down", status=503)  # until changed

        msgs = [self.send_ok(s, fx, "while the receiver is down %d" % i)["message_id"] for i in range(3)]

        def per_message(items):
            out = {}
            for it in items:
                out.setdefault(it["body"]["data"]["message_id"], []).append(it)
            return out

        def each_has(answer, n):
            def cond(items):
                got = per_message(items)
                return all(sum(1 for it in got.get(m, []) if it["answered"] == answer) >= n for m in msgs)
            return cond

        self.wait_items(rx, "down", each_has("503", 2), 20, "two 503 answers for each of the 3 events")
        rx.behave("down", drop=True)  # the connection is reset without an answer
        self.wait_items(rx, "down", each_has("drop", 1), 20, "a dropped attempt for each event")
        rx.behave("down")  # up again
        items = self.wait_items(rx, "down", each_has("200", 1), 20, "every event delivered once the receiver is up")

        got = per_message(items)
        log = {d["webhook_id"]: d for d in self.deliveries(me, sub["id"])}
        self.assertEqual(len(log), 3, log)
        for m in msgs:
            attempts = got[m]
            ids = {it["webhook_id"] for it in attempts}
            self.assertEqual(len(ids), 1, "message %s went out under several webhook-ids: %s" % (m, ids))
            self.assertTrue(all(it["verified"] for it in attempts), attempts)
            answered = [it["answered"] for it in attempts]
            self.assertEqual(answered[-1], "200", answered)
            self.assertEqual(answered.count("200"), 1, answered)
            # The webhook-timestamp is fresh at each attempt, the signature follows it.
            self.assertEqual(len({it["timestamp"] for it in attempts}) > 1, True, attempts)

            d = log[ids.pop()]
            self.assertEqual((d["status"], d["event_type"]), ("succeeded", "message.sent"), d)
            self.assertEqual(d["attempt_count"], len(d["attempts"]), d)
            self.assertIsNone(d["next_attempt_at"], d)
            self.assertTimestamp(d["finished_at"], "finished_at")
            for a in d["attempts"]:
                self.assertTimestamp(a["at"], "attempt at")
                self.assertIsInstance(a["latency_ms"], int, a)
                self.assertGreaterEqual(a["latency_ms"], 0, a)
                if a["status_code"] == 503:
                    self.assertEqual((a["error_class"], a["response_excerpt"]), ("http_status", "status 503"), a)
                elif a["status_code"] is None:  # the dropped connection
                    self.assertIsInstance(a["error_class"], str, a)
                    self.assertNotIn(a["error_class"], ("", "http_status"), a)
                else:
                    self.assertEqual((a["status_code"], a["error_class"], a["response_excerpt"]), (200, None, "ok"), a)
            ats = [harness.parse_ts(a["at"]) for a in d["attempts"]]
            self.assertEqual(ats, sorted(ats), d)
            # The log's attempts are the receiver's requests, except that one dropped attempt may have reached
            # the receiver more than once (libcurl re-sends on a fresh connection when a kept-alive one dies
            # without an answer; docs/events.md says so).
            logged = ["drop" if a["status_code"] is None else str(a["status_code"]) for a in d["attempts"]]
            self.assertEqual(collapse(logged), collapse(answered), (logged, answered))
            self.assertEqual([x for x in logged if x != "drop"], [x for x in answered if x != "drop"])
            self.assertLessEqual(logged.count("drop"), answered.count("drop"))
            self.assertGreaterEqual(logged.count("drop"), 1, logged)

    def test_retry_after_on_429_and_503_delays_the_next_attempt(self):
        # The schedule says 1 s (±20 %) before the second attempt; a Retry-After of 2 s must win.
        s = self.events_stack()
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        rx = self.receiver()
        secret = new_secret()
        rx.set_secrets([secret])
        subs = {}
        for status in (429, 503):
            name = "ra%d" % status
            subs[name] = self.subscribe(me, rx.url(name), events=["message.sent"], secret=secret)["id"]
            rx.behave(name, status=status, retry_after="2", fail_times=1)
        for name, sid in subs.items():
            self.ping(me, sid)
        for name, sid in subs.items():
            status = int(name[2:])
            items = self.wait_items(rx, name, lambda i: len(i) >= 2, 20, "the retry of %s" % name)
            first, second = items[0], items[1]
            self.assertEqual((first["answered"], second["answered"]), (str(status), "200"), items)
            self.assertEqual(first["webhook_id"], second["webhook_id"])
            self.assertTrue(first["verified"] and second["verified"], items)
            gap = second["received_at_ms"] - first["received_at_ms"]
            self.assertGreaterEqual(gap, 1950, "Retry-After: 2 on a %d not honoured (next attempt after %d ms)"
                                    % (status, gap))
            self.assertLess(gap, 15000, gap)
            [d] = self.deliveries(me, sid)
            self.assertEqual(d["status"], "succeeded", d)
            self.assertEqual([a["status_code"] for a in d["attempts"]], [status, 200], d)


# --------------------------------------------------------------------------------------------
# 3. Replays; an endpoint disabled after failing for too long


class ReplayTest(EventsTestBase):
    def test_replay_one_delivery_and_all_failed_ones(self):
        s = self.events_stack(**{"events.retry_schedule_s": "0,1"})  # two attempts, then failed
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        rx = self.receiver()
        sub = self.subscribe(me, rx.url("rp"), events=["message.sent"])
        sid = sub["id"]
        rx.set_secrets([sub["secret"]])
        rx.behave("rp", status=500)
        since = iso(time.time() - 1)
        msgs = [self.send_ok(s, fx, "to be replayed %d" % i)["message_id"] for i in range(3)]

        failed = wait_until(lambda: len(self.deliveries(me, sid, status="failed")) == 3 and
                            self.deliveries(me, sid, status="failed"), 20, msg="3 failed deliveries")
        for d in failed:
            self.assertEqual(d["attempt_count"], 2, d)
            self.assertEqual([a["status_code"] for a in d["attempts"]], [500, 500], d)
            self.assertIsNone(d["next_attempt_at"], d)
            self.assertTimestamp(d["finished_at"], "finished_at")
        self.assertEqual(self.deliveries(me, sid, status="pending"), [])
        self.assertEqual(len(rx.received("rp")), 6)
        rx.behave("rp")  # the receiver is fixed

        # One delivery.
        one = failed[-1]  # the oldest
        r = me.post("/api/v1/subscriptions/%s/deliveries/%s/replay" % (sid, one["id"]), {})
        self.assertEqual(r.status, 202, r)
        self.assertEqual((r.json()["id"], r.json()["status"], r.json()["webhook_id"]),
                         (one["id"], "pending", one["webhook_id"]), r.json())
        self.wait_items(rx, "rp", lambda i: one["webhook_id"] in first_ok(i), 20, "the replayed delivery")
        d = wait_until(lambda: (lambda d: d if d["status"] == "succeeded" else None)(
            me.get("/api/v1/subscriptions/%s/deliveries/%s" % (sid, one["id"])).json()), 10,
            msg="the replayed delivery recorded as succeeded")
        self.assertEqual([a["status_code"] for a in d["attempts"]], [500, 500, 200], d)
        self.assertEqual(len(self.deliveries(me, sid, status="failed")), 2)

        # All failed ones since a time.
        r = me.post("/api/v1/subscriptions/%s/replay" % sid, {"since": since, "status": "failed"})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json(), {"replayed": 2})
        items = self.wait_items(rx, "rp", lambda i: len(first_ok(i)) == 3, 20, "all three delivered")
        self.assertDelivered(items, [x["webhook_id"] for x in failed])
        self.assertEqual(sorted(it["body"]["data"]["message_id"] for it in first_ok(items).values()), sorted(msgs))
        self.assertEqual(len(by_webhook_id(items)), 3, "a replay keeps the webhook-id")
        wait_until(lambda: len(self.deliveries(me, sid, status="succeeded")) == 3, 10, msg="3 succeeded")
        self.assertEqual(self.deliveries(me, sid, status="failed"), [])

        # A replay from after these deliveries finds nothing; bad replays are refused.
        r = me.post("/api/v1/subscriptions/%s/replay" % sid, {"since": iso(time.time() + 5), "status": "succeeded"})
        self.assertEqual((r.status, r.json()), (202, {"replayed": 0}), r)
        for body in ({}, {"since": "yesterday"}, {"since": since, "status": "pending"}, {"since": since, "x": 1}):
            with self.subTest(body=body):
                self.assertError(me.post("/api/v1/subscriptions/%s/replay" % sid, body), 400, None)
        for did in ("dlv_999999", "dlv_x", "42"):
            with self.subTest(did=did):
                r = me.post("/api/v1/subscriptions/%s/deliveries/%s/replay" % (sid, did), {})
                self.assertError(r, 404, "not_found")

    def test_endpoint_disabled_after_failing_for_too_long_then_reenabled(self):
        s = self.events_stack(**{"events.disable_after_s": "2", "events.retry_schedule_s": schedule(8)})
        fx = s.default_fixture()
        other_tenant = s.default_fixture()
        me = s.client(fx.api_key)
        rx = self.receiver()
        secret = new_secret()
        rx.set_secrets([secret])
        dead = self.subscribe(me, rx.url("dead"), events=["message.sent"], secret=secret)
        watch = self.subscribe(me, rx.url("watch"), events=["subscription.disabled"], secret=secret)
        elsewhere = self.subscribe(s.client(other_tenant.api_key), rx.url("elsewhere"), events=["*"], secret=secret)
        rx.behave("dead", status=503)

        first = self.send_ok(s, fx, "nobody is listening")
        items = self.wait_items(rx, "watch", lambda i: len(i) >= 1, 20, "subscription.disabled at the other endpoint")
        [ev] = items
        self.assertTrue(ev["verified"], ev)
        self.assertEqual(ev["body"]["type"], "subscription.disabled")
        data = ev["body"]["data"]
        self.assertEqual((data["subscription_id"], data["tenant_id"], data["url"]),
                         (dead["id"], fx.tenant_id, rx.url("dead")), data)
        self.assertTrue(data["reason"], data)
        self.assertTimestamp(data["failing_since"], "failing_since")
        attempts = rx.received("dead")
        self.assertGreaterEqual(len(attempts), 2, attempts)
        span = attempts[-1]["received_at_ms"] - attempts[0]["received_at_ms"]
        self.assertGreaterEqual(span, 1900, "disabled before failing for 2 s: %d ms" % span)

        got = self.subscription(me, dead["id"])
        self.assertIs(got["enabled"], False, got)
        self.assertIsInstance(got["disabled_reason"], str, got)
        self.assertTrue(got["disabled_reason"], got)
        self.assertEqual(self.subscription(me, watch["id"])["enabled"], True)

        # Disabled: nothing more is attempted, no new event is queued for it.
        n = len(rx.received("dead"))
        self.send_ok(s, fx, "while disabled")
        harness.assert_stays(lambda: len(rx.received("dead")) == n, 1.5, msg="no request to a disabled endpoint")

        # Re-enabled by hand (receiver fixed): a fresh start, and the events of the time before delivery.
        rx.behave("dead")
        r = me.request("PATCH", "/api/v1/subscriptions/%s" % dead["id"], body={"enabled": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["enabled"], r.json()["disabled_reason"], r.json()["failing_since"]),
                         (True, None, None), r.json())
        after = self.send_ok(s, fx, "after re-enabling")
        items = self.wait_items(rx, "dead", lambda i: {after["message_id"], first["message_id"]} <= {
            it["body"]["data"]["message_id"] for it in first_ok(i).values()}, 20,
            "the pending event and a new one delivered after re-enabling")
        self.assertTrue(all(it["verified"] for it in items))
        self.assertEqual(self.subscription(me, dead["id"])["enabled"], True)
        # The other tenant heard nothing of it.
        self.assertEqual(rx.received("elsewhere"), [])
        self.assertEqual(self.subscription(s.client(other_tenant.api_key), elsewhere["id"])["enabled"], True)


# --------------------------------------------------------------------------------------------
# 4. kill -9 with 10,000 undelivered events


class CrashTest(EventsTestBase):
    SENDS = 2000  # each: message.queued, conversation.updated, message.sent, .delivered, .read
    EXPECTED = 10000
    KILL_AFTER = 1500  # delivered before the kill

    def test_kill9_with_10000_undelivered_events_loses_none(self):
        s = self.events_stack(sandbox_args=FAST_SANDBOX + ["--pair-burst", "0", "--webhook-batch", "100"],
                              **{"events.retry_schedule_s": schedule(16)})
        fx = s.default_fixture(throughput_mps=1000)
        me = s.client(fx.api_key)
        rx = self.receiver()
        sub = self.subscribe(me, rx.url("bulk"), events=["*"])
        sid = sub["id"]
        rx.set_secrets([sub["secret"]])
        # Down while the events pile up: each attempt holds one of the 16 slots 2.5 s, then gets a 503, so
        # few are attempted (and none runs out of attempts) while 10,000 wait.
        rx.behave("bulk", status=503, delay_ms=2500)

        t0 = time.monotonic()
        customers = [harness.recipient() for _ in range(100)]
        c = s.gateway.client(key=fx.api_key, keepalive=True, timeout=60)

        def one(i):
            b = s.send_body(fx, "bulk %d" % i, to=customers[i % len(customers)])
            b["async"] = True
            r = c.post("/api/v1/messages/send", b)
            if r.status != 202:
                raise AssertionError("async send answered %r" % r)
            return r.json()["message_id"]

        try:
            msgs = harness.run_parallel(one, list(range(self.SENDS)), threads=8)
        finally:
            c.close()
        t_accepted = time.monotonic() - t0

        def newest_delivery():
            d = self.deliveries(me, sid, limit=1)
            return int(d[0]["id"][4:]) if d else 0
        # One subscription on this gateway: delivery ids count its deliveries.
        wait_until(lambda: newest_delivery() >= self.EXPECTED, 60, interval=0.2,
                   msg="%d events for %d sends" % (self.EXPECTED, self.SENDS))
        harness.assert_stays(lambda: newest_delivery() == self.EXPECTED, 0.5, msg="no more events")
        t_events = time.monotonic() - t0
        attempted = rx.stats()["hook"].get("bulk", {"received": 0})["received"]
        self.assertLess(attempted, 500, "too many attempts while the receiver was down")

        # A first kill -9 with all 10,000 undelivered: after the restart they are all still there, pending.
        s.gateway.kill9()
        s.gateway.restart()
        self.assertEqual(newest_delivery(), self.EXPECTED)
        self.assertEqual(self.deliveries(me, sid, status="succeeded", limit=1), [])

        rx.behave("bulk")  # up: answers 200 at once
        t1 = time.monotonic()

        def delivered():
            return rx.stats()["hook"]["bulk"]["answered"].get("200", 0)
        at_kill = wait_until(lambda: delivered() >= self.KILL_AFTER and delivered(), 60, interval=0.02,
                             msg="%d deliveries before the kill" % self.KILL_AFTER)
        s.gateway.kill9()
        at_kill = delivered()
        self.assertLess(at_kill, self.EXPECTED, "all delivered before the kill: the test proves nothing")
        s.gateway.restart()
        t2 = time.monotonic()
        wait_until(lambda: delivered() >= self.EXPECTED, 60, interval=0.2, msg="the rest delivered after the restart")

        def complete():
            items = rx.received("bulk")
            return items if len(first_ok(items)) >= self.EXPECTED else None
        items = wait_until(complete, 30, interval=0.5, msg="every webhook-id delivered")
        t_done = time.monotonic()
        sys.stderr.write("\n[events crash] %d sends accepted in %.1fs, %d events queued at %.1fs (%d attempts "
                         "while down); killed after %d delivered (%.1fs after up); all %d delivered %.1fs after the "
                         "restart; %d requests in all\n"
                         % (self.SENDS, t_accepted, self.EXPECTED, t_events, attempted, at_kill, t2 - t1,
                            self.EXPECTED, t_done - t2, len(items)))

        ok = first_ok(items)
        self.assertEqual(len(ok), self.EXPECTED)
        self.assertTrue(all(it["verified"] for it in items), [it for it in items if not it["verified"]][:3])
        # A webhook-id always carries the same event.
        for wid, its in by_webhook_id(items).items():
            bodies = {json.dumps(it["body"], sort_keys=True) for it in its}
            self.assertEqual(len(bodies), 1, "webhook-id %s carried different bodies" % wid)
        # Every message's four status events arrived, each under exactly one webhook-id.
        seen = {}
        for it in ok.values():
            b = it["body"]
            if b["type"] in MESSAGE_STATUS_EVENTS:
                key = (b["data"]["message_id"], b["type"])
                self.assertNotIn(key, seen, "%s of %s under two webhook-ids" % (key[1], key[0]))
                seen[key] = it["webhook_id"]
        missing = [(m, t) for m in msgs for t in MESSAGE_STATUS_EVENTS if (m, t) not in seen]
        self.assertEqual(missing, [], "events lost")
        types = {}
        for it in ok.values():
            types[it["body"]["type"]] = types.get(it["body"]["type"], 0) + 1
        self.assertEqual(types.get("conversation.updated"), self.SENDS, types)
        # The gateway's log agrees: every delivery succeeded, and under the webhook-ids that arrived.
        log = self.all_deliveries(me, sid)
        self.assertEqual(len(log), self.EXPECTED)
        self.assertEqual({d["webhook_id"] for d in log}, set(ok))
        self.assertEqual({d["status"] for d in log}, {"succeeded"})


# --------------------------------------------------------------------------------------------
# 5. Ordered delivery per conversation while the endpoint fails now and then


class OrderedTest(EventsTestBase):
    CUSTOMERS = 4
    PER_CUSTOMER = 5
    SEND_PACE_S = 0.25  # between one conversation's sends, so that events keep coming while failures come and go
    # Failures injected in all: 3 at the start + at most 2 per toggle = 15, fewer than the 16 attempts of the
    # schedule, so no delivery can run out of attempts (which would end it and let the next one go).
    TOGGLES = [dict(status=500, fail_times=2), dict(drop=True, fail_times=1), dict(status=503, fail_times=1)] * 3

    def test_ordered_subscription_keeps_each_conversations_order_under_intermittent_failure(self):
        s = self.events_stack(**{"events.retry_schedule_s": schedule(16)})
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        rx = self.receiver()
        sub = self.subscribe(me, rx.url("ord"), events=["message.*"], ordered=True)
        self.assertIs(sub["ordered"], True, sub)
        rx.set_secrets([sub["secret"]])
        rx.behave("ord", status=500, fail_times=3)
        expected = self.CUSTOMERS * self.PER_CUSTOMER * len(MESSAGE_STATUS_EVENTS)

        stop = threading.Event()

        def toggle():  # a few failures every 0.4 s, 9 times
            for b in self.TOGGLES:
                if stop.wait(0.4):
                    return
                rx.behave("ord", **b)

        toggler = threading.Thread(target=toggle, daemon=True)
        toggler.start()
        customers = [harness.recipient() for _ in range(self.CUSTOMERS)]

        def converse(to):  # one conversation's messages, one after the other
            out = []
            for i in range(self.PER_CUSTOMER):
                out.append(self.send_ok(s, fx, "ordered %d" % i, to=to)["message_id"])
                stop.wait(self.SEND_PACE_S)
            return out
        try:
            sent = dict(zip(customers, harness.run_parallel(converse, customers, threads=self.CUSTOMERS)))
        except BaseException:
            stop.set()
            raise
        finally:
            toggler.join(timeout=10)  # the toggles end by themselves, within 4 s
        rx.behave("ord")
        items = self.wait_items(rx, "ord", lambda i: len(first_ok(i)) >= expected, 60, "every event delivered")

        failures = [it for it in items if it["answered"] != "200"]
        first_success = min(it["seq"] for it in items if it["answered"] == "200")
        self.assertGreaterEqual(len(failures), 5, "too few failures injected: the test proves little")
        self.assertTrue(any(f["seq"] > first_success for f in failures), "failures only at the start")
        sys.stderr.write("\n[ordered] %d events, %d requests, %d of them failed\n" % (expected, len(items),
                                                                                    len(failures)))
        self.assertTrue(all(it["verified"] for it in items))
        dlv = {d["webhook_id"]: int(d["id"][4:]) for d in self.all_deliveries(me, sub["id"])}
        self.assertEqual(len(dlv), expected)

        for to in customers:
            attempts = [it for it in items if it["body"]["data"].get("to") == to]
            # At most one event of a conversation in flight: attempts never go back to an older event, and
            # a newer one is attempted only once the one before it got its 200.
            done = set()
            last = None
            for it in attempts:
                d = dlv[it["webhook_id"]]
                if last is not None and d != last:
                    self.assertGreater(d, last, "conversation %s: an older event attempted after a newer" % to)
                    self.assertIn(last, done, "conversation %s: event %d sent before %d succeeded" % (to, d, last))
                if it["answered"] == "200":
                    done.add(d)
                last = d
            # The first successful receipt of each webhook-id, in arrival order, follows creation order.
            firsts = sorted((it for it in first_ok(attempts).values()), key=lambda it: it["seq"])
            self.assertEqual(len(firsts), self.PER_CUSTOMER * len(MESSAGE_STATUS_EVENTS), to)
            ids = [dlv[it["webhook_id"]] for it in firsts]
            self.assertEqual(ids, sorted(ids), "conversation %s out of creation order" % to)
            stamps = [harness.parse_ts(it["body"]["timestamp"]) for it in firsts]
            self.assertEqual(stamps, sorted(stamps), "conversation %s: event timestamps go back" % to)
            order = {}
            for pos, it in enumerate(firsts):
                order[(it["body"]["data"]["message_id"], it["body"]["type"])] = pos
            for m in sent[to]:
                self.assertEqual([order[(m, t)] for t in MESSAGE_STATUS_EVENTS],
                                 sorted(order[(m, t)] for t in MESSAGE_STATUS_EVENTS),
                                 "message %s: statuses out of order" % m)
            queued = [it["body"]["data"]["message_id"] for it in firsts if it["body"]["type"] == "message.queued"]
            self.assertEqual(queued, sent[to], "conversation %s: messages out of send order" % to)


# --------------------------------------------------------------------------------------------
# 6. The Conversation Service body


CS_FIELDS = {"tenant_id", "outlet_id", "conversation_id", "message_id", "whatsapp_message_id", "direction", "from",
             "to", "message_type", "content", "status", "timestamp"}


class ConversationServiceTest(EventsTestBase):
    def customer_writes(self, s, fx, customer, **body):
        body = dict(body, phone_number_id=fx.phone_number_id, **{"from": customer}, timestamp=int(time.time()))
        body.setdefault("name", "Ana Lima")
        r = s.sandbox.inbound_message(body)
        self.assertTrue(r.get("webhook_scheduled"), r)
        return r

    def test_conversation_service_gets_every_sent_and_received_message(self):
        s = self.events_stack()
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        rx = self.receiver()
        sub = self.subscribe(me, rx.url("cs"), kind="conversation_service")
        self.assertEqual((sub["kind"], sub["events"]), ("conversation_service", ["message.sent", "message.received"]))
        rx.set_secrets([sub["secret"]])
        business = fx.outlet["display_phone_number"]
        ana, budi = harness.recipient(), harness.recipient()

        out = []  # (customer, send answer, text, conversation_id)
        for to, text in ((ana, "Your order shipped"), (budi, "Your table is ready")):
            conv = harness.rand_token("crm-", 6)
            out.append((to, self.send_ok(s, fx, text, to=to, conversation_id=conv), text, conv))
        ins = [(ana, self.customer_writes(s, fx, ana, text="Thanks!"), "text"),
               (ana, self.customer_writes(s, fx, ana, type="image",
                                          image={"mime_type": "image/jpeg", "size": 1500, "caption": "the box"}),
                "image"),
               (budi, self.customer_writes(s, fx, budi, text="On my way"), "text")]
        # The customers' messages are applied before the next send, so they join the thread of the first.
        self.wait_items(rx, "cs", lambda i: len(first_ok(i)) >= 5, 20, "the first 5 messages")
        conv = harness.rand_token("crm-", 6)
        out.append((ana, self.send_ok(s, fx, "You're welcome", to=ana, conversation_id=conv), "You're welcome", conv))

        items = self.wait_items(rx, "cs", lambda i: len(first_ok(i)) >= 6, 20, "6 messages at the Conversation Service")
        harness.assert_stays(lambda: len(rx.received("cs")) == 6, 0.5, msg="no more than the 6 messages")
        self.assertTrue(all(it["verified"] for it in items), items)
        bodies = [it["body"] for it in items]
        for b in bodies:
            self.assertLessEqual(CS_FIELDS, set(b), b)
            self.assertEqual((b["tenant_id"], b["outlet_id"]), (fx.tenant_id, fx.outlet_id), b)
            self.assertTimestamp(b["timestamp"], "timestamp")
        by_wamid = {b["whatsapp_message_id"]: b for b in bodies}
        self.assertEqual(len(by_wamid), 6, bodies)

        for to, sent, text, conv in out:
            b = by_wamid[sent["whatsapp_message_id"]]
            self.assertEqual((b["direction"], b["message_id"], b["conversation_id"]),
                             ("outbound", sent["message_id"], conv), b)
            self.assertEqual((b["from"], b["to"]), (business, to), b)
            self.assertEqual((b["message_type"], b["status"]), ("text", "sent"), b)
            self.assertEqual(b["content"]["body"], text, b)
        for to, wrote, mtype in ins:
            b = by_wamid[wrote["wamid"]]
            self.assertEqual((b["direction"], b["from"], b["to"], b["message_type"]),
                             ("inbound", to, business, mtype), b)
            self.assertTrue(b["message_id"], b)
            self.assertNotIn(b["message_id"], [x[1]["message_id"] for x in out])
            self.assertIsInstance(b["conversation_id"], str, b)
            if mtype == "text":
                self.assertIn(b["content"]["body"], ("Thanks!", "On my way"), b)
            else:
                self.assertEqual((b["content"]["id"], b["content"]["caption"]), (wrote["media_id"], "the box"), b)
        # Both directions of one chat share the caller's thread: a customer's message carries the conversation_id of
        # the newest send to that customer before it; wagate_conversation_id is always the gateway's conversation.
        convs = me.get("/api/v1/conversations?outlet_id=%s" % fx.outlet_id).json()["conversations"]
        conv_of = {c["customer"]["phone"]: c["id"] for c in convs}
        first_thread = {out[0][0]: out[0][3], out[1][0]: out[1][3]}
        for to, wrote, _ in ins:
            b = by_wamid[wrote["wamid"]]
            self.assertEqual((b["conversation_id"], b["wagate_conversation_id"]), (first_thread[to], conv_of[to]), b)
        for to, sent, _, _ in out:
            self.assertEqual(by_wamid[sent["whatsapp_message_id"]]["wagate_conversation_id"], conv_of[to])


# --------------------------------------------------------------------------------------------
# 8. Private targets refused by default; bad input


PUBLIC_URL = "https://93.184.215.14/hooks/wagate"  # an IP literal: no DNS needed, never contacted here


class DefaultsAndBadInputTest(harness.SharedStackTestCase):
    """A gateway with the default settings: events.allow_private_targets off."""

    stack_kwargs = {"gateway_sets": {"events.poll_ms": "50"}}

    @classmethod
    def setUpStack(cls):
        cls.fx = cls.stack.default_fixture()
        cls.other = cls.stack.default_fixture()

    def me(self):
        return self.stack.client(self.fx.api_key)

    def create(self, client=None, **body):
        body.setdefault("url", PUBLIC_URL)
        return (client or self.me()).post("/api/v1/subscriptions", body)

    def test_private_targets_refused(self):
        for url in ("http://127.0.0.1:1/x", "http://169.254.169.254/latest/meta-data/", "http://localhost:8080/x",
                    "http://[::1]:8080/x", "http://10.1.2.3/x", "https://192.168.0.10/hook", "http://0.0.0.0/x",
                    "http://[::ffff:127.0.0.1]/x", "http://LOCALHOST/x", "http://127.1/x"):
            with self.subTest(url=url):
                self.assertError(self.create(url=url), 400, "forbidden_target")
        self.assertEqual(self.me().get("/api/v1/subscriptions").json()["subscriptions"], [])
        # Nor can an existing subscription be pointed there, nor a pre-send hook.
        r = self.create(events=["message.sent"])
        self.assertEqual(r.status, 201, r)
        sid = r.json()["id"]
        try:
            r = self.me().request("PATCH", "/api/v1/subscriptions/%s" % sid, body={"url": "http://127.0.0.1:9/x"})
            self.assertError(r, 400, "forbidden_target")
            self.assertEqual(self.me().get("/api/v1/subscriptions/%s" % sid).json()["url"], PUBLIC_URL)
            r = self.me().post("/api/v1/hooks", {"url": "http://169.254.169.254/x"})
            self.assertError(r, 400, "forbidden_target")
        finally:
            self.assertEqual(self.me().delete("/api/v1/subscriptions/%s" % sid).status, 204)

    def test_bad_input_refused(self):
        me = self.me()
        for raw in (b"{", b"not json", b"[]", b'"url"', b""):
            with self.subTest(raw=raw):
                self.assertError(me.post("/api/v1/subscriptions", raw=raw), 400, "invalid_json")
        cases = [
            ({"events": ["message.exploded"]}, "events"),
            ({"events": ["nope.*"]}, "events"),
            ({"events": []}, "events"),
            ({"events": "message.sent"}, "events"),
            ({"events": [1]}, "events"),
            ({"url": "ftp://93.184.215.14/x"}, "url"),
            ({"url": "javascript:alert(1)"}, "url"),
            ({"url": "http:///x"}, "url"),
            ({"url": "http://user:pw@93.184.215.14/x"}, "url"),
            ({"url": "http://93.184.215.14:99999/x"}, "url"),
            ({"url": ""}, "url"),
            ({"url": None}, "url"),
            ({"headers": {"webhook-id": "x"}}, "webhook-id"),
            ({"headers": {"Webhook-Signature": "v1,x"}}, "Webhook-Signature"),
            ({"headers": {"Content-Type": "text/plain"}}, "Content-Type"),
            ({"headers": {"X-Ok": "a\r\nInjected: 1"}}, "X-Ok"),
            ({"headers": {"bad name": "x"}}, "headers"),
            ({"headers": {"X-Num": 5}}, "headers"),
            ({"secret": "whsec_c2hvcnQ="}, "secret"),  # a 5-byte key
            ({"secret": "whsec_not base64!"}, "secret"),
            ({"secret": 12345}, "secret"),
            ({"kind": "kafka"}, "kind"),
            ({"kind": "conversation_service", "events": ["conversation.updated"]}, "events"),
            ({"ordered": "yes"}, "ordered"),
            ({"colour": "blue"}, "colour"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                if body.get("url", "") is None:
                    r = me.post("/api/v1/subscriptions", {"events": ["*"]})  # no url at all
                else:
                    r = self.create(**body)
                self.assertError(r, 400, None, msg=field)
                self.assertIn(field.lower(), r.text.lower(), "the error should name %r: %r" % (field, r))
                if isinstance(body.get("secret"), str):
                    self.assertNotIn(body["secret"], r.text, "a refused secret is not echoed")
        self.assertEqual(me.get("/api/v1/subscriptions").json()["subscriptions"], [])
        # A tenant key cannot subscribe for another tenant.
        r = self.create(tenant_id=self.other.tenant_id)
        self.assertError(r, 404, "not_found")
        self.assertEqual(self.stack.client(self.other.api_key).get("/api/v1/subscriptions").json()["subscriptions"], [])
        r = me.post("/api/v1/subscriptions", {"url": PUBLIC_URL}, key=None)
        self.assertEqual(r.status, 401, r)

        # On an existing subscription.
        supplied = new_secret()
        r = self.create(events=["message.sent"], secret=supplied)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["secret"], supplied)
        sid = r.json()["id"]
        try:
            path = "/api/v1/subscriptions/%s" % sid
            for body in ({"kind": "webhook"}, {"tenant_id": self.other.tenant_id}, {"events": ["bogus"]},
                         {"headers": {"webhook-timestamp": "1"}}, {"secret": "short"}, {"url": "gopher://x"}):
                with self.subTest(patch=body):
                    self.assertError(me.request("PATCH", path, body=body), 400, None)
            self.assertError(me.request("PATCH", path, raw=b"{"), 400, "invalid_json")
            for body in ({"overlap_s": -1}, {"overlap_s": 604801}, {"overlap_s": "60"}, {"overlap": 60}):
                with self.subTest(rotate=body):
                    self.assertError(me.post(path + "/rotate-secret", body), 400, None)
            for q in ("status=bogus", "cursor=abc", "limit=0", "since=yesterday"):
                with self.subTest(query=q):
                    self.assertError(me.get(path + "/deliveries?" + q), 400, None)
            got = me.get(path).json()
            self.assertEqual((got["url"], got["events"], got["kind"]), (PUBLIC_URL, ["message.sent"], "webhook"), got)
            self.assertNotIn(supplied[len("whsec_"):], json.dumps(got))
        finally:
            self.assertEqual(me.delete("/api/v1/subscriptions/%s" % sid).status, 204)
        log = self.stack.gateway.log_text()
        self.assertNotIn(supplied[len("whsec_"):], log)

    def test_unknown_and_other_tenants_subscriptions_are_404(self):
        theirs = self.create(client=self.stack.client(self.other.api_key), events=["message.sent"])
        self.assertEqual(theirs.status, 201, theirs)
        sid = theirs.json()["id"]
        me = self.me()
        try:
            for target in (sid, "sub_01NOSUCHSUBSCRIPTION00000", "x"):
                base = "/api/v1/subscriptions/%s" % target
                for method, path, body in (
                        ("GET", base, None),
                        ("PATCH", base, {"enabled": False}),
                        ("DELETE", base, None),
                        ("POST", base + "/rotate-secret", {"overlap_s": 0}),
                        ("POST", base + "/test", {}),
                        ("GET", base + "/deliveries", None),
                        ("GET", base + "/deliveries/dlv_1", None),
                        ("POST", base + "/deliveries/dlv_1/replay", {}),
                        ("POST", base + "/replay", {"since": "2026-01-01T00:00:00Z", "status": "failed"})):
                    with self.subTest(method=method, path=path):
                        r = me.request(method, path, body=body)
                        self.assertError(r, 404, "not_found")
                        self.assertNotIn("whsec_", r.text)
            self.assertNotIn(sid, json.dumps(me.get("/api/v1/subscriptions").json()))
            # Untouched: still there, still enabled, no delivery queued by the attempted ping.
            theirs_now = self.stack.client(self.other.api_key).get("/api/v1/subscriptions/%s" % sid)
            self.assertEqual(theirs_now.status, 200, theirs_now)
            self.assertIs(theirs_now.json()["enabled"], True)
            self.assertEqual(theirs_now.json()["updated_at"], theirs.json()["updated_at"])
            r = self.stack.client(self.other.api_key).get("/api/v1/subscriptions/%s/deliveries" % sid)
            self.assertEqual(r.json()["deliveries"], [])
        finally:
            self.assertEqual(self.stack.client(self.other.api_key).delete("/api/v1/subscriptions/%s" % sid).status,
                             204)


if __name__ == "__main__":
    harness.main()
