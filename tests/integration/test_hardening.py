"""Hardening (issue 8): one tenant must never crash, stall or reach into the gateway.

Each test names the defect it guards against; each failed on the main branch before the fix.
"""

import json
import os
import select
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import raw_http, sign, wait_until  # noqa: E402

METRICS_TOKEN = harness.rand_token("metrics-")
IDLE_TIMEOUT_S = 3


def nested(depth):
    return "[" * depth + "]" * depth


class HardeningTest(harness.SharedStackTestCase):
    stack_kwargs = {"graph_proxy": True,
                    "gateway_sets": {"http.idle_timeout_s": IDLE_TIMEOUT_S, "http.metrics_token": METRICS_TOKEN}}

    @classmethod
    def setUpStack(cls):
        cls.fx = cls.stack.default_fixture()

    def setUp(self):
        super().setUp()
        self.addCleanup(self.check_alive)

    def check_alive(self):
        s = self.stack
        self.assertTrue(s.gateway.alive(), "the gateway process died:\n" + s.tails())
        self.assertEqual(s.gateway.client(key=None).get("/healthz").status, 200)

    def metric(self, name, labels=""):
        r = self.stack.admin.get("/metrics")
        self.assertEqual(r.status, 200, r)
        total = 0.0
        for line in r.text.splitlines():
            if line.startswith(name) and labels in line and not line.startswith("#"):
                head, _, value = line.rpartition(" ")
                if head.split("{")[0] == name:
                    total += float(value)
        return total

    # --- 1, 2: deep nesting crashed the gateway (recursion on an I/O thread)

    def test_json_nested_100000_deep_is_refused_at_every_entry_point(self):
        s = self.stack
        deep = nested(100000)  # 200 KB
        template = {"name": "x", "language": {"code": "en"},
                    "components": [{"type": "button", "sub_type": "flow", "index": "0",
                                    "parameters": [{"type": "action", "action": {"flow_action_data": "@@"}}]}]}
        raw = json.dumps(s.typed_body(self.fx, "template", template)).replace('"@@"', deep).encode()
        r = s.admin.request("POST", "/api/v1/messages/send", raw=raw)
        self.assertError(r, 400, "invalid_json")
        self.assertIn("nested deeper than 64", r.json()["error"]["message"])
        create = '{"name":"deep","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x","example":%s}]}'
        r = s.admin.request("POST", "/api/v1/outlets/%s/templates" % self.fx.outlet_id,
                            raw=(create % deep).encode())
        self.assertError(r, 400, "invalid_json")
        body = ('{"object":"whatsapp_business_account","entry":[{"id":"1","changes":%s}]}' % deep).encode()
        r = s.post_webhook(None, self.fx.secrets["app_secret"], raw=body, signature=sign(body, self.fx.secrets["app_secret"]))
        self.assertEqual(r.status, 400, r)
        # 50 levels (57 with the envelope) is still JSON the gateway reads (then refuses for what it says, not for its shape)
        r = s.admin.request("POST", "/api/v1/messages/send",
                            raw=json.dumps(s.typed_body(self.fx, "template", template)).replace('"@@"', nested(50)).encode())
        self.assertEqual(r.status, 400, r)
        self.assertNotEqual(r.json()["error"]["code"], "invalid_json", r)

    # --- 3: tenant A signed a change to tenant B's templates with its own app secret

    def test_template_status_of_another_wabas_tenant_cannot_be_forged(self):
        s = self.stack
        secret_a, secret_b = harness.rand_token("secret-a-"), harness.rand_token("secret-b-")
        a = s.default_fixture(app_secret=secret_a)
        b = s.default_fixture(app_secret=secret_b)
        s.link_outlet_waba(b)
        tid = s.sandbox.seed_template(b.outlet["waba_id"], "b_order", "en", [{"type": "BODY", "text": "Order {{1}}"}])
        s.sync_templates(b)
        self.assertEqual(s.template_row(b, "b_order")["status"], "APPROVED")

        def template_change(event):
            return {"id": b.outlet["waba_id"], "time": int(time.time()),
                    "changes": [{"field": "message_template_status_update",
                                 "value": {"event": event, "message_template_id": int(tid),
                                           "message_template_name": "b_order",
                                           "message_template_language": "en", "reason": "NONE"}}]}

        skipped = self.metric("wagate_webhook_events_skipped_total", 'reason="unsigned_waba"')
        # A's own status entry makes A's signature valid for the payload; B's entry rides along
        forged = harness.webhook_payload([(a.outlet["waba_id"], [harness.change_value(
            a.phone_number_id, statuses=[harness.status_obj("wamid.FORGED" + harness.rand_token(n=8), "delivered")])])])
        forged["entry"].append(template_change("DISABLED"))
        r = s.post_webhook(forged, secret_a)
        self.assertEqual(r.status, 200, r)
        wait_until(lambda: self.metric("wagate_webhook_events_skipped_total", 'reason="unsigned_waba"') >= skipped + 1,
                   60, msg="the forged template change skipped")
        self.assertEqual(s.template_row(b, "b_order")["status"], "APPROVED")
        # B's template alone, signed by A: refused outright
        only_b = {"object": "whatsapp_business_account", "entry": [template_change("PAUSED")]}
        self.assertEqual(s.post_webhook(only_b, secret_a).status, 401)
        # signed by B's own secret, the same change applies
        self.assertEqual(s.post_webhook(only_b, secret_b).status, 200)
        wait_until(lambda: s.template_row(b, "b_order")["status"] == "PAUSED", 60, msg="B's own change applied")

    # --- 5, 17: request framing

    def test_transfer_encoding_other_than_chunked_is_refused_and_nothing_is_smuggled(self):
        s = self.stack
        smuggled = ("GET /api/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n" % s.gateway.admin_key)
        for te in ("chunked, identity", "identity", "gzip, chunked", "chunked\r\nTransfer-Encoding: chunked"):
            with self.subTest(te=te):
                req = ("POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: %s\r\n\r\n" % te) + smuggled
                status, out = raw_http(s.gateway.host, s.gateway.port, req.encode(), timeout=15)
                self.assertEqual(status, 400, out[:300])
                self.assertEqual(out.count(b"HTTP/1.1"), 1, "a second (smuggled) request was answered: %r" % out[:600])
                self.assertNotIn(b"tenants", out)
        req = "POST /api/v1/messages/send HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
        status, _ = raw_http(s.gateway.host, s.gateway.port, req.encode(), timeout=15)
        self.assertEqual(status, 400)

    def test_missing_host_oversized_header(self):
        s = self.stack
        status, out = raw_http(s.gateway.host, s.gateway.port, b"GET /healthz HTTP/1.1\r\n\r\n", timeout=15)
        self.assertEqual(status, 400, out[:200])
        status, out = raw_http(s.gateway.host, s.gateway.port, b"GET /healthz HTTP/1.0\r\n\r\n", timeout=15)
        self.assertEqual(status, 200, out[:200])  # HTTP/1.0 has no Host requirement
        big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n"
        status, out = raw_http(s.gateway.host, s.gateway.port, big, timeout=15)
        self.assertEqual(status, 431, out[:200])

    def test_huge_webhook_timestamps_are_harmless(self):
        s = self.stack
        for ts in ("99999999999999999999999", "9223372036854775807", "-5", "1e9", ""):
            with self.subTest(ts=ts):
                st = harness.status_obj("wamid.TS" + harness.rand_token(n=8), "delivered")
                st["timestamp"] = ts
                r = s.post_webhook(harness.status_payload(self.fx.phone_number_id, [st]), self.fx.secrets["app_secret"])
                self.assertEqual(r.status, 200, r)
                inbound = harness.inbound_payload(self.fx.phone_number_id, harness.recipient(), "hi")
                inbound["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = ts
                self.assertEqual(s.post_webhook(inbound, self.fx.secrets["app_secret"]).status, 200)

    # --- 6: Graph path escape through media ids

    def test_media_ids_that_are_not_graph_ids_never_reach_graph(self):
        s = self.stack
        before = len(s.proxy.requests())
        c = s.client(self.fx.api_key)
        for mid in ("..", "%2e%2e", ".", "me", "123abc", "1%2F2"):
            with self.subTest(id=mid):
                for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/content")):
                    r = c.request(method, "/api/v1/media/%s%s?outlet_id=%s" % (mid, suffix, self.fx.outlet_id))
                    self.assertError(r, 404, "not_found")
        self.assertEqual(s.proxy.requests()[before:], [], "a bad media id reached Graph")
        # an outlet's WABA id is a Graph id too
        t = s.create_tenant()
        r = s.admin.post("/api/v1/tenants/%s/outlets" % t["id"],
                         {"name": "x", "phone_number_id": harness.rand_phone_number_id(), "waba_id": "../me",
                          "display_phone_number": "+15550783881", "access_token": "EAAx", "app_secret": "s",
                          "verify_token": "v"})
        self.assertError(r, 400, "invalid_field", field="waba_id")

    # --- 7: /metrics listed every tenant's outlets to anyone

    def test_metrics_need_the_admin_key_or_the_metrics_token(self):
        s = self.stack
        self.assertError(s.gateway.client(key=None).get("/metrics"), 401, "unauthorized")
        self.assertError(s.client(self.fx.api_key).get("/metrics"), 403, "forbidden")
        self.assertEqual(s.gateway.client(key=METRICS_TOKEN).get("/metrics").status, 200)
        self.assertEqual(s.gateway.client(key=METRICS_TOKEN + "x").get("/metrics").status, 401)
        self.assertEqual(s.admin.get("/metrics").status, 200)

    # --- 8, 9: data files and the admin key

    def test_data_files_are_private_and_the_admin_flag_warns(self):
        s = self.stack
        data = s.gateway.data_dir
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)
        for name in ("wagate.db", "wagate.db-wal", "wagate.db-shm", "master.key"):
            path = os.path.join(data, name)
            if os.path.exists(path):
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, name)
        self.assertIn("--admin-key puts the key in the process list", s.gateway.log_text())

    # --- 10: Meta's webhooks may be up to 3 MB

    def test_signed_webhook_of_2_mb_is_accepted(self):
        s = self.stack
        statuses = [harness.status_obj("wamid.BIG%06d" % i + "x" * 120, "delivered") for i in range(8000)]
        payload = harness.status_payload(self.fx.phone_number_id, statuses)
        body = harness.encode_payload(payload)
        self.assertGreater(len(body), 2 * 1024 * 1024)
        r = s.post_webhook(None, None, raw=body, signature=sign(body, self.fx.secrets["app_secret"]))
        self.assertEqual(r.status, 200, r)

    # --- 14: an upload was cut after the idle timeout even while it kept sending

    def test_slow_upload_that_keeps_sending_is_not_cut_and_a_stalled_one_is(self):
        s = self.stack
        ctype, body = harness.multipart_encode({"outlet_id": self.fx.outlet_id},
                                               {"file": ("slow.pdf", "application/pdf", b"%PDF-1.4 " + b"x" * 40000)})
        head = ("POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\n"
                "Content-Length: %d\r\n\r\n" % (self.fx.api_key, ctype, len(body))).encode()
        pieces = 10
        size = (len(body) + pieces - 1) // pieces
        t0 = time.monotonic()

        def trickle():
            for i in range(pieces):  # IDLE_TIMEOUT_S * 2.5 in all, never more than 1 s between pieces
                yield body[i * size:(i + 1) * size]
                time.sleep(IDLE_TIMEOUT_S * 0.25)

        status, out, sent = harness.stream_request(s.gateway.host, s.gateway.port, head, trickle(), timeout=60)
        self.assertGreater(time.monotonic() - t0, IDLE_TIMEOUT_S * 2)
        self.assertEqual(status, 201, out[:300])
        # a stalled one is closed after the idle timeout, without an answer
        sock = socket.create_connection((s.gateway.host, s.gateway.port), timeout=60)
        try:
            sock.sendall(head + body[:1000])
            t0 = time.monotonic()
            sock.settimeout(60)
            data = sock.recv(65536)
            waited = time.monotonic() - t0
        finally:
            sock.close()
        self.assertEqual(data, b"", "a stalled upload got an answer: %r" % data[:200])
        self.assertGreaterEqual(waited, IDLE_TIMEOUT_S - 0.5)

    # --- 16: unknown members were dropped silently

    def test_unknown_top_level_members_of_a_send_are_refused_by_name(self):
        s = self.stack
        cases = [("mesage_type", {"mesage_type": "text"}),
                 ("recipient", {"recipient": "+628123456789"}),
                 ("template", {"template": {"name": "x", "language": {"code": "en"}}})]
        for member, extra in cases:
            with self.subTest(member=member):
                r = s.admin.post("/api/v1/messages/send", dict(s.send_body(self.fx), **extra))
                self.assertError(r, 400, "invalid_field", field=member)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class MediaAbuseTest(harness.WagateTestCase):
    def upload_head(self, key, length, outlet_id=None, expect=False):
        q = "?outlet_id=%s" % outlet_id if outlet_id else ""
        return ("POST /api/v1/media%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n%s\r\n"
                % (q, key, length, "Expect: 100-continue\r\n" if expect else "")).encode()

    def test_uploads_are_authenticated_and_capped_before_any_body_is_read(self):
        # 4: the body (up to 100 MiB) was read before the key was checked: 8 bogus uploads took 800 MB
        s = self.start_stack()
        fx = s.default_fixture()
        g = s.gateway
        size = 50 * 1024 * 1024
        chunk = b"x" * (1 << 20)
        status, out = raw_http(g.host, g.port, self.upload_head("bogus", size, expect=True), timeout=15)
        self.assertEqual(status, 401, out[:200])
        self.assertNotIn(b"100 Continue", out)
        before = rss_kb(g.proc.popen.pid)
        results = harness.run_parallel(
            lambda _: harness.stream_request(g.host, g.port, self.upload_head("bogus", size), (chunk for _ in range(50)),
                                             timeout=60), list(range(8)), threads=8)
        for status, out, sent in results:
            self.assertEqual(status, 401, out[:200])
            self.assertLess(sent, size // 2, "the gateway kept reading a refused upload")
        grew = rss_kb(g.proc.popen.pid) - before
        self.assertLess(grew, 64 * 1024, "8 refused uploads grew the gateway by %d KB" % grew)
        # another tenant's outlet in the query: 404 before the body
        other = s.default_fixture()
        status, out = raw_http(g.host, g.port, self.upload_head(fx.api_key, size, other.outlet_id, expect=True), timeout=15)
        self.assertEqual(status, 404, out[:200])
        # at most 4 uploads of one tenant at once: the 5th is 429 before its body, others go on
        held = []
        try:
            for _ in range(4):
                # `100 Continue` is only sent once the upload is admitted: each of these holds a slot
                sock = socket.create_connection((g.host, g.port), timeout=60)
                sock.sendall(self.upload_head(fx.api_key, 1 << 20, fx.outlet_id, expect=True))
                got = b""
                while b"\r\n\r\n" not in got:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                self.assertTrue(got.startswith(b"HTTP/1.1 100"), got[:200])
                held.append(sock)
            status, out = raw_http(g.host, g.port, self.upload_head(fx.api_key, 1 << 20, fx.outlet_id, expect=True),
                                   timeout=60)
            self.assertEqual(status, 429, out[:300])
            self.assertIn(b"too_many_requests", out)
            r = s.upload_media(other, b"%PDF-1.4 other tenant", "application/pdf", "o.pdf", client=s.client(other.api_key))
            self.assertEqual(r.status, 201, r)
        finally:
            for sock in held:
                sock.close()
        wait_until(lambda: s.upload_media(fx, b"%PDF-1.4 again", "application/pdf", "a.pdf").status == 201, 30,
                   msg="uploads admitted again once the held ones closed")

    def test_slow_downloads_of_one_tenant_do_not_stall_reads_or_health(self):
        # 11: 8 slow-reading downloads held the 8 worker threads: /readyz and other tenants' reads timed out
        s = self.start_stack()
        fx = s.default_fixture()
        other = s.default_fixture()
        r = s.upload_media(fx, b"\0\0\0\x18ftypmp42" + os.urandom(15 * 1024 * 1024), "video/mp4", "big.mp4")
        self.assertEqual(r.status, 201, r)
        media_id = r.json()["id"]
        g = s.gateway
        slow = []
        answers = []
        try:
            for _ in range(8):
                sock = socket.create_connection((g.host, g.port), timeout=30)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(("GET /api/v1/media/%s/content?outlet_id=%s HTTP/1.1\r\nHost: x\r\n"
                              "Authorization: Bearer %s\r\n\r\n" % (media_id, fx.outlet_id, fx.api_key)).encode())
                slow.append(sock)
            # they never read: every admitted one blocks its thread on a full socket. Each gets a status
            # line (200 and the start of the body, or 429) however slowly the machine runs.
            for sock in slow:
                sock.settimeout(60)
                try:
                    answers.append(sock.recv(12))
                except socket.timeout:
                    answers.append(b"")
            refused = sum(1 for a in answers if a.startswith(b"HTTP/1.1 429"))
            self.assertGreaterEqual(refused, 4, "more than 4 downloads of one tenant admitted: %r" % answers)
            c = g.client(key=None, timeout=10)
            self.assertEqual(c.get("/readyz").status, 200)
            r = s.client(other.api_key, timeout=10).get("/api/v1/messages?outlet_id=%s" % other.outlet_id)
            self.assertEqual(r.status, 200, r)
            r = s.client(fx.api_key, timeout=10).get("/api/v1/messages?outlet_id=%s" % fx.outlet_id)
            self.assertEqual(r.status, 200, r)
        finally:
            for sock in slow:
                sock.close()


class ConnectionLimitTest(harness.WagateTestCase):
    def test_connections_beyond_the_limit_are_closed_and_the_gateway_serves_again(self):
        # 12: beyond http.max_connections new connections are closed at once (no accept spin, no flood)
        s = self.start_stack(gateway_sets={"http.max_connections": 16})
        held = []
        try:
            for _ in range(40):
                held.append(socket.create_connection((s.gateway.host, s.gateway.port), timeout=10))
            # Wait (as long as a busy machine needs) until the server has closed those beyond the limit
            closed = set()

            def beyond_limit_closed():
                readable, _, _ = select.select([x for x in held if x not in closed], [], [], 0.2)
                for sock in readable:
                    try:
                        if sock.recv(1) == b"":
                            closed.add(sock)
                    except ConnectionResetError:
                        closed.add(sock)
                return len(closed) >= 40 - 16

            wait_until(beyond_limit_closed, 60, interval=0.05, msg="connections beyond the limit closed")
        finally:
            for sock in held:
                sock.close()
        wait_until(lambda: s.gateway.client(key=None).get("/healthz").status == 200, 30, msg="healthz after the burst")
        warnings = s.gateway.log_text().count("connection limit reached")
        self.assertGreaterEqual(warnings, 1)
        self.assertLessEqual(warnings, 10, "the limit warning is not rate-limited")


class DiskFullTest(harness.WagateTestCase):
    def fill(self, directory):
        """Writes a file until the filesystem is full; returns its path."""
        path = os.path.join(directory, "filler")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 20, 4096, 1):  # big writes, then what still fits
                try:
                    while os.write(fd, b"\0" * size) == size:
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)
        return path

    def test_full_disk_answers_503_is_not_ready_and_recovers_without_a_restart(self):
        # 13: a failed commit was a 500, /readyz stayed 200, and an acknowledged message stayed queued
        # until a restart. The data directory is a small tmpfs of its own, filled by the test.
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a small tmpfs")
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        if subprocess.call(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", data]) != 0:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(subprocess.call, ["umount", "-l", data])
        s = self.start_stack()
        fx = s.default_fixture(throughput_mps=5)
        acked = []
        for i in range(60):  # 12 s of sending at 5 mps: most are still queued when the disk fills
            r = s.send(fx, "before the disk filled %d" % i, asynchronous=True)
            self.assertEqual(r.status, 202, r)
            acked.append(r.json()["message_id"])
        filler = self.fill(data)
        # SQLite reuses its WAL's space first: keep sending until a write needs more than there is
        refused = None
        for i in range(300):
            r = s.send(fx, "while full %d " % i + "x" * 2000, asynchronous=True)
            if r.status == 202:
                acked.append(r.json()["message_id"])
                continue
            refused = r
            break
        self.assertIsNotNone(refused, "the store never ran out of space")
        self.assertError(refused, 503, "storage_unavailable")
        self.assertNotIn("SQLITE", refused.text.upper())
        r = s.gateway.client(key=None).get("/readyz")
        self.assertError(r, 503, "storage_unavailable")
        webhook = harness.status_payload(fx.phone_number_id, [harness.status_obj("wamid.FULL" + harness.rand_token(n=6), "delivered")])
        self.assertIn(s.post_webhook(webhook, fx.secrets["app_secret"]).status, (200, 503))  # Meta retries a 503
        # the engine meets the full disk too (claims or outcomes it cannot write); nothing may be lost
        wait_until(lambda: "could not claim messages" in s.gateway.log_text()
                   or "could not record send outcomes" in s.gateway.log_text(), 60,
                   msg="the engine met the full disk")
        os.unlink(filler)
        wait_until(lambda: s.gateway.client(key=None).get("/readyz").status == 200, 30,
                   msg="ready again once space is freed, without a restart")
        r = s.send(fx, "after the disk was freed", asynchronous=True)
        self.assertEqual(r.status, 202, r)
        acked.append(r.json()["message_id"])
        for mid in acked:
            s.wait_status(mid, harness.FINAL_OK, timeout=120)
        harness.assert_stays(lambda: len(s.sandbox.messages()) == len(acked), 2.0, msg="no duplicate")
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in acked})
        self.assertEqual(s.gateway.proc.popen.poll(), None, "the gateway restarted or died")


if __name__ == "__main__":
    harness.main()
