"""Dead letters: permanent failures and exhausted retries are listed, filtered, isolated per tenant, and
retried (one by one or in bulk) so that each is sent at most once — also under concurrent bulk retries.
A message Meta had accepted (it failed later, e.g. 131047) is never resent.

Acceptance point 6 of issue 3.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

N_PERM = 6       # 131009 on outlet P
N_EXHAUST = 8    # HTTP 500 until the budget is spent, on outlet E
N_B = 2          # tenant B's own dead letters


def now_ms():
    return int(time.time() * 1000)


class DeadLetterTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        # retries quick so exhausting the budget (4 attempts) takes well under a second
        self.s = self.start_stack(sandbox_args=["--mps", "0"],
                                  gateway_sets={"engine.retry_base_delay_ms": 50})
        s = self.s
        self.t_a = s.create_tenant()
        self.p, _ = s.create_outlet(self.t_a["id"])
        self.e, _ = s.create_outlet(self.t_a["id"])
        self.w, _ = s.create_outlet(self.t_a["id"])
        self.key_a = s.create_api_key(self.t_a["id"])["key"]
        self.fx_b = s.default_fixture()
        self.ca = s.client(self.key_a)
        self.cb = s.client(self.fx_b.api_key)

    def send_async(self, client, outlet, n, text):
        ids = []
        for i in range(n):
            r = client.post("/api/v1/messages/send", {"outlet_id": outlet["id"], "to": harness.recipient(),
                                                     "message": "%s %d" % (text, i), "async": True})
            self.assertEqual(r.status, 202, r)
            ids.append(r.json()["message_id"])
        return ids

    def wait_failed(self, ids, code, timeout=60):
        for mid in ids:
            st = self.s.wait_status(mid, "failed", timeout=timeout)
            self.assertEqual(st["error"]["code"], code, st)

    def dead(self, client=None, **q):
        qs = "&".join("%s=%s" % (k, v) for k, v in q.items())
        r = (client or self.s.admin).get("/api/v1/dead-letters" + ("?" + qs if qs else ""))
        self.assertEqual(r.status, 200, r)
        return r.json()["dead_letters"]

    def dead_ids(self, client=None, **q):
        return {d["message_id"] for d in self.dead(client, **q)}

    def make_dead_letters(self):
        s = self.s
        t0 = now_ms()
        # 1. permanent failures: 131009 (Parameter value is not valid) on outlet P, and tenant B's own
        s.sandbox.faults(error_code=131009, error_rate=1.0)
        perm = self.send_async(self.ca, self.p, N_PERM, "perm")
        b_ids = self.send_async(self.cb, self.fx_b.outlet, N_B, "tenant B")
        self.wait_failed(perm + b_ids, 131009)
        last_failed = max(t0, self.last_failed_ms(perm + b_ids))
        wait_until(lambda: now_ms() > last_failed + 50, 10, interval=0.01, msg="t1 after the last failure")
        t1 = now_ms()
        # 2. exhausted retries: HTTP 500 / 131000 on every attempt, on outlet E
        s.sandbox.faults(error_rate=0.0, fail_rate=1.0)
        exhausted = self.send_async(self.ca, self.e, N_EXHAUST, "exhaust")
        self.wait_failed(exhausted, 131000)
        s.sandbox.faults(fail_rate=0.0)
        t2 = now_ms()
        for mid in exhausted:
            self.assertEqual(s.message(mid)["attempts"], 4, s.message(mid))
        for mid in perm:
            self.assertEqual(s.message(mid)["attempts"], 1, s.message(mid))
        return t0, t1, t2, perm, exhausted, b_ids

    def last_failed_ms(self, ids):
        return max(int(harness.parse_ts(self.s.status(m)["failed_at"]) * 1000) for m in ids)

    def test_list_filter_isolate_and_bulk_retry(self):
        s = self.s
        t0, t1, t2, perm, exhausted, b_ids = self.make_dead_letters()
        accepted_before = s.sandbox.stats()["accepted"]
        self.assertEqual(accepted_before, 0)

        # all of tenant A's appear for A's key and the admin; with their codes and fields
        dl = self.dead(self.ca)
        self.assertEqual({d["message_id"] for d in dl}, set(perm) | set(exhausted))
        for d in dl:
            self.assertEqual(set(d) >= {"message_id", "outlet_id", "to", "attempts", "failed_at",
                                         "accepted_by_meta", "error"}, True, d)
            self.assertFalse(d["accepted_by_meta"], d)
            self.assertTimestamp(d["failed_at"], "failed_at")
            if d["message_id"] in perm:
                self.assertEqual((d["outlet_id"], d["error"]["code"], d["attempts"]), (self.p["id"], 131009, 1), d)
            else:
                self.assertEqual((d["outlet_id"], d["error"]["code"], d["attempts"]), (self.e["id"], 131000, 4), d)
        # newest first
        stamps = [d["failed_at"] for d in dl]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual(self.dead_ids(), set(perm) | set(exhausted) | set(b_ids))

        # filters
        self.assertEqual(self.dead_ids(self.ca, outlet_id=self.p["id"]), set(perm))
        self.assertEqual(self.dead_ids(self.ca, outlet_id=self.e["id"]), set(exhausted))
        self.assertEqual(self.dead_ids(self.ca, error_code=131009), set(perm))
        self.assertEqual(self.dead_ids(self.ca, error_code=131000), set(exhausted))
        self.assertEqual(self.dead_ids(self.ca, error_code=131026), set())
        self.assertEqual(self.dead_ids(self.ca, outlet_id=self.p["id"], error_code=131000), set())
        self.assertEqual(self.dead_ids(self.ca, since_ms=t1), set(exhausted))
        self.assertEqual(self.dead_ids(self.ca, until_ms=t1), set(perm))
        self.assertEqual(self.dead_ids(self.ca, since_ms=t0, until_ms=t2), set(perm) | set(exhausted))
        self.assertEqual(self.dead_ids(self.ca, since_ms=t2 + 1), set())
        self.assertEqual(len(self.dead(self.ca, limit=3)), 3)

        # tenant isolation: B sees only its own, cannot filter its way into A's, cannot retry A's
        self.assertEqual(self.dead_ids(self.cb), set(b_ids))
        self.assertEqual(self.dead_ids(self.cb, outlet_id=self.p["id"]), set())
        self.assertEqual(self.dead_ids(self.cb, error_code=131009), set(b_ids))
        r = self.cb.post("/api/v1/dead-letters/%s/retry" % perm[0])
        self.assertError(r, 404, "not_found")
        r = self.cb.post("/api/v1/dead-letters/retry", {"outlet_id": self.p["id"]})
        self.assertIn(r.status, (200, 404), r)
        if r.status == 200:
            self.assertEqual(r.json()["retried"], 0, r)
        r = self.cb.post("/api/v1/dead-letters/retry", {"error_code": 131000})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["retried"], 0, r)
        self.assertEqual(self.dead_ids(self.ca), set(perm) | set(exhausted), "B's retries touched A's")

        # single retry of one permanent failure (the fault is gone now)
        r = self.ca.post("/api/v1/dead-letters/%s/retry" % perm[0])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"retried": 1, "skipped": 0, "message_ids": [perm[0]]})
        st = s.wait_status(perm[0], harness.FINAL_OK, timeout=60)
        self.assertIsNone(st["error"], st)
        self.assertNotIn(perm[0], self.dead_ids(self.ca))
        # retrying it again: no longer a dead letter
        r = self.ca.post("/api/v1/dead-letters/%s/retry" % perm[0])
        self.assertIn(r.status, (404, 409), r)

        # bulk retry with a filter: the rest of outlet P only
        r = self.ca.post("/api/v1/dead-letters/retry", {"outlet_id": self.p["id"]})
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual((j["retried"], j["skipped"]), (N_PERM - 1, 0), j)
        self.assertEqual(set(j["message_ids"]), set(perm[1:]))
        for mid in perm:
            s.wait_status(mid, harness.FINAL_OK, timeout=60)
        # E's are untouched by P's filter
        self.assertEqual(self.dead_ids(self.ca), set(exhausted))
        for mid in exhausted:
            self.assertEqual(s.status(mid)["status"], "failed")

        # two concurrent bulk retries of E's: each re-queued once, sent once
        results = [None, None]

        def bulk(i):
            results[i] = self.ca.post("/api/v1/dead-letters/retry", {"error_code": 131000})

        barrier = threading.Barrier(2)
        ts = [threading.Thread(target=lambda i=i: (barrier.wait(60), bulk(i)), daemon=True) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        for r in results:
            self.assertEqual(r.status, 200, r)
        got = [set(r.json()["message_ids"]) for r in results]
        self.assertEqual(got[0] & got[1], set(), "a dead letter re-queued by both bulk retries")
        self.assertEqual(got[0] | got[1], set(exhausted))
        self.assertEqual(sum(r.json()["retried"] for r in results), N_EXHAUST, [r.json() for r in results])
        for mid in exhausted:
            st = s.wait_status(mid, harness.FINAL_OK, timeout=60)
            self.assertIsNone(st["error"], st)
        # B's were not retried (the fault was on for them; they stay dead)
        self.assertEqual(self.dead_ids(self.cb), set(b_ids))
        self.assertEqual(self.dead_ids(self.ca), set())

        # every retried message sent exactly once
        harness.assert_stays(lambda: s.sandbox.stats()["accepted"] == N_PERM + N_EXHAUST, 1.5, msg="no extra send")
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in perm + exhausted})
        # nothing left to retry: a new bulk retry does nothing
        r = self.ca.post("/api/v1/dead-letters/retry", {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["retried"], 0, r)

    def test_many_concurrent_bulk_retries_send_each_once(self):
        s = self.s
        s.sandbox.faults(error_code=131009, error_rate=1.0)
        ids = self.send_async(self.ca, self.p, 40, "storm")
        self.wait_failed(ids, 131009)
        s.sandbox.faults(error_rate=0.0)
        c = s.client(self.key_a, keepalive=True)
        rs = harness.run_parallel(lambda i: c.post("/api/v1/dead-letters/retry", {"outlet_id": self.p["id"]}),
                                  list(range(8)), threads=8)
        c.close()
        for r in rs:
            self.assertEqual(r.status, 200, r)
        self.assertEqual(sum(r.json()["retried"] for r in rs), 40, [r.json()["retried"] for r in rs])
        for mid in ids:
            s.wait_status(mid, harness.FINAL_OK, timeout=60)
        harness.assert_stays(lambda: s.sandbox.stats()["accepted"] == 40, 1.5, msg="no extra send")
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in ids})

    def test_failed_after_meta_accepted_is_never_resent(self):
        s = self.s
        s.sandbox.config(enforce_window=True)
        win = self.send_async(self.ca, self.w, 3, "outside window")
        self.wait_failed(win, 131047)
        # a dead letter Meta never accepted, on the same outlet, to see the bulk retry skip vs retry
        s.sandbox.config(enforce_window=False)
        s.sandbox.faults(error_code=131009, error_rate=1.0)
        plain = self.send_async(self.ca, self.w, 1, "never accepted")
        self.wait_failed(plain, 131009)
        s.sandbox.faults(error_rate=0.0)
        self.assertEqual(s.sandbox.stats()["accepted"], 3)

        dl = {d["message_id"]: d for d in self.dead(self.ca, outlet_id=self.w["id"])}
        self.assertEqual(set(dl), set(win) | set(plain))
        for mid in win:
            self.assertTrue(dl[mid]["accepted_by_meta"], dl[mid])
            self.assertEqual(dl[mid]["error"]["code"], 131047, dl[mid])
        self.assertFalse(dl[plain[0]]["accepted_by_meta"], dl[plain[0]])
        self.assertEqual(self.dead_ids(self.ca, error_code=131047), set(win))

        # single: 409 already_accepted, the message stays failed
        r = self.ca.post("/api/v1/dead-letters/%s/retry" % win[0])
        self.assertError(r, 409, "already_accepted")
        self.assertEqual(s.status(win[0])["status"], "failed")
        # bulk: skipped, the other one retried
        r = self.ca.post("/api/v1/dead-letters/retry", {"outlet_id": self.w["id"]})
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual((j["retried"], j["skipped"], j["message_ids"]), (1, 3, plain), j)
        s.wait_status(plain[0], harness.FINAL_OK, timeout=60)
        r = self.ca.post("/api/v1/dead-letters/retry", {"error_code": 131047})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["retried"], r.json()["skipped"]), (0, 3), r)
        harness.assert_stays(lambda: s.sandbox.stats()["accepted"] == 4, 1.5, msg="no resend of accepted messages")
        counts = s.sandbox.accepted_by_biz()
        self.assertEqual(counts, {m: 1 for m in win + plain})
        for mid in win:
            self.assertEqual(s.status(mid)["status"], "failed")
        self.assertEqual(self.dead_ids(self.ca), set(win))

    def test_unknown_dead_letter_and_bad_filters(self):
        r = self.ca.post("/api/v1/dead-letters/msg_01M7YWBWEEQ3MF31TPZ6YCSSDT/retry")
        self.assertError(r, 404, "not_found")
        # a message that is not failed is not a dead letter
        r = self.ca.post("/api/v1/messages/send", {"outlet_id": self.p["id"], "to": harness.recipient(),
                                                  "message": "fine"})
        self.assertEqual(r.status, 200, r)
        r = self.ca.post("/api/v1/dead-letters/%s/retry" % r.json()["message_id"])
        self.assertIn(r.status, (404, 409), r)
        for q in ("error_code=abc", "since_ms=yesterday", "limit=-1", "limit=100000"):
            r = self.ca.get("/api/v1/dead-letters?" + q)
            self.assertError(r, 400, "invalid_field", msg=q)
        r = self.ca.post("/api/v1/dead-letters/retry", {"limit": 10001})
        self.assertError(r, 400, "invalid_field", field="limit")
        r = self.ca.post("/api/v1/dead-letters/retry", {"error_code": "131000"})
        self.assertError(r, 400, "invalid_field", field="error_code")
        self.assertEqual(self.s.sandbox.stats()["accepted"], 1)


if __name__ == "__main__":
    harness.main()
