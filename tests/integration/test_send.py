"""Sending: sync sends reach the sandbox and walk sent → delivered → read; async sends answer 202 first.

Acceptance points 2 and 3 of issue 2.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import parse_ts, wait_until  # noqa: E402

MESSAGE_FIELDS = {"message_id", "tenant_id", "outlet_id", "conversation_id", "to", "message_type", "message",
                  "status", "whatsapp_message_id", "attempts", "created_at", "sent_at", "delivered_at", "read_at",
                  "failed_at", "error"}
STATUS_FIELDS = {"message_id", "status", "whatsapp_message_id", "sent_at", "delivered_at", "read_at", "failed_at",
                 "error"}


class SyncSendTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.stack = self.start_stack()
        self.fx = self.stack.default_fixture()

    def test_sync_send_returns_wamid_recorded_by_sandbox_and_reaches_read(self):
        s = self.stack
        body = s.send_body(self.fx, "Hello! Your order is ready.", to="+628123456789", conversation_id="conv-42")
        t0 = time.time()
        r = s.admin.post("/api/v1/messages/send", body, timeout=90)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertLessEqual({"message_id", "whatsapp_message_id", "status", "sent_at"}, set(j), j)
        self.assertEqual(j["status"], "sent", j)
        self.assertTrue(j["whatsapp_message_id"].startswith("wamid."), j)
        self.assertTimestamp(j["sent_at"], "sent_at")
        self.assertLess(abs(parse_ts(j["sent_at"]) - t0), 30, j)

        # The sandbox recorded exactly this send: same wamid, our id in biz_opaque_callback_data.
        msgs = [m for m in s.sandbox.messages() if m["wamid"] == j["whatsapp_message_id"]]
        self.assertEqual(len(msgs), 1, s.sandbox.messages())
        m = msgs[0]
        self.assertEqual(m["biz_opaque_callback_data"], j["message_id"], m)
        self.assertEqual(m["phone_number_id"], self.fx.phone_number_id, m)
        self.assertEqual(m["type"], "text", m)
        req = m["request"]
        self.assertEqual(req["messaging_product"], "whatsapp", req)
        self.assertEqual(req["text"]["body"], "Hello! Your order is ready.", req)
        self.assertEqual(req["biz_opaque_callback_data"], j["message_id"], req)
        self.assertEqual(req["to"].lstrip("+"), "628123456789", req)
        self.assertEqual(len([x for x in s.sandbox.messages() if x["biz_opaque_callback_data"] == j["message_id"]]),
                         1)

        # Status webhooks from the sandbox move it to read, with every timestamp set.
        st = s.wait_status(j["message_id"], "read", timeout=60)
        self.assertLessEqual(STATUS_FIELDS, set(st), st)
        self.assertEqual(st["whatsapp_message_id"], j["whatsapp_message_id"])
        for k in ("sent_at", "delivered_at", "read_at"):
            self.assertTimestamp(st[k], k)
        self.assertIsNone(st["failed_at"], st)
        self.assertIsNone(st["error"], st)
        self.assertLessEqual(parse_ts(st["sent_at"]), parse_ts(st["read_at"]) + 1.0, st)

        # The full message.
        full = s.message(j["message_id"])
        self.assertLessEqual(MESSAGE_FIELDS, set(full), full)
        self.assertEqual(full["message_id"], j["message_id"])
        self.assertEqual(full["tenant_id"], self.fx.tenant_id)
        self.assertEqual(full["outlet_id"], self.fx.outlet_id)
        self.assertEqual(full["conversation_id"], "conv-42")
        self.assertEqual(full["to"], "+628123456789")
        self.assertEqual(full["message_type"], "text")
        self.assertEqual(full["message"], "Hello! Your order is ready.")
        self.assertEqual(full["status"], "read")
        self.assertEqual(full["whatsapp_message_id"], j["whatsapp_message_id"])
        self.assertEqual(full["attempts"], 1, full)
        self.assertTimestamp(full["created_at"], "created_at")
        self.assertLessEqual(parse_ts(full["created_at"]), parse_ts(full["sent_at"]) + 0.001, full)
        self.assertIsNone(full["error"])

    def test_sync_send_with_tenant_key_without_tenant_id(self):
        s = self.stack
        client = s.client(self.fx.api_key)
        body = s.send_body(self.fx, "via tenant key")
        del body["tenant_id"]
        r = client.post("/api/v1/messages/send", body, timeout=90)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(j["status"], "sent")
        self.assertEqual(s.sandbox.accepted_by_biz().get(j["message_id"]), 1)
        # the tenant key can read its own message
        full = s.message(j["message_id"], client=client)
        self.assertEqual(full["tenant_id"], self.fx.tenant_id)
        # and with its own tenant_id given explicitly it works too
        body = s.send_body(self.fx, "via tenant key, explicit tenant")
        r = client.post("/api/v1/messages/send", body, timeout=90)
        self.assertEqual(r.status, 200, r)

    def test_phone_number_formatting_is_tolerated_and_stored_e164(self):
        s = self.stack
        for given, e164 in [("+1 (415) 555-2671", "+14155552671"), ("+44 7911 123456", "+447911123456"),
                            ("+49-151-23456789", "+4915123456789"), ("+62 812-3456-789", "+628123456789")]:
            with self.subTest(to=given):
                r = s.send(self.fx, "format test", to=given)
                self.assertEqual(r.status, 200, r)
                mid = r.json()["message_id"]
                self.assertEqual(s.message(mid)["to"], e164)
                sent = [m for m in s.sandbox.messages() if m["biz_opaque_callback_data"] == mid]
                self.assertEqual(len(sent), 1)
                self.assertEqual(sent[0]["request"]["to"].lstrip("+"), e164.lstrip("+"), sent[0])

    def test_message_length_limits_count_characters(self):
        s = self.stack
        # 4096 characters is the most Meta takes; non-ASCII characters count once each.
        for text in ("x" * 4096, "é" * 4096, "€" * 4096):
            with self.subTest(first=text[0]):
                r = s.send(self.fx, text)
                self.assertEqual(r.status, 200, r)
                mid = r.json()["message_id"]
                self.assertEqual(s.message(mid)["message"], text)
                sent = [m for m in s.sandbox.messages() if m["biz_opaque_callback_data"] == mid]
                self.assertEqual(sent[0]["request"]["text"]["body"], text)
        r = s.send(self.fx, "é" * 4097)
        self.assertError(r, 400, "invalid_field", field="message")

    def test_text_round_trips_exactly(self):
        s = self.stack
        for text in ("a\u0000b", "emoji \U0001F600 and \u00e9\u20ac", "quotes \" and \\ backslash\n\ttab",
                     "<script>alert(1)</script>", "  leading and trailing spaces  "):
            with self.subTest(text=text):
                r = s.send(self.fx, text)
                self.assertEqual(r.status, 200, r)
                mid = r.json()["message_id"]
                self.assertEqual(s.message(mid)["message"], text)
                sent = [m for m in s.sandbox.messages() if m["biz_opaque_callback_data"] == mid]
                self.assertEqual(sent[0]["request"]["text"]["body"], text)

    def test_async_false_and_other_prefer_values_are_sync(self):
        s = self.stack
        r = s.send(self.fx, "explicit sync", **{"async": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "sent")
        r = s.send(self.fx, "prefer other", headers={"Prefer": "return=minimal"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "sent")

    def test_prefer_header_with_several_preferences(self):
        s = self.stack
        for value in ("respond-async, wait=10", "wait=5, respond-async", " respond-async "):
            with self.subTest(prefer=value):
                r = s.send(self.fx, "prefer list", headers={"Prefer": value})
                self.assertEqual(r.status, 202, r)
                self.assertEqual(r.json()["status"], "queued")

    def test_prefer_token_is_case_insensitive(self):
        """RFC 7240 §2: comparison of preference token names is case-insensitive."""
        r = self.stack.send(self.fx, "prefer case", headers={"Prefer": "Respond-Async"})
        self.assertEqual(r.status, 202, r)

    def test_list_messages(self):
        s = self.stack
        ids = []
        for i in range(3):
            r = s.send(self.fx, "list %d" % i)
            self.assertEqual(r.status, 200, r)
            ids.append(r.json()["message_id"])
        r = s.admin.get("/api/v1/messages?outlet_id=%s&limit=2" % self.fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        got = r.json()["messages"]
        self.assertEqual([m["message_id"] for m in got], [ids[2], ids[1]], "newest first, limited to 2")
        r = s.admin.get("/api/v1/messages?outlet_id=%s" % self.fx.outlet_id)
        self.assertEqual([m["message_id"] for m in r.json()["messages"]], ids[::-1])
        for st in ids:
            s.wait_status(st, "read", timeout=60)
        r = s.admin.get("/api/v1/messages?outlet_id=%s&status=read" % self.fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["messages"]), 3)
        r = s.admin.get("/api/v1/messages?outlet_id=%s&status=queued" % self.fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["messages"], [])

    def test_unknown_message_is_404(self):
        for path in ("/api/v1/messages/does-not-exist", "/api/v1/messages/does-not-exist/status"):
            self.assertError(self.stack.admin.get(path), 404, "not_found", msg=path)


class AsyncSendTest(harness.WagateTestCase):
    """The sandbox hangs every send (timeout_rate=1) so an answer that waited for the send could not come
    before the gateway's Graph timeout (5 s): an answer well within it came before the send."""

    def setUp(self):
        super().setUp()
        self.stack = self.start_stack(sandbox_args=["--timeout-ms", "20000", "--mps", "0"],
                                      gateway_sets={"engine.graph_timeout_ms": 5000})
        self.fx = self.stack.default_fixture()

    def _async_answers_before_send(self, via_header):
        s = self.stack
        s.sandbox.faults(timeout_rate=1.0)
        body = s.send_body(self.fx, "async hello")
        headers = None
        if via_header:
            headers = {"Prefer": "respond-async"}
        else:
            body["async"] = True
        t0 = time.monotonic()
        r = s.admin.post("/api/v1/messages/send", body, headers=headers, timeout=30)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.status, 202, r)
        j = r.json()
        self.assertEqual(j.get("status"), "queued", j)
        self.assertIsInstance(j.get("message_id"), str, j)
        # (the bound leaves a starved machine room, and stays below the Graph timeout an answer that waited
        # for the send would need)
        self.assertLess(elapsed, 4.0, "202 took %.2fs; it must not wait for the Cloud API" % elapsed)
        # Nothing has been accepted by the Cloud API yet: the answer came before the send.
        self.assertEqual(s.sandbox.messages(), [])
        st = s.status(j["message_id"])
        self.assertIn(st["status"], ("queued", "sending"), st)
        self.assertIsNone(st["whatsapp_message_id"], st)
        self.assertIsNone(st["sent_at"], st)
        # The message is stored and readable at once.
        full = s.message(j["message_id"])
        self.assertEqual(full["message"], "async hello")
        self.assertEqual(full["conversation_id"], body["conversation_id"])

        # The first attempt reaches the sandbox and hangs there; then let the Cloud API answer again:
        # the gateway times out, retries, and the retry sends it, once.
        wait_until(lambda: s.sandbox.stats().get("held_requests", 0) >= 1, 60, msg="first attempt held by the sandbox")
        self.assertEqual(s.status(j["message_id"])["status"], "sending")
        s.sandbox.faults(timeout_rate=0.0)
        st = s.wait_status(j["message_id"], harness.FINAL_OK, timeout=60)
        self.assertTrue(st["whatsapp_message_id"].startswith("wamid."), st)
        self.assertTimestamp(st["sent_at"], "sent_at")
        accepted = [m for m in s.sandbox.messages() if m["biz_opaque_callback_data"] == j["message_id"]]
        self.assertEqual(len(accepted), 1, accepted)
        self.assertEqual(accepted[0]["wamid"], st["whatsapp_message_id"])
        st = s.wait_status(j["message_id"], "read", timeout=60)
        self.assertGreaterEqual(s.message(j["message_id"])["attempts"], 2)

    def test_async_flag_answers_202_before_the_send(self):
        self._async_answers_before_send(via_header=False)

    def test_prefer_respond_async_header_answers_202_before_the_send(self):
        self._async_answers_before_send(via_header=True)


class AccessTokenTest(harness.WagateTestCase):
    def test_each_outlet_sends_with_its_own_access_token(self):
        token = harness.rand_token("EAAG-right-")
        s = self.start_stack(sandbox_args=["--mps", "0", "--access-token", token])
        good = s.default_fixture(access_token=token)
        bad = s.default_fixture(access_token=harness.rand_token("EAAG-wrong-"))
        r = s.send(good, "right token")
        self.assertEqual(r.status, 200, r)
        r = s.send(bad, "wrong token")
        self.assertError(r, 500, "send_failed")
        d = r.json()["error"]["details"]
        self.assertEqual((d["graph_code"], d["attempts"]), (190, 1), d)
        st = s.status(d["message_id"])
        self.assertEqual((st["status"], st["error"]["code"]), ("failed", 190), st)


class SyncWaitTest(harness.WagateTestCase):
    def test_sync_send_slower_than_sync_wait_answers_202_and_goes_on(self):
        # Retries 3 s, 6 s, 12 s apart: a send that ignored sync_wait_ms would answer its 500 after ~17 s at
        # the soonest, far beyond the bound below, which therefore leaves a starved machine room.
        s = self.start_stack(sandbox_args=["--mps", "0"],
                             gateway_sets={"engine.sync_wait_ms": 1500, "engine.retry_base_delay_ms": 3000})
        fx = s.default_fixture()
        s.sandbox.faults(fail_rate=1.0)
        t0 = time.monotonic()
        r = s.send(fx, "slow outcome", timeout=60)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.status, 202, r)
        j = r.json()
        self.assertIn(j["status"], ("queued", "sending"), j)
        mid = j["message_id"]
        self.assertGreater(elapsed, 1.2, "answered before sync_wait_ms")
        self.assertLess(elapsed, 10.0, "sync_wait_ms not honoured")
        s.sandbox.faults(fail_rate=0.0)
        s.wait_status(mid, harness.FINAL_OK, timeout=60)
        self.assertEqual(s.sandbox.accepted_by_biz().get(mid), 1)


class BlockedSendersTest(harness.WagateTestCase):
    def test_waiting_sync_senders_do_not_block_other_requests(self):
        """40 sync callers wait on a hanging Cloud API; health checks, reads and async sends still answer."""
        s = self.start_stack(sandbox_args=["--mps", "0", "--timeout-ms", "15000"],
                             gateway_sets={"engine.graph_timeout_ms": 12000, "engine.sync_wait_ms": 10000})
        fx = s.default_fixture()
        s.sandbox.faults(timeout_rate=1.0)
        results = []

        def waiter(i):
            results.append(s.send(fx, "waiting %d" % i, timeout=30))

        import threading
        threads = [threading.Thread(target=waiter, args=(i,), daemon=True) for i in range(40)]
        for t in threads:
            t.start()
        wait_until(lambda: s.sandbox.stats().get("held_requests", 0) >= 10, 60, msg="sends hanging")
        self.assertEqual(s.gateway.client(key=None, timeout=30).get("/healthz").status, 200)
        self.assertEqual(s.admin.get("/api/v1/tenants/%s" % fx.tenant_id).status, 200)
        r = s.send(fx, "async while others wait", asynchronous=True, timeout=30)
        self.assertEqual(r.status, 202, r)
        # Not stalled behind them: all answered while every sync caller still waits (none is answered before
        # its 10 s sync_wait_ms), measured by the callers themselves rather than a clock.
        self.assertEqual(results, [], "requests stalled behind waiting sync senders")
        s.sandbox.faults(timeout_rate=0.0)
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(len(results), 40)
        self.assertTrue(all(r.status in (200, 202) for r in results), [r for r in results if r.status not in (200, 202)])


class AsyncThroughputTest(harness.WagateTestCase):
    def test_many_async_sends_all_reach_read(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        client = s.gateway.client(keepalive=True)

        def one(i):
            r = s.send(fx, "bulk %d" % i, asynchronous=True, client=client)
            self.assertEqual(r.status, 202, r)
            return r.json()["message_id"]

        t0 = time.monotonic()
        ids = [one(i) for i in range(50)]
        client.close()
        self.assertLess(time.monotonic() - t0, 60)
        wait_until(lambda: len(s.sandbox.messages()) >= 50, 90, interval=0.2, msg="50 sends accepted")
        counts = s.sandbox.accepted_by_biz()
        self.assertEqual({i: counts.get(i) for i in ids}, {i: 1 for i in ids})
        for mid in ids:
            st = s.wait_status(mid, "read", timeout=60)
            self.assertIsNotNone(st["delivered_at"], st)


if __name__ == "__main__":
    harness.main()
