"""Upgrade (issue 16, acceptance 3): an older wagate with 5,000 queued messages is stopped by SIGTERM;
this build starts on the same data directory (running the schema migrations) and sends every message
exactly once.

Run by scripts/check-release.sh, which builds the older binary (WAGATE_OLD_BIN) from git history.
"""

import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

OLD_BIN = os.environ.get("WAGATE_OLD_BIN", "")
QUEUED = 5000


def schema_version(data_dir):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "wagate.db"), uri=True)
    try:
        return db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    finally:
        db.close()


class UpgradeTest(harness.WagateTestCase):
    def test_queued_messages_survive_an_upgrade_and_are_sent_once(self):
        if not OLD_BIN or not os.access(OLD_BIN, os.X_OK):
            self.fail("WAGATE_OLD_BIN must name the older wagate binary (scripts/check-release.sh builds it)")
        sandbox = harness.Sandbox(self.tmp, args=["--mps", "0", "--webhook-batch", "200"])
        sandbox.start()
        self.track(sandbox.proc)
        old = harness.Gateway(self.tmp, sandbox.url, binary=OLD_BIN)
        old.start()
        self.track(old.proc)
        sandbox.config(webhook_url=old.webhook_url)
        admin = old.client()
        t = admin.post("/api/v1/tenants", {"name": "upgrade"}).json()
        outlet = admin.post("/api/v1/tenants/%s/outlets" % t["id"], {
            "name": "o", "phone_number_id": harness.rand_phone_number_id(), "waba_id": harness.rand_phone_number_id(),
            "display_phone_number": "+15550783881", "access_token": "EAAupgrade", "app_secret": sandbox.app_secret,
            "verify_token": "v", "throughput_mps": 1}).json()
        body = lambda i: {"tenant_id": t["id"], "outlet_id": outlet["id"], "to": harness.recipient(),  # noqa: E731
                          "message": "before the upgrade %d" % i, "message_type": "text", "async": True}
        c = old.client(keepalive=True, timeout=60)

        def submit(i):
            r = c.post("/api/v1/messages/send", body(i))
            if r.status != 202:
                raise AssertionError("async send answered %r" % r)
            return r.json()["message_id"]

        ids = harness.run_parallel(submit, list(range(QUEUED)), threads=8)
        c.close()
        self.assertEqual(len(set(ids)), QUEUED)
        old_version = schema_version(old.data_dir)
        t0 = time.monotonic()
        self.assertEqual(old.stop(grace=30), 0, "the old gateway did not stop cleanly on SIGTERM")
        sys.stderr.write("\n[upgrade] old binary (schema %s) stopped by SIGTERM in %.1fs with %d accepted\n"
                         % (old_version, time.monotonic() - t0, QUEUED))

        new = harness.Gateway(self.tmp, sandbox.url, admin_key=old.admin_key, data_dir=old.data_dir)
        new.start(listen="%s:%d" % (old.host, old.port))
        self.track(new.proc)
        self.assertGreater(schema_version(new.data_dir), old_version, "the new build ran no migration")
        r = new.client().request("PATCH", "/api/v1/tenants/%s/outlets/%s" % (t["id"], outlet["id"]),
                                 body={"throughput_mps": 1000})
        self.assertEqual(r.status, 200, r)
        admin = new.client()

        def all_final():
            done = 0
            for mid in ids:
                st = admin.get("/api/v1/messages/%s/status" % mid).json()["status"]
                if st not in harness.FINAL_OK:
                    return False
                done += 1
            return done == QUEUED

        wait_until(lambda: sandbox.stats()["accepted"] >= QUEUED, 180, interval=1.0, msg="all sent after the upgrade")
        wait_until(all_final, 180, interval=2.0, msg="every message sent/delivered/read")
        harness.assert_stays(lambda: sandbox.stats()["accepted"] == QUEUED, 2.0, msg="no duplicate")
        counts = {}
        for m in sandbox.messages():
            counts[m["biz_opaque_callback_data"]] = counts.get(m["biz_opaque_callback_data"], 0) + 1
        self.assertEqual(set(counts), set(ids))
        self.assertEqual({m: n for m, n in counts.items() if n != 1}, {}, "sent more than once")


if __name__ == "__main__":
    harness.main()
