"""Meta webhooks: handshake, signature checks, applying statuses (all of them, monotonic, idempotent).

Acceptance point 4 of issue 2, and the webhook rules of the issue (every entry/change/status applied,
duplicates and out-of-order harmless, failed keeps Meta's error, early statuses not lost).

Most tests here leave the sandbox's webhook_url empty, so the only statuses the gateway sees are the
ones the test posts itself.
"""

import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import meta_error, sign, status_obj, status_payload, wait_until  # noqa: E402


class WebhookTestBase(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.stack = self.start_stack(connect_webhooks=False)
        self.fx = self.stack.default_fixture()
        self.secret = self.fx.secrets["app_secret"]

    def sent_message(self, fx=None):
        """A message the sandbox accepted and for which no status webhook will come by itself."""
        r = self.stack.send(fx or self.fx, "webhook test")
        self.assertEqual(r.status, 200, r)
        j = r.json()
        return j["message_id"], j["whatsapp_message_id"]

    def post_statuses(self, statuses, fx=None, secret=None):
        fx = fx or self.fx
        r = self.stack.post_webhook(status_payload(fx.phone_number_id, statuses), secret or self.secret)
        self.assertEqual(r.status, 200, r)
        return r

    def barrier(self):
        """Post a valid status for a fresh message and wait until it is applied.

        Webhooks are applied after the 200, so "nothing was applied" can only be checked once a later,
        valid webhook has been processed.
        """
        mid, wamid = self.sent_message()
        self.post_statuses([status_obj(wamid, "delivered", biz=mid)])
        self.stack.wait_status(mid, "delivered", timeout=60)


class HandshakeTest(WebhookTestBase):
    def handshake(self, token, challenge="1158201444", mode="subscribe"):
        q = urllib.parse.urlencode({"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge})
        return self.stack.gateway.client(key=None).get("/webhooks/whatsapp?" + q)

    def test_right_token_echoes_challenge(self):
        r = self.handshake(self.fx.secrets["verify_token"], "1158201444")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"1158201444")
        # the challenge is echoed raw, so it must not be served as HTML
        r = self.handshake(self.fx.secrets["verify_token"], "<script>alert(1)</script>")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"<script>alert(1)</script>")
        self.assertNotIn("html", r.headers.get("content-type", "").lower(), r.headers)

    def test_token_of_any_outlet_works(self):
        o2, sec2 = self.stack.create_outlet(self.fx.tenant_id)
        r = self.handshake(sec2["verify_token"], "42")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"42")

    def test_wrong_or_missing_token_is_403(self):
        self.assertEqual(self.handshake("wrong-token").status, 403)
        self.assertEqual(self.handshake(self.fx.secrets["verify_token"] + "x").status, 403)
        self.assertEqual(self.handshake("").status, 403)
        r = self.stack.gateway.client(key=None).get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=5")
        self.assertEqual(r.status, 403, r)
        # the challenge is never echoed on failure
        self.assertNotIn(b"1158201444", self.handshake("wrong-token").body)


    def test_sandbox_handshake_passes_with_the_outlets_token(self):
        """The sandbox verifies the gateway as Meta does before its first webhook."""
        sb = self.stack.sandbox

        def verification():
            return sb.stats()["webhook_verification"]

        sb.config(webhook_url=self.stack.gateway.webhook_url, verify_token=self.fx.secrets["verify_token"] + "x")
        wait_until(lambda: verification()["state"] == "failed", 30, msg="a wrong token is refused")
        self.assertEqual(verification()["last_error"], "HTTP 403")
        sb.config(verify_token=self.fx.secrets["verify_token"])
        wait_until(lambda: verification()["state"] == "verified", 30, msg="the outlet's token passes")
        before = sb.stats()["webhooks_delivered"]
        sb.inbound(self.fx.phone_number_id, "+628123456789", "after the handshake")
        wait_until(lambda: sb.stats()["webhooks_delivered"] > before, 60, msg="delivered once verified")


class SignatureTest(WebhookTestBase):
    def test_bad_signatures_and_unknown_phone_number_id_are_401_and_nothing_applied(self):
        s = self.stack
        mid, wamid = self.sent_message()
        other_t = s.create_tenant()
        other_outlet, other_secrets = s.create_outlet(other_t["id"], app_secret=harness.rand_token("other-secret-"))
        payload = status_payload(self.fx.phone_number_id, [status_obj(wamid, "read", biz=mid)])
        body = harness.encode_payload(payload)
        good = sign(body, self.secret)
        unknown_pnid = harness.encode_payload(status_payload("999000111222", [status_obj(wamid, "read", biz=mid)]))
        cases = [
            ("missing signature", body, None),
            ("wrong secret", body, sign(body, "not-the-secret")),
            ("another outlet's secret", body, sign(body, other_secrets["app_secret"])),
            ("garbage hex", body, "sha256=" + "zz" * 32),
            ("truncated", body, good[:-2]),
            ("empty", body, ""),
            ("no algorithm prefix", body, "sha256="),
            ("signature of other bytes", body + b" ", good),
            ("body changed after signing", body.replace(b'"read"', b'"sent"'), good),
            ("unknown phone_number_id", unknown_pnid, sign(unknown_pnid, self.secret)),
        ]
        for name, raw, sig in cases:
            with self.subTest(case=name):
                r = s.post_webhook(None, self.secret, raw=raw, signature=sig)
                # api.md only fixes the status for webhooks; the code may be more specific than `unauthorized`
                self.assertError(r, 401, None, msg=name)
        self.barrier()
        st = s.status(mid)
        self.assertEqual(st["status"], "sent", st)
        self.assertIsNone(st["delivered_at"], st)
        self.assertIsNone(st["read_at"], st)

    def test_unparsable_body_is_400_and_nothing_stored(self):
        """api.md: a body that is not a WhatsApp Business Account envelope names no outlet → 400 invalid_json."""
        for raw in (b"{not json", b"[1,2,3]", b'{"object":"whatsapp_business_account","entry":"x"}'):
            with self.subTest(raw=raw):
                r = self.stack.post_webhook(None, self.secret, raw=raw, signature=sign(raw, self.secret))
                self.assertError(r, 400, "invalid_json")

    def test_signature_over_raw_bytes_with_non_ascii(self):
        """Meta signs the exact bytes; the gateway must not re-serialise before checking."""
        s = self.stack
        mid, wamid = self.sent_message()
        payload = status_payload(self.fx.phone_number_id, [status_obj(wamid, "delivered", biz=mid)])
        payload["entry"][0]["changes"][0]["value"]["contacts"] = [{"profile": {"name": "Zoë \u00e9\u20ac"},
                                                                   "wa_id": "628123456789"}]
        # spaced, escaped JSON: any re-serialisation changes the bytes
        raw = (harness.json.dumps(payload, indent=2, ensure_ascii=True) + "\n").encode()
        r = s.post_webhook(None, self.secret, raw=raw, signature=sign(raw, self.secret))
        self.assertEqual(r.status, 200, r)
        s.wait_status(mid, "delivered", timeout=60)


class CrossTenantWebhookTest(WebhookTestBase):
    def test_outlet_cannot_move_another_outlets_messages(self):
        """Tenant B owns its app secret, so it can sign webhooks for its own number. Such a webhook must not
        change tenant A's messages, whether it names them by wamid or by our id in biz_opaque_callback_data."""
        s = self.stack
        mid, wamid = self.sent_message()  # tenant A's message
        b_tenant = s.create_tenant()
        b_secret = harness.rand_token("tenant-b-app-secret-")
        b_outlet, _ = s.create_outlet(b_tenant["id"], app_secret=b_secret)
        forged = [status_obj(wamid, "read", biz=mid),
                  status_obj("wamid.OTHER" + harness.rand_token(n=8), "failed", biz=mid,
                             errors=[meta_error(131026, "forged", "forged")])]
        for st in forged:
            r = s.post_webhook(status_payload(b_outlet["phone_number_id"], [st]), b_secret)
            self.assertIn(r.status, (200, 401), r)
        self.barrier()
        st = s.status(mid)
        self.assertEqual(st["status"], "sent", "another tenant's webhook changed this message: %s" % st)
        self.assertIsNone(st["error"], st)
        self.assertEqual(st["whatsapp_message_id"], wamid)

    def test_deleted_outlet_no_longer_verifies_or_receives(self):
        s = self.stack
        o2, sec2 = s.create_outlet(self.fx.tenant_id)
        q = "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=7" % sec2["verify_token"]
        self.assertEqual(s.gateway.client(key=None).get(q).status, 200)
        r = s.admin.delete("/api/v1/tenants/%s/outlets/%s" % (self.fx.tenant_id, o2["id"]))
        self.assertEqual(r.status, 204, r)
        self.assertEqual(s.gateway.client(key=None).get(q).status, 403)
        r = s.post_webhook(status_payload(o2["phone_number_id"], [status_obj("wamid.X", "delivered")]), self.secret)
        self.assertEqual(r.status, 401, r)


class ApplyStatusesTest(WebhookTestBase):
    def test_large_batch_in_one_post(self):
        s = self.stack
        msgs = []
        c = s.gateway.client(keepalive=True)
        for i in range(60):
            r = s.send(self.fx, "batch %d" % i, client=c)
            self.assertEqual(r.status, 200, r)
            msgs.append((r.json()["message_id"], r.json()["whatsapp_message_id"]))
        c.close()
        statuses = []
        for mid, wamid in msgs:
            statuses += [status_obj(wamid, "delivered", biz=mid), status_obj(wamid, "read", biz=mid)]
        self.post_statuses(statuses)
        for mid, _ in msgs:
            s.wait_status(mid, "read", timeout=60)

    def test_every_entry_change_and_status_is_applied(self):
        s = self.stack
        o2, _ = s.create_outlet(self.fx.tenant_id)  # same app secret (same Meta app), another number
        fx2 = harness.Fixture(self.fx.tenant, o2, self.fx.key, self.fx.secrets)
        m = [self.sent_message() for _ in range(5)] + [self.sent_message(fx2)]
        V = harness.change_value
        payload = harness.webhook_payload([
            ("waba-1", [V(self.fx.phone_number_id, statuses=[status_obj(m[0][1], "delivered", biz=m[0][0]),
                                                             status_obj(m[1][1], "read", biz=m[1][0])]),
                        V(self.fx.phone_number_id, statuses=[status_obj(m[2][1], "delivered", biz=m[2][0])])]),
            ("waba-1", [V(self.fx.phone_number_id, statuses=[status_obj(m[3][1], "read", biz=m[3][0]),
                                                             status_obj(m[4][1], "delivered", biz=m[4][0]),
                                                             status_obj(m[4][1], "read", biz=m[4][0])]),
                        V(o2["phone_number_id"], statuses=[status_obj(m[5][1], "read", biz=m[5][0])])]),
        ])
        r = s.post_webhook(payload, self.secret)
        self.assertEqual(r.status, 200, r)
        expected = ["delivered", "read", "delivered", "read", "read", "read"]
        for (mid, _), want in zip(m, expected):
            st = s.wait_status(mid, want, timeout=60)
            if want == "read":
                self.assertIsNotNone(st["read_at"], st)
        # nothing went further than told
        self.barrier()
        for (mid, _), want in zip(m, expected):
            self.assertEqual(s.status(mid)["status"], want)

    def test_duplicates_and_out_of_order_are_harmless_and_monotonic(self):
        s = self.stack
        mid, wamid = self.sent_message()
        now = int(time.time())
        # read arrives before delivered
        self.post_statuses([status_obj(wamid, "read", biz=mid, timestamp=now + 2)])
        st = s.wait_status(mid, "read", timeout=60)
        read_at = st["read_at"]
        self.assertIsNotNone(read_at, st)
        # then the late delivered, a duplicate read, a late sent, and all of them again in one POST
        self.post_statuses([status_obj(wamid, "delivered", biz=mid, timestamp=now + 1)])
        self.post_statuses([status_obj(wamid, "read", biz=mid, timestamp=now + 2)])
        self.post_statuses([status_obj(wamid, "sent", biz=mid, timestamp=now)])
        self.post_statuses([status_obj(wamid, "delivered", biz=mid, timestamp=now + 1),
                            status_obj(wamid, "sent", biz=mid, timestamp=now),
                            status_obj(wamid, "read", biz=mid, timestamp=now + 2)])
        self.barrier()
        st = s.status(mid)
        self.assertEqual(st["status"], "read", st)
        self.assertEqual(st["read_at"], read_at, "a duplicate read must not move read_at")
        self.assertIsNotNone(st["delivered_at"], st)
        self.assertIsNotNone(st["sent_at"], st)
        self.assertIsNone(st["failed_at"], st)
        self.assertEqual(st["whatsapp_message_id"], wamid)

    def test_delivered_then_sent_does_not_go_back(self):
        s = self.stack
        mid, wamid = self.sent_message()
        self.post_statuses([status_obj(wamid, "delivered", biz=mid)])
        s.wait_status(mid, "delivered", timeout=60)
        self.post_statuses([status_obj(wamid, "sent", biz=mid)])
        self.barrier()
        self.assertEqual(s.status(mid)["status"], "delivered")

    def test_read_without_delivered_implies_delivered(self):
        s = self.stack
        mid, wamid = self.sent_message()
        self.post_statuses([status_obj(wamid, "read", biz=mid)])
        st = s.wait_status(mid, "read", timeout=60)
        self.assertIsNotNone(st["read_at"], st)
        self.assertIsNotNone(st["delivered_at"], "read implies delivered: %s" % st)

    def test_failed_status_keeps_meta_error_and_is_terminal(self):
        s = self.stack
        mid, wamid = self.sent_message()
        title = "Message undeliverable"
        details = "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number."
        self.post_statuses([status_obj(wamid, "failed", biz=mid, errors=[meta_error(131026, title, details)])])
        st = s.wait_status(mid, "failed", timeout=60)
        self.assertIsNotNone(st["failed_at"], st)
        self.assertTimestamp(st["failed_at"], "failed_at")
        self.assertEqual(st["error"], {"code": 131026, "title": title, "details": details}, st)
        # a late delivered/read (multi-device) does not revive it; a duplicate failed changes nothing
        self.post_statuses([status_obj(wamid, "delivered", biz=mid), status_obj(wamid, "read", biz=mid)])
        self.post_statuses([status_obj(wamid, "failed", biz=mid,
                                       errors=[meta_error(131049, "Other", "should not replace the first")])])
        self.barrier()
        st2 = s.status(mid)
        self.assertEqual(st2["status"], "failed", st2)
        self.assertEqual(st2["error"], st["error"], st2)
        self.assertEqual(st2["failed_at"], st["failed_at"], st2)
        full = s.message(mid)
        self.assertEqual(full["error"]["code"], 131026)

    def test_unknown_message_statuses_and_other_fields_are_harmless(self):
        s = self.stack
        mid, wamid = self.sent_message()
        # statuses for messages the gateway never sent, unusual status names, inbound messages
        self.post_statuses([status_obj("wamid.UNKNOWN" + harness.rand_token(n=10), "delivered"),
                            status_obj("wamid.UNKNOWN2", "read", biz="no-such-message"),
                            status_obj(wamid, "deleted", biz=mid)])
        r = s.post_webhook(harness.inbound_payload(self.fx.phone_number_id, "+628123456789", "hi there \u00e9"),
                           self.secret)
        self.assertEqual(r.status, 200, r)
        self.barrier()
        self.assertEqual(s.status(mid)["status"], "sent")
        self.assertEqual(s.gateway.client(key=None).get("/healthz").status, 200)

    def test_sandbox_inbound_message_is_accepted(self):
        s = self.stack
        s.connect_webhooks()
        before = s.sandbox.stats()
        s.sandbox.inbound(self.fx.phone_number_id, "+628123456789", "Does it come in blue?")
        # the sandbox delivers the signed `messages` webhook and the gateway answers 200 (not retried)
        wait_until(lambda: _delivered_webhooks(s.sandbox.stats()) > _delivered_webhooks(before), 60,
                   msg="sandbox delivered the inbound webhook")


def _delivered_webhooks(stats):
    return stats["webhooks_delivered"]


class SandboxDrivenStatusesTest(harness.WagateTestCase):
    """Statuses coming from the sandbox itself, with delays of 0 so they race the send's answer."""

    def test_statuses_racing_the_send_answer_are_not_lost(self):
        s = self.start_stack(sandbox_args=["--mps", "0", "--delay-sent-ms", "0", "--delay-delivered-ms", "0",
                                           "--delay-read-ms", "0"])
        fx = s.default_fixture()
        c = s.gateway.client()

        def one(i):
            r = s.send(fx, "race %d" % i, client=c, asynchronous=(i % 2 == 0))
            self.assertIn(r.status, (200, 202), r)
            return r.json()["message_id"]

        ids = harness.run_parallel(one, list(range(24)), threads=8)
        for mid in ids:
            st = s.wait_status(mid, "read", timeout=60)
            self.assertIsNotNone(st["delivered_at"], st)
            self.assertIsNotNone(st["sent_at"], st)
            self.assertTrue(st["whatsapp_message_id"], st)
        counts = s.sandbox.accepted_by_biz()
        self.assertEqual({m: counts.get(m) for m in ids}, {m: 1 for m in ids})

    def test_duplicated_and_reordered_sandbox_webhooks(self):
        s = self.start_stack(sandbox_args=["--mps", "0", "--duplicate-rate", "1", "--reorder"])
        fx = s.default_fixture()
        ids = []
        for i in range(6):
            r = s.send(fx, "dup %d" % i)
            self.assertEqual(r.status, 200, r)
            ids.append(r.json()["message_id"])
        for mid in ids:
            st = s.wait_status(mid, "read", timeout=60)
            self.assertIsNotNone(st["read_at"], st)
        # once every webhook has been delivered, nothing moved backwards
        wait_until(lambda: _pending_webhooks(s.sandbox.stats()) == 0, 60, msg="sandbox webhooks drained")
        for mid in ids:
            st = s.status(mid)
            self.assertEqual(st["status"], "read", st)
            self.assertIsNotNone(st["delivered_at"], st)


def _pending_webhooks(stats):
    return stats["webhooks_pending"]


def _sends_retried(s):
    """wagate_sends_total{outcome="retry"} from /metrics (docs/operations.md)."""
    r = s.admin.get("/metrics")
    if r.status != 200:
        raise AssertionError("GET /metrics: %r" % r)
    m = re.search(r'(?m)^wagate_sends_total\{[^}]*outcome="retry"[^}]*\} (\S+)$', r.text)
    return float(m.group(1)) if m else 0.0


class InFlightStatusTest(harness.WagateTestCase):
    def test_status_for_a_message_still_in_flight_is_not_lost(self):
        """A `delivered` webhook (matched by biz_opaque_callback_data) arrives while the send still hangs."""
        # The Graph timeout (8 s) leaves a slow machine time to post the webhook while the send still hangs.
        s = self.start_stack(connect_webhooks=False, sandbox_args=["--timeout-ms", "20000", "--mps", "0"],
                             gateway_sets={"engine.graph_timeout_ms": 8000})
        fx = s.default_fixture()
        s.sandbox.faults(timeout_rate=1.0)
        r = s.send(fx, "in flight", asynchronous=True)
        self.assertEqual(r.status, 202, r)
        mid = r.json()["message_id"]
        wait_until(lambda: len(s.sandbox.requests_for(mid)) >= 1, 60, msg="the first attempt reached the sandbox")
        early_wamid = "wamid.HBgLEARLY" + harness.rand_token(n=16)
        r = s.post_webhook(status_payload(fx.phone_number_id, [status_obj(early_wamid, "delivered", biz=mid)]),
                           fx.secrets["app_secret"])
        self.assertEqual(r.status, 200, r)
        st = s.wait_status(mid, ("delivered", "read"), timeout=60)
        self.assertEqual(st["whatsapp_message_id"], early_wamid, st)
        self.assertIsNotNone(st["delivered_at"], st)
        # The webhook echoing our id proves the hanging attempt reached Meta: when it times out, the
        # gateway must not send the message again (the customer would get it twice). Wait for the timeout
        # to be handled (it counts as a retry), then watch past the retry delay (1 s ± 20 %) with room to
        # spare: a fixed window from now could end before a slow machine got there.
        s.sandbox.faults(timeout_rate=0.0)
        wait_until(lambda: _sends_retried(s) >= 1, 60, msg="the hanging attempt timed out")
        harness.assert_stays(lambda: len(s.sandbox.requests_for(mid)) == 1
                             and s.status(mid)["status"] in ("delivered", "read"), 4.0,
                             msg="no resend after the webhook settled the send")
        self.assertEqual(s.sandbox.accepted_by_biz().get(mid, 0), 0)
        st = s.status(mid)
        self.assertEqual(st["whatsapp_message_id"], early_wamid, st)
        self.assertIsNone(st["failed_at"], st)


if __name__ == "__main__":
    harness.main()
