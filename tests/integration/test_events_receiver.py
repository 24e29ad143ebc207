"""The events receiver itself (a test tool): requests signed here by the Standard Webhooks algorithm are
verified by the official npm package inside it, wrong ones are not, and its control API does what the
event tests will rely on. No wagate process: fast (a few seconds) and self-contained."""

import http.client
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from events_receiver import Receiver, new_secret, sign  # noqa: E402


class ReceiverTestCase(harness.WagateTestCase):
    @classmethod
    def setUpClass(cls):
        pass  # no wagate binary needed (the base class skips without one)

    def start(self, secrets, **kw):
        rx = Receiver(self.tmp, secrets=secrets, **kw)
        self.track(rx.start().proc)
        return rx

    def post_signed(self, rx, path, body, secrets, msg_id="msg_1", ts=None, signature=None, client=None):
        """POST `body` signed with each of `secrets` (space-separated, as during a rotation)."""
        raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
        ts = int(time.time()) if ts is None else ts
        sig = signature or " ".join(sign(s, msg_id, ts, raw) for s in secrets)
        headers = {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sig}
        return (client or rx.http).post(path, raw=raw, headers=headers)


class VerificationTest(ReceiverTestCase):
    def test_signed_here_verified_there(self):
        secret = new_secret()
        rx = self.start([secret])
        body = {"type": "message.delivered", "data": {"message_id": "m1", "text": "héllo"}}
        r = self.post_signed(rx, "/hook/orders", body, [secret], msg_id="msg_abc")
        self.assertEqual((r.status, r.text), (200, "ok"))
        [item] = rx.received("orders")
        self.assertTrue(item["verified"], item)
        self.assertEqual(item["verified_with"], [0])
        self.assertEqual(item["body"], body)
        self.assertTrue(item["body_is_json"])
        self.assertEqual(item["webhook_id"], "msg_abc")
        self.assertEqual(item["headers"]["webhook-id"], "msg_abc")
        self.assertEqual(item["headers"]["content-type"], "application/json")
        self.assertTrue(item["signature"].startswith("v1,"))
        self.assertEqual((item["kind"], item["name"], item["answered"]), ("hook", "orders", "200"))

    def test_wrong_signature_recorded_unverified(self):
        secret = new_secret()
        rx = self.start([secret])
        self.post_signed(rx, "/hook/a", {"x": 1}, [new_secret()])  # another key
        self.post_signed(rx, "/hook/a", {"x": 2}, [], signature="v1,AAAA")
        raw = b'{"x": 3}'
        # the body changed after signing
        self.post_signed(rx, "/hook/a", b'{"x": 4}', [], signature=sign(secret, "msg_1", int(time.time()), raw))
        items = rx.received("a")
        self.assertEqual([i["verified"] for i in items], [False, False, False])
        self.assertTrue(all("No matching signature found" in i["verify_errors"] for i in items), items)
        r = rx.http.post("/hook/a", {"unsigned": True})
        self.assertEqual(r.status, 200)  # answered all the same: verification is recorded, not enforced
        self.assertIn("Missing required headers", rx.received("a")[-1]["verify_errors"])
        st = rx.stats()["hook"]["a"]
        self.assertEqual((st["received"], st["verified"], st["failed_verification"]), (4, 0, 4))

    def test_rotation_header_verifies_with_either_secret(self):
        old, new = new_secret(), new_secret()
        rx = self.start([old])
        both = {"rotating": True}
        self.post_signed(rx, "/hook/r", both, [old, new])
        rx.set_secrets([new])
        self.post_signed(rx, "/hook/r", both, [old, new])
        rx.set_secrets([old, new])
        self.post_signed(rx, "/hook/r", both, [old, new])
        self.post_signed(rx, "/hook/r", {"only": "new"}, [new])
        got = [(i["verified"], i["verified_with"]) for i in rx.received("r")]
        self.assertEqual(got, [(True, [0]), (True, [0]), (True, [0, 1]), (True, [1])])
        self.assertEqual(rx.set_secrets([])["secrets"], 0)
        self.post_signed(rx, "/hook/r", both, [old, new])
        self.assertEqual(rx.received("r")[-1]["verified_with"], [])
        r = rx.http.post("/_control/secrets", {"secrets": ["whsec_"]})  # empty key: the package refuses it
        self.assertEqual(r.status, 400, r)

    def test_timestamp_tolerance_of_the_package(self):
        secret = new_secret()
        rx = self.start([secret])
        now = int(time.time())
        for ts in (now - 290, now - 320, now + 320):
            self.post_signed(rx, "/hook/t", {"ts": ts}, [secret], ts=ts)
        items = rx.received("t")
        self.assertEqual([i["verified"] for i in items], [True, False, False])
        self.assertEqual(items[1]["verify_errors"], ["Message timestamp too old"])
        self.assertEqual(items[2]["verify_errors"], ["Message timestamp too new"])

    def test_signed_non_json_body_counts_as_verified(self):
        secret = new_secret()
        rx = self.start([secret])
        self.post_signed(rx, "/hook/n", b"not json", [secret])
        [item] = rx.received("n")
        self.assertEqual((item["verified"], item["body_is_json"], item["body"]), (True, False, "not json"))


class ControlTest(ReceiverTestCase):
    def test_behaviours(self):
        secret = new_secret()
        rx = self.start([secret])
        rx.behave("flaky", status=503, retry_after="2", fail_times=2)
        answers = [self.post_signed(rx, "/hook/flaky", {"i": i}, [secret]) for i in range(3)]
        self.assertEqual([r.status for r in answers], [503, 503, 200])
        self.assertEqual(answers[0].headers.get("retry-after"), "2")
        self.assertNotIn("retry-after", answers[2].headers)
        self.assertEqual(self.post_signed(rx, "/hook/other", {}, [secret]).status, 200)  # per name

        rx.behave("slow", delay_ms=300)
        t0 = time.monotonic()
        self.assertEqual(self.post_signed(rx, "/hook/slow", {}, [secret]).status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.28)

        rx.behave("gone", drop=True, fail_times=1)
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.post_signed(rx, "/hook/gone", {}, [secret])
        self.assertEqual(self.post_signed(rx, "/hook/gone", {}, [secret]).status, 200)

        rx.behave("*", status=500)
        self.assertEqual(self.post_signed(rx, "/hook/any", {}, [secret]).status, 500)
        rx.behave("*")
        self.assertEqual(self.post_signed(rx, "/hook/any", {}, [secret]).status, 200)

        st = rx.stats()["hook"]
        self.assertEqual(st["flaky"]["answered"], {"503": 2, "200": 1})
        self.assertEqual(st["gone"]["answered"], {"drop": 1, "200": 1})
        self.assertEqual([i["answered"] for i in rx.received("gone")], ["drop", "200"])

    def test_presend_verdicts(self):
        secret = new_secret()
        rx = self.start([secret])
        r = self.post_signed(rx, "/presend/p", {"to": "1"}, [secret])
        self.assertEqual((r.status, r.json()), (200, {"action": "allow"}))
        rx.presend("p", {"action": "deny", "reason": "opted out"})
        self.assertEqual(self.post_signed(rx, "/presend/p", {}, [secret]).json(),
                         {"action": "deny", "reason": "opted out"})
        rx.presend("p", {"action": "modify", "message": {"text": {"body": "edited"}}}, status=200)
        self.assertEqual(self.post_signed(rx, "/presend/p", {}, [secret]).json()["message"]["text"]["body"], "edited")
        rx.presend("p", {"action": "allow"}, status=502)
        self.assertEqual(self.post_signed(rx, "/presend/p", {}, [secret]).status, 502)
        items = rx.received("p", kind="presend")
        self.assertEqual(len(items), 4)
        self.assertTrue(all(i["verified"] and i["kind"] == "presend" for i in items), items)
        self.assertEqual(rx.received("p", kind="hook"), [])
        self.assertEqual(rx.stats()["presend"]["p"]["verified"], 4)

    def test_since_seq_reset_and_eviction(self):
        secret = new_secret()
        rx = self.start([secret], max_items=3)
        for i in range(5):
            self.post_signed(rx, "/hook/%s" % "ab"[i % 2], {"i": i}, [secret])
        items = rx.received()
        self.assertEqual([i["body"]["i"] for i in items], [2, 3, 4])  # the oldest two dropped
        self.assertEqual([i["body"]["i"] for i in rx.received(since_seq=items[0]["seq"])], [3, 4])
        self.assertEqual([i["body"]["i"] for i in rx.received("a")], [2, 4])
        st = rx.stats()
        self.assertEqual((st["kept"], st["evicted"], st["hook"]["a"]["received"]), (3, 2, 3))
        last = st["seq"]
        rx.behave("a", status=500)
        rx.reset()
        self.assertEqual(rx.received(), [])
        self.assertEqual(rx.stats()["hook"], {})
        self.assertEqual(self.post_signed(rx, "/hook/a", {"i": 5}, [secret]).status, 200)  # behaviour gone
        [item] = rx.received(since_seq=last)
        self.assertGreater(item["seq"], last)  # seq goes on across a reset
        self.assertTrue(item["verified"])  # secrets stay across a reset


class FastModeTest(ReceiverTestCase):
    def test_fast_counts_only_and_keeps_connections_alive(self):
        secret = new_secret()
        rx = self.start([secret], fast=True)
        rx.behave("b", status=500)  # ignored in fast mode
        client = harness.HttpClient(rx.host, rx.port, keepalive=True)
        self.addCleanup(client.close)
        r = self.post_signed(rx, "/hook/b", {"i": 0}, [secret], client=client)
        sock = client._local.conn.sock
        for i in range(1, 50):
            self.assertEqual(self.post_signed(rx, "/hook/b", {"i": i}, [secret], client=client).status, 200)
        self.assertEqual(r.status, 200)
        self.assertIs(client._local.conn.sock, sock, "the receiver closed a keep-alive connection")
        self.post_signed(rx, "/hook/b", {}, [new_secret()], client=client)
        st = rx.stats()["hook"]["b"]
        self.assertEqual((st["received"], st["verified"], st["failed_verification"]), (51, 50, 1))
        self.assertEqual(rx.received(), [])


if __name__ == "__main__":
    harness.main()
