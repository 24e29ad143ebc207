"""Back up and restore (issue 16, acceptance 4): an online backup taken while the gateway sends
(sqlite3's .backup, SQLite's online backup API) restores to a working gateway: same tenants, outlets,
keys and messages, and it sends.
"""

import os
import shutil
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402


class BackupTest(harness.WagateTestCase):
    def test_backup_taken_while_sending_restores_to_a_working_gateway(self):
        if not shutil.which("sqlite3"):
            self.fail("sqlite3 (Debian package sqlite3) is needed: scripts/install-deps.sh installs it")
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture(throughput_mps=100)
        data = s.gateway.data_dir
        ids = []
        stop = threading.Event()

        def keep_sending():
            c = s.gateway.client(keepalive=True, timeout=60)
            while not stop.is_set() and len(ids) < 2000:
                r = c.post("/api/v1/messages/send", dict(s.send_body(fx, "during the backup"), **{"async": True}))
                if r.status == 202:
                    ids.append(r.json()["message_id"])
            c.close()

        sender = threading.Thread(target=keep_sending)
        sender.start()
        wait_until(lambda: len(ids) >= 200, 60, msg="sending under way")
        backup = os.path.join(self.tmp, "backup.db")
        out = subprocess.run(["sqlite3", os.path.join(data, "wagate.db"), ".backup '%s'" % backup],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        at_backup = len(ids)
        wait_until(lambda: len(ids) >= at_backup + 100, 60, msg="still sending after the backup")
        stop.set()
        sender.join(timeout=60)
        check = subprocess.run(["sqlite3", backup, "PRAGMA integrity_check; SELECT COUNT(*) FROM messages;"],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stderr)
        integrity, count = check.stdout.split()
        self.assertEqual(integrity, "ok")
        self.assertGreaterEqual(int(count), 200)
        s.gateway.stop()

        # Restore: the backup as wagate.db, with the same master key, in a fresh data directory
        restored = os.path.join(self.tmp, "restored")
        os.makedirs(restored)
        shutil.copy(backup, os.path.join(restored, "wagate.db"))
        shutil.copy(os.path.join(data, "master.key"), os.path.join(restored, "master.key"))
        g = harness.Gateway(self.tmp, s.sandbox.url, admin_key=s.gateway.admin_key, data_dir=restored)
        g.start()
        self.track(g.proc)
        s.sandbox.config(webhook_url=g.webhook_url)
        admin = g.client()
        tenants = admin.get("/api/v1/tenants").json()
        self.assertIn(fx.tenant_id, [t["id"] for t in tenants["tenants"]])
        # the restored outlet credentials decrypt (the master key came along) and the tenant key works
        tenant_client = g.client(key=fx.api_key)
        r = tenant_client.post("/api/v1/messages/send", s.send_body(fx, "after the restore"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "sent", r)
        # messages in the backup are there, each in a state of its lifecycle
        listed = admin.get("/api/v1/messages?outlet_id=%s&limit=50" % fx.outlet_id).json()["messages"]
        self.assertTrue(listed)
        first = ids[0]
        st = admin.get("/api/v1/messages/%s/status" % first).json()
        self.assertIn(st["status"], ("queued", "sending", "unknown") + tuple(harness.FINAL_OK), st)


if __name__ == "__main__":
    harness.main()
