"""Monthly quota: counted atomically when a message is accepted, no overshoot under concurrency.

Acceptance point 7 of issue 2.
"""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

QUOTA = 25
CONCURRENT = 120


class QuotaTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.stack = self.start_stack(sandbox_args=["--mps", "0"])

    def test_exactly_quota_accepted_under_concurrent_sends(self):
        s = self.stack
        fx = s.default_fixture(monthly_quota=QUOTA)
        self.assertEqual(fx.tenant["monthly_quota"], QUOTA)
        self.assertEqual(fx.tenant["used_this_month"], 0)
        key_client = s.client(fx.api_key)
        start = threading.Barrier(CONCURRENT)
        results = [None] * CONCURRENT

        def worker(i):
            body = s.send_body(fx, "quota %d" % i)
            body["async"] = True
            start.wait(timeout=60)
            client = key_client if i % 2 else s.admin
            results[i] = client.post("/api/v1/messages/send", body, timeout=60)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(CONCURRENT)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertTrue(all(r is not None for r in results), "some requests never answered")
        by_status = {}
        for r in results:
            by_status.setdefault(r.status, []).append(r)
        self.assertEqual(sorted(by_status), [202, 429], {k: len(v) for k, v in by_status.items()})
        self.assertEqual(len(by_status[202]), QUOTA)
        self.assertEqual(len(by_status[429]), CONCURRENT - QUOTA)
        for r in by_status[429]:
            self.assertError(r, 429, "quota_exceeded")
        accepted = {r.json()["message_id"] for r in by_status[202]}
        self.assertEqual(len(accepted), QUOTA)

        # the sandbox gets exactly the accepted ones, once each, and nothing more later
        wait_until(lambda: len(s.sandbox.messages()) >= QUOTA, 60, interval=0.2, msg="%d sends" % QUOTA)
        harness.assert_stays(lambda: len(s.sandbox.messages()) == QUOTA, 2.0, msg="exactly %d sends" % QUOTA)
        counts = s.sandbox.accepted_by_biz()
        self.assertEqual(counts, {m: 1 for m in accepted})

        # over-quota requests stored nothing
        r = s.admin.get("/api/v1/messages?outlet_id=%s&limit=500" % fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual({m["message_id"] for m in r.json()["messages"]}, accepted)

        t = s.admin.get("/api/v1/tenants/%s" % fx.tenant_id).json()
        self.assertEqual(t["used_this_month"], QUOTA, t)
        self.assertError(s.send(fx, "one more"), 429, "quota_exceeded")
        self.assertError(s.send(fx, "one more async", asynchronous=True), 429, "quota_exceeded")
        self.assertEqual(s.admin.get("/api/v1/tenants/%s" % fx.tenant_id).json()["used_this_month"], QUOTA)

    def test_quota_is_per_tenant_and_sync_sends_count(self):
        s = self.stack
        small = s.default_fixture(monthly_quota=2)
        unlimited = s.default_fixture()
        self.assertIsNone(unlimited.tenant["monthly_quota"])
        self.assertEqual(s.send(small, "1").status, 200)
        self.assertEqual(s.send(small, "2", asynchronous=True).status, 202)
        self.assertError(s.send(small, "3"), 429, "quota_exceeded")
        for i in range(5):
            self.assertEqual(s.send(unlimited, "u%d" % i, asynchronous=True).status, 202)
        self.assertEqual(s.admin.get("/api/v1/tenants/%s" % unlimited.tenant_id).json()["used_this_month"], 5)

    def test_zero_quota_accepts_nothing(self):
        s = self.stack
        fx = s.default_fixture(monthly_quota=0)
        self.assertError(s.send(fx, "nope"), 429, "quota_exceeded")
        self.assertError(s.send(fx, "nope", asynchronous=True), 429, "quota_exceeded")
        self.assertEqual(s.sandbox.requests(), [])

    def test_invalid_requests_do_not_use_quota(self):
        s = self.stack
        fx = s.default_fixture(monthly_quota=1)
        self.assertError(s.send(fx, "bad number", to="+1234"), 400, "invalid_phone_number")
        self.assertError(s.send(fx, ""), 400, "invalid_field", field="message")
        self.assertError(s.send(fx, "x", message_type="image"), 400, "invalid_field", field="message")
        unknown_template = s.send_body(fx, message_type="template",
                                       template={"name": "no_such_template", "language": {"code": "en"}})
        del unknown_template["message"]
        self.assertError(s.admin.post("/api/v1/messages/send", unknown_template), 400, "template_not_found")
        self.assertError(s.send(fx, "x", outlet_id="no-such-outlet"), 404, "not_found")
        self.assertEqual(s.admin.get("/api/v1/tenants/%s" % fx.tenant_id).json()["used_this_month"], 0)
        self.assertEqual(s.send(fx, "good").status, 200)


if __name__ == "__main__":
    harness.main()
