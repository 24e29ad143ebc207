"""Idempotency-Key: one message and one send per (tenant, key), the same answer to every repeat.

Acceptance point 4 of issue 3: 50 concurrent requests with one key → one message, one send, the same
answer to all. Also: async repeats, a different body → 409, keys are per tenant, a repeat after the
send completed answers from the store, and invalid keys are refused.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

CONCURRENT = 50


class IdempotencyTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.s = self.start_stack(sandbox_args=["--mps", "0"])
        self.fx = self.s.default_fixture()
        self.tc = self.s.client(self.fx.api_key)

    def concurrent(self, body, key, n=CONCURRENT, client=None):
        """n requests with the same body and key, released together; returns the responses."""
        c = client or self.tc
        barrier = threading.Barrier(n)
        out = [None] * n
        errors = []

        def one(i):
            try:
                barrier.wait(timeout=60)
                out[i] = c.post("/api/v1/messages/send", body, headers={"Idempotency-Key": key}, timeout=90)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=120)
        self.assertFalse(any(t.is_alive() for t in ts), "requests still running after 120 s")
        if errors:
            raise errors[0]
        return out

    def outlet_messages(self, fx=None):
        fx = fx or self.fx
        r = self.s.admin.get("/api/v1/messages?outlet_id=%s&limit=500" % fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        return r.json()["messages"]

    def sandbox_requests_for(self, mid):
        return [r for r in self.s.sandbox.requests() if r.get("biz_opaque_callback_data") == mid]

    def test_50_concurrent_sync_requests_one_message_one_send_same_answer(self):
        key = "order-4711-" + harness.rand_token(n=8)
        body = self.s.send_body(self.fx, "Your order 4711 is ready")
        rs = self.concurrent(body, key)
        statuses = sorted({r.status for r in rs})
        self.assertEqual(statuses, [200], [r for r in rs if r.status != 200][:3])
        answers = [r.json() for r in rs]
        first = answers[0]
        self.assertEqual(first["status"], "sent", first)
        self.assertTrue(first["whatsapp_message_id"], first)
        different = [a for a in answers if a != first]
        self.assertEqual(different, [], "answers differ from %s" % json.dumps(first))
        mid = first["message_id"]
        # exactly one message stored and one request made
        harness.assert_stays(lambda: len(self.sandbox_requests_for(mid)) == 1, 1.5, msg="one send")
        self.assertEqual(self.s.sandbox.stats()["requests"], 1)
        self.assertEqual(self.s.sandbox.accepted_by_biz(), {mid: 1})
        self.assertEqual([m["message_id"] for m in self.outlet_messages()], [mid])
        self.assertEqual(self.s.sandbox.messages()[0]["wamid"], first["whatsapp_message_id"])
        # one message counted against the quota
        self.assertEqual(self.s.admin.get("/api/v1/tenants/%s" % self.fx.tenant_id).json()["used_this_month"], 1)

        # a repeat after completion answers the original without sending again
        self.s.wait_status(mid, ("delivered", "read"), timeout=60)
        r = self.tc.post("/api/v1/messages/send", body, headers={"Idempotency-Key": key})
        self.assertEqual(r.status, 200, r)
        again = r.json()
        for f in ("message_id", "whatsapp_message_id", "sent_at", "service_window"):
            self.assertEqual(again[f], first[f], "repeat after completion: %s vs %s" % (again, first))
        self.assertIn(again["status"], harness.FINAL_OK, again)
        harness.assert_stays(lambda: self.s.sandbox.stats()["requests"] == 1, 1.0, msg="no new send")
        self.assertEqual(len(self.outlet_messages()), 1)

        # the same key with a different body → 409, nothing new
        other = dict(body, message="Your order 4712 is ready")
        r = self.tc.post("/api/v1/messages/send", other, headers={"Idempotency-Key": key})
        self.assertError(r, 409, "idempotency_conflict")
        other_to = dict(body, to=harness.recipient())
        r = self.tc.post("/api/v1/messages/send", other_to, headers={"Idempotency-Key": key})
        self.assertError(r, 409, "idempotency_conflict")
        self.assertEqual(len(self.outlet_messages()), 1)
        self.assertEqual(self.s.sandbox.stats()["requests"], 1)

    def test_50_concurrent_async_requests_one_message(self):
        key = harness.rand_token("async-key-")
        body = self.s.send_body(self.fx, "async idempotent")
        body["async"] = True
        rs = self.concurrent(body, key)
        self.assertEqual(sorted({r.status for r in rs}), [202], [r for r in rs if r.status != 202][:3])
        ids = {r.json()["message_id"] for r in rs}
        self.assertEqual(len(ids), 1, ids)
        mid = ids.pop()
        for r in rs:
            j = r.json()
            self.assertIn(j["status"], ("queued", "sending") + harness.FINAL_OK, j)
            self.assertEqual(j["service_window"], rs[0].json()["service_window"], j)
        self.s.wait_status(mid, harness.FINAL_OK, timeout=60)
        harness.assert_stays(lambda: len(self.sandbox_requests_for(mid)) == 1, 1.5, msg="one send")
        self.assertEqual(self.s.sandbox.stats()["requests"], 1)
        self.assertEqual([m["message_id"] for m in self.outlet_messages()], [mid])
        # a later async repeat reports the current status of the same message
        r = self.tc.post("/api/v1/messages/send", body, headers={"Idempotency-Key": key})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["message_id"], mid)
        self.assertIn(r.json()["status"], harness.FINAL_OK, r)
        # as sync (a different body: "async" is part of it) → conflict
        sync_body = dict(body)
        del sync_body["async"]
        r = self.tc.post("/api/v1/messages/send", sync_body, headers={"Idempotency-Key": key})
        self.assertError(r, 409, "idempotency_conflict")
        self.assertEqual(self.s.sandbox.stats()["requests"], 1)

    def test_concurrent_repeats_across_many_keys(self):
        """20 keys × 5 concurrent repeats each, all at once: 20 messages, 20 sends."""
        keys = [harness.rand_token("k-") for _ in range(20)]
        bodies = {k: self.s.send_body(self.fx, "multi %s" % k) for k in keys}
        items = [k for k in keys for _ in range(5)]
        c = self.s.client(self.fx.api_key, keepalive=True)
        rs = harness.run_parallel(
            lambda k: (k, c.post("/api/v1/messages/send", bodies[k], headers={"Idempotency-Key": k}, timeout=90)),
            items, threads=25)
        c.close()
        by_key = {}
        for k, r in rs:
            self.assertEqual(r.status, 200, r)
            by_key.setdefault(k, []).append(r.json())
        for k, answers in by_key.items():
            self.assertEqual(len({json.dumps(a, sort_keys=True) for a in answers}), 1, answers)
        mids = {a[0]["message_id"] for a in by_key.values()}
        self.assertEqual(len(mids), 20)
        wait_until(lambda: self.s.sandbox.stats()["requests"] >= 20, 60, msg="20 sends")
        harness.assert_stays(lambda: self.s.sandbox.stats()["requests"] == 20, 1.0, msg="one send per key")
        self.assertEqual(self.s.sandbox.accepted_by_biz(), {m: 1 for m in mids})

    def test_key_is_per_tenant(self):
        fx_b = self.s.default_fixture()
        tb = self.s.client(fx_b.api_key)
        key = "shared-key-1"
        body_a = self.s.send_body(self.fx, "tenant A")
        body_b = self.s.send_body(fx_b, "tenant B")
        ra = self.tc.post("/api/v1/messages/send", body_a, headers={"Idempotency-Key": key})
        self.assertEqual(ra.status, 200, ra)
        rb = tb.post("/api/v1/messages/send", body_b, headers={"Idempotency-Key": key})
        self.assertEqual(rb.status, 200, rb)  # not a conflict: another tenant's key space
        self.assertNotEqual(ra.json()["message_id"], rb.json()["message_id"])
        self.assertEqual(rb.json()["status"], "sent", rb)
        # B repeating its own request gets its own answer; A's key still maps to A's message
        rb2 = tb.post("/api/v1/messages/send", body_b, headers={"Idempotency-Key": key})
        self.assertEqual(rb2.json()["message_id"], rb.json()["message_id"], rb2)
        ra2 = self.tc.post("/api/v1/messages/send", body_a, headers={"Idempotency-Key": key})
        self.assertEqual(ra2.json()["message_id"], ra.json()["message_id"], ra2)
        # the admin key acting for tenant A shares tenant A's key space
        rad = self.s.admin.post("/api/v1/messages/send", body_a, headers={"Idempotency-Key": key})
        self.assertEqual(rad.status, 200, rad)
        self.assertEqual(rad.json()["message_id"], ra.json()["message_id"], rad)
        # B cannot read A's message by replaying A's body with A's key (A's outlet is not B's)
        rx = tb.post("/api/v1/messages/send", body_a, headers={"Idempotency-Key": key})
        self.assertEqual(rx.status, 404, rx)
        self.assertNotIn(ra.json()["message_id"], rx.text)
        self.assertEqual(self.s.sandbox.stats()["requests"], 2)
        self.assertEqual(len(self.outlet_messages(self.fx)), 1)
        self.assertEqual(len(self.outlet_messages(fx_b)), 1)

    def test_without_key_every_request_is_a_new_message(self):
        body = self.s.send_body(self.fx, "no key")
        r1 = self.tc.post("/api/v1/messages/send", body)
        r2 = self.tc.post("/api/v1/messages/send", body)
        self.assertEqual((r1.status, r2.status), (200, 200))
        self.assertNotEqual(r1.json()["message_id"], r2.json()["message_id"])

    def test_invalid_keys_are_refused_and_nothing_is_stored(self):
        body = self.s.send_body(self.fx, "bad keys")
        bad = {
            "too long (256)": "k" * 256,
            "control char 0x01": "abc\x01def",
            "DEL 0x7f": "abc\x7fdef",
            "tab inside": "abc\tdef",
            "space inside (not visible ASCII)": "abc def",
            "non-ASCII": "cl\u00e9",
        }
        for what, key in bad.items():
            for asynchronous in (False, True):
                b = dict(body, **({"async": True} if asynchronous else {}))
                r = self.tc.post("/api/v1/messages/send", b, headers={"Idempotency-Key": key})
                self.assertError(r, 400, None, msg="Idempotency-Key %s (async=%s)" % (what, asynchronous))
        # raw bytes the Python client will not send (CR inside a header is a framing error: 400 either way)
        raw = (b"POST /api/v1/messages/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
               self.fx.api_key.encode() + b"\r\nContent-Type: application/json\r\nIdempotency-Key: a\x00b\r\n"
               b"Content-Length: " + str(len(json.dumps(body))).encode() + b"\r\nConnection: close\r\n\r\n" +
               json.dumps(body).encode())
        status, _ = harness.raw_http(self.s.gateway.host, self.s.gateway.port, raw)
        self.assertEqual(status, 400, "Idempotency-Key with a NUL byte")
        self.assertEqual(self.outlet_messages(), [])
        self.assertEqual(self.s.sandbox.stats()["requests"], 0)
        # the longest valid key, and every visible ASCII character, are fine
        for key in ("k" * 255, "".join(chr(c) for c in range(0x21, 0x7f))[:255]):
            r = self.tc.post("/api/v1/messages/send", dict(body, message="ok %d" % len(key)),
                             headers={"Idempotency-Key": key})
            self.assertEqual(r.status, 200, r)
            r2 = self.tc.post("/api/v1/messages/send", dict(body, message="ok %d" % len(key)),
                              headers={"Idempotency-Key": key})
            self.assertEqual(r2.json()["message_id"], r.json()["message_id"])
        self.assertEqual(len(self.outlet_messages()), 2)

    def test_repeat_after_permanent_failure_returns_the_failure(self):
        self.s.sandbox.faults(error_code=131026, error_rate=1.0)
        key = harness.rand_token("fail-")
        body = self.s.send_body(self.fx, "will fail")
        r1 = self.tc.post("/api/v1/messages/send", body, headers={"Idempotency-Key": key})
        self.assertError(r1, 500, "send_failed")
        self.s.sandbox.faults(error_rate=0.0)
        r2 = self.tc.post("/api/v1/messages/send", body, headers={"Idempotency-Key": key})
        self.assertError(r2, 500, "send_failed")
        self.assertEqual(r2.json()["error"]["details"]["message_id"], r1.json()["error"]["details"]["message_id"])
        self.assertEqual(r2.json()["error"]["details"]["graph_code"], 131026)
        harness.assert_stays(lambda: self.s.sandbox.stats()["requests"] == 1, 1.0, msg="not sent again")


if __name__ == "__main__":
    harness.main()
