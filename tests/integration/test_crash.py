"""Crash safety: `kill -9` with 1,000 accepted async messages, restart, each sent exactly once.

Acceptance point 9 of issue 2. The outlet's throughput (80 mps) makes sending take ~12 s, so the kill
lands while sending is in progress; while the messages are accepted the outlet runs at 1 mps, so however
slowly the machine accepts them, almost none goes out before all are accepted. Further cases make sends
deterministically in doubt (the sandbox holds the requests) to check both in-doubt policies, and check that
a graceful stop leaves nothing in doubt.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

N = 1000
MPS = 80
KILL_AFTER = 150  # accepted by the sandbox


class CrashTest(harness.WagateTestCase):
    def accept_all(self, s, fx, n):
        c = s.gateway.client(keepalive=True, timeout=30)  # one persistent connection per thread

        def one(i):
            body = s.send_body(fx, "crash test %d" % i)
            body["async"] = True
            r = c.post("/api/v1/messages/send", body)
            self.assertEqual(r.status, 202, r)
            return r.json()["message_id"]

        ids = harness.run_parallel(one, list(range(n)), threads=8)
        c.close()
        self.assertEqual(len(set(ids)), n)
        return ids

    def unsettled(self, s, fx, statuses=("queued", "sending")):
        n = 0
        for st in statuses:
            r = s.admin.get("/api/v1/messages?outlet_id=%s&status=%s&limit=500" % (fx.outlet_id, st))
            if r.status != 200:
                raise AssertionError("list by status: %r" % r)
            n += len(r.json()["messages"])
        return n

    def set_throughput(self, s, fx, mps):
        r = s.admin.request("PATCH", "/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id),
                            body={"throughput_mps": mps})
        self.assertEqual(r.status, 200, r)

    def crash_mid_send(self, restart_sets):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        # 1 mps while accepting: on a slow machine accepting 1,000 can take longer than sending them at
        # 80 mps, and the kill would come after the last send.
        fx = s.default_fixture(throughput_mps=1)
        t_start = time.monotonic()
        ids = self.accept_all(s, fx, N)
        t_accepted = time.monotonic() - t_start
        self.set_throughput(s, fx, MPS)
        count = wait_until(lambda: len(s.sandbox.messages()) >= KILL_AFTER and len(s.sandbox.messages()), 60,
                           interval=0.1, msg="%d sends before the kill" % KILL_AFTER)
        s.gateway.kill9()
        at_kill = len(s.sandbox.messages())
        sys.stderr.write("\n[crash] all %d accepted after %.1fs; killed with %d..%d sent\n"
                         % (N, t_accepted, count, at_kill))
        self.assertLess(count, N, "sending finished before the kill: the test proves nothing "
                                  "(throughput_mps=%d not applied?)" % MPS)
        s.gateway.restart(sets=restart_sets)
        return s, fx, ids

    def final_statuses(self, s, ids):
        c = s.gateway.client(keepalive=True)
        out = {}
        for mid in ids:
            r = c.get("/api/v1/messages/%s/status" % mid)
            self.assertEqual(r.status, 200, "message %s lost after the crash: %r" % (mid, r))
            out[mid] = r.json()
        c.close()
        return out

    def test_kill9_with_1000_accepted_then_resend_policy_sends_each_exactly_once(self):
        s, fx, ids = self.crash_mid_send({"engine.in_doubt_policy": "resend",
                                          "engine.in_doubt_timeout_ms": 5000})
        # ~11 s of sending at 80 mps plus the 5 s in-doubt timeout; the deadlines only bound a hang
        wait_until(lambda: len(set(s.sandbox.accepted_by_biz()) & set(ids)) == N, 120, interval=0.5,
                   msg="all %d messages reach the sandbox after restart" % N)
        wait_until(lambda: self.unsettled(s, fx) == 0, 60, interval=0.5, msg="no message queued or sending")
        counts = s.sandbox.accepted_by_biz()
        dup = {m: c for m, c in counts.items() if c != 1}
        self.assertEqual(dup, {}, "messages sent more than once")
        self.assertEqual(set(counts), set(ids))
        final = self.final_statuses(s, ids)
        bad = {m: st["status"] for m, st in final.items() if st["status"] not in harness.FINAL_OK}
        self.assertEqual(bad, {}, "every message ends sent/delivered/read")
        # each stored wamid is the one the sandbox issued for that message
        wamids = {m["biz_opaque_callback_data"]: m["wamid"] for m in s.sandbox.messages()}
        wrong = [m for m in ids if final[m]["whatsapp_message_id"] != wamids[m]]
        self.assertEqual(wrong, [], "whatsapp_message_id differs from the sandbox's wamid")
        # and nothing is sent again a little later
        harness.assert_stays(lambda: len(s.sandbox.messages()) == N, 2.0, msg="no late duplicate")

    def test_kill9_with_default_policy_never_sends_twice(self):
        s, fx, ids = self.crash_mid_send({"engine.in_doubt_timeout_ms": 5000})
        wait_until(lambda: self.unsettled(s, fx) == 0, 120, interval=0.5, msg="no message queued or sending")
        counts = s.sandbox.accepted_by_biz()
        dup = {m: c for m, c in counts.items() if c != 1}
        self.assertEqual(dup, {}, "messages sent more than once")
        self.assertLessEqual(set(counts), set(ids))
        allowed = set(harness.FINAL_OK) | {"unknown"}

        def consistent():
            final = self.final_statuses(s, ids)
            for m, st in final.items():
                self.assertIn(st["status"], allowed, st)
                if counts.get(m, 0) == 0:
                    self.assertEqual(st["status"], "unknown", "never reached the Cloud API but %s" % st)
            # a message the Cloud API accepted is settled by its status webhook, even if first marked unknown
            return all(final[m]["status"] in harness.FINAL_OK for m in counts)

        # each try reads 1,000 statuses, which alone can take seconds on a busy machine
        wait_until(consistent, 90, interval=1.0, msg="accepted messages settled by their webhooks")
        unknown = len(ids) - len(counts)
        sys.stderr.write("[crash] default policy: %d sent, %d unknown\n" % (len(counts), unknown))
        self.assertLess(unknown, N - KILL_AFTER, "only messages in flight at the kill may be in doubt")
        harness.assert_stays(lambda: len(s.sandbox.messages()) == len(counts), 2.0, msg="no late resend")

    def held_in_flight(self, n):
        """n async messages whose Graph requests hang in the sandbox (so they are `sending` at the kill)."""
        s = self.start_stack(sandbox_args=["--mps", "0", "--timeout-ms", "60000"],
                             gateway_sets={"engine.graph_timeout_ms": 50000})
        fx = s.default_fixture()
        s.sandbox.faults(timeout_rate=1.0)
        ids = []
        for i in range(n):
            r = s.send(fx, "held %d" % i, asynchronous=True)
            self.assertEqual(r.status, 202, r)
            ids.append(r.json()["message_id"])
        wait_until(lambda: s.sandbox.stats()["held_requests"] == n, 60, msg="%d requests held" % n)
        for mid in ids:
            self.assertEqual(s.status(mid)["status"], "sending")
        s.gateway.kill9()
        s.sandbox.faults(timeout_rate=0.0)
        return s, fx, ids

    def test_in_doubt_sends_are_resent_once_with_resend_policy(self):
        s, fx, ids = self.held_in_flight(10)
        t0 = time.monotonic()
        s.gateway.restart(sets={"engine.in_doubt_policy": "resend", "engine.in_doubt_timeout_ms": 2000})
        for mid in ids:
            s.wait_status(mid, harness.FINAL_OK, timeout=60)
        self.assertGreater(time.monotonic() - t0, 1.5, "resent before the in-doubt timeout")
        harness.assert_stays(lambda: len(s.sandbox.messages()) == len(ids), 2.0, msg="no duplicate")
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in ids})

    def test_in_doubt_sends_become_unknown_with_default_policy(self):
        s, fx, ids = self.held_in_flight(10)
        t0 = time.monotonic()
        s.gateway.restart(sets={"engine.in_doubt_timeout_ms": 2000})
        # before the timeout they stay `sending`, waiting for a webhook. The timeout runs from the restart
        # (after t0): a status read that ended less than 2 s after t0 must be `sending`; one a starved
        # machine read later may legitimately be `unknown` already.
        for m in ids:
            st = s.status(m)
            if st["status"] != "sending":
                self.assertGreaterEqual(time.monotonic() - t0, 1.95, "left `sending` before the in-doubt timeout: %s"
                                        % st)
                self.assertEqual(st["status"], "unknown", st)
        for mid in ids:
            st = s.wait_status(mid, "unknown", timeout=60)
            self.assertIsNone(st["whatsapp_message_id"], st)
            self.assertIsNone(st["sent_at"], st)
        harness.assert_stays(lambda: s.sandbox.messages() == [], 2.0, msg="never resent")
        # a late status webhook that echoes our id settles the doubt
        wamid = "wamid.HBgLLATE" + harness.rand_token(n=12)
        r = s.post_webhook(harness.status_payload(fx.phone_number_id, [harness.status_obj(wamid, "sent", biz=ids[0])]),
                           fx.secrets["app_secret"])
        self.assertEqual(r.status, 200, r)
        st = s.wait_status(ids[0], "sent", timeout=60)
        self.assertEqual(st["whatsapp_message_id"], wamid)
        # The rest are dead letters with reason in_doubt, which an operator may retry knowingly (issue 8.15)
        r = s.admin.get("/api/v1/dead-letters?reason=in_doubt&outlet_id=%s" % fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        listed = {d["message_id"]: d for d in r.json()["dead_letters"]}
        self.assertEqual(set(listed), set(ids[1:]), "the settled one left the list, the others are in it")
        for d in listed.values():
            self.assertEqual((d["status"], d["reason"], d["accepted_by_meta"]), ("unknown", "in_doubt", False), d)
            self.assertIsNotNone(d["in_doubt_since"], d)
        self.assertEqual(s.admin.get("/api/v1/dead-letters?reason=failed&outlet_id=%s" % fx.outlet_id)
                         .json()["dead_letters"], [])
        self.assertError(s.admin.get("/api/v1/dead-letters?reason=maybe"), 400, "invalid_field", field="reason")
        r = s.client(fx.api_key).post("/api/v1/dead-letters/%s/retry" % ids[1])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["message_ids"], [ids[1]], r)
        r = s.client(fx.api_key).post("/api/v1/dead-letters/retry", {"reason": "in_doubt"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(r.json()["message_ids"]), sorted(ids[2:]), r)
        for mid in ids[1:]:
            s.wait_status(mid, harness.FINAL_OK, timeout=60)
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in ids[1:]})
        # a retried one is a dead letter no more: a second retry finds nothing
        self.assertError(s.client(fx.api_key).post("/api/v1/dead-letters/%s/retry" % ids[1]), 404, "not_found")

    def test_mark_read_in_doubt_is_resent_at_once_whatever_the_policy(self):
        # Meta sends no webhook for a mark-as-read, and repeating one changes nothing: waiting for a
        # settlement that never comes (default policy) would only leave it `unknown`.
        s = self.start_stack(sandbox_args=["--mps", "0", "--timeout-ms", "60000"],
                             gateway_sets={"engine.graph_timeout_ms": 50000})
        fx = s.default_fixture()
        wamid = s.sandbox.inbound(fx.phone_number_id, harness.recipient().lstrip("+"), "hello")["wamid"]
        s.sandbox.faults(timeout_rate=1.0)
        r = s.admin.post("/api/v1/messages/send", {"tenant_id": fx.tenant_id, "outlet_id": fx.outlet_id, "async": True,
                                                   "message_type": "mark_read", "mark_read": {"message_id": wamid}})
        self.assertEqual(r.status, 202, r)
        mid = r.json()["message_id"]
        wait_until(lambda: s.sandbox.stats()["held_requests"] == 1, 60, msg="the mark-as-read request held")
        self.assertEqual(s.status(mid)["status"], "sending")
        s.gateway.kill9()
        s.sandbox.faults(timeout_rate=0.0)
        t0 = time.monotonic()
        s.gateway.restart(sets={"engine.in_doubt_timeout_ms": 600000})  # default policy, a long timeout
        # any bound far below the 600 s in-doubt timeout proves it was not waited for
        st = s.wait_status(mid, "sent", timeout=120)
        self.assertLess(time.monotonic() - t0, 120, "resent without waiting for the in-doubt timeout")
        self.assertIsNone(st["whatsapp_message_id"], st)

    def test_kill9_at_high_throughput_resend_policy_sends_each_once(self):
        """Many concurrent requests at the kill make an accepted-but-unrecorded send likely; its webhook
        (matched by biz_opaque_callback_data) must settle it, not a resend."""
        s = self.start_stack(sandbox_args=["--mps", "0"])
        # hold sending back (1 mps) until everything is accepted, then full speed
        fx = s.default_fixture(throughput_mps=1)
        ids = self.accept_all(s, fx, 600)
        self.set_throughput(s, fx, 1000)
        wait_until(lambda: s.sandbox.stats()["accepted"] >= 100, 60, interval=0.01, msg="sending under way")
        s.gateway.kill9()
        at_kill = s.sandbox.stats()["accepted"]
        sys.stderr.write("\n[crash] high throughput: killed with %d accepted\n" % at_kill)
        s.gateway.restart(sets={"engine.in_doubt_policy": "resend", "engine.in_doubt_timeout_ms": 3000})
        wait_until(lambda: self.unsettled(s, fx) == 0, 120, interval=0.5, msg="no message queued or sending")
        counts = s.sandbox.accepted_by_biz()
        self.assertEqual({m: c for m, c in counts.items() if c != 1}, {}, "messages sent more than once")
        final = self.final_statuses(s, ids)
        # resend policy: none may be lost
        bad = {m: st["status"] for m, st in final.items() if st["status"] not in harness.FINAL_OK}
        self.assertEqual(bad, {})
        for m in ids:
            if final[m]["status"] in harness.FINAL_OK:
                self.assertEqual(counts.get(m), 1, final[m])

    def test_sigterm_mid_send_leaves_nothing_in_doubt(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        # 1 mps while accepting (a slow machine could otherwise send all 300 before the stop), then 40 mps
        fx = s.default_fixture(throughput_mps=1)
        ids = self.accept_all(s, fx, 300)
        self.set_throughput(s, fx, 40)
        wait_until(lambda: s.sandbox.stats()["accepted"] >= 40, 60, interval=0.05, msg="sending under way")
        # exit code 0 proves SIGTERM stopped it (after the grace it is SIGKILLed); at_stop below proves the
        # stop did not wait for the queue
        code = s.gateway.stop(grace=60)
        self.assertEqual(code, 0)
        at_stop = s.sandbox.stats()["accepted"]
        self.assertLess(at_stop, 300, "the stop should not wait for the whole queue")
        s.gateway.restart()  # default policy: an in-doubt message would end `unknown`
        wait_until(lambda: self.unsettled(s, fx) == 0 and len(s.sandbox.messages()) >= 300, 90, interval=0.5,
                   msg="all sent after the restart")
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in ids})
        final = self.final_statuses(s, ids)
        self.assertEqual({m: st["status"] for m, st in final.items() if st["status"] not in harness.FINAL_OK}, {})
        self.assertIn("in_doubt=0", s.gateway.log_text().split("test harness marker")[-1])

    def test_acknowledged_webhooks_survive_kill9(self):
        """A webhook answered 200 is journaled: statuses not yet applied at a kill -9 are applied after restart."""
        s = self.start_stack(connect_webhooks=False, sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        c = s.gateway.client(keepalive=True)
        msgs = []
        for i in range(40):
            r = s.send(fx, "journal %d" % i, client=c)
            self.assertEqual(r.status, 200, r)
            msgs.append((r.json()["message_id"], r.json()["whatsapp_message_id"]))
        c.close()
        for mid, wamid in msgs:
            payload = harness.status_payload(fx.phone_number_id, [harness.status_obj(wamid, "delivered", biz=mid),
                                                                  harness.status_obj(wamid, "read", biz=mid)])
            r = s.post_webhook(payload, fx.secrets["app_secret"])
            self.assertEqual(r.status, 200, r)
        s.gateway.kill9()
        s.gateway.restart()
        for mid, _ in msgs:
            s.wait_status(mid, "read", timeout=60)

    def test_accepted_message_survives_immediate_kill(self):
        """The message is committed before the 202: kill -9 right after the answers, nothing is lost."""
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        s.sandbox.faults(fail_rate=1.0)  # nothing can be accepted before the kill
        c = s.gateway.client(keepalive=True)
        ids = []
        for i in range(20):
            r = s.send(fx, "survive %d" % i, asynchronous=True, client=c)
            self.assertEqual(r.status, 202, r)
            ids.append(r.json()["message_id"])
        c.close()
        s.gateway.kill9()
        self.assertEqual(s.sandbox.messages(), [])
        s.gateway.restart(sets={"engine.in_doubt_policy": "resend", "engine.in_doubt_timeout_ms": 2000})
        s.sandbox.faults(fail_rate=0.0)
        for mid in ids:
            m = s.message(mid)
            self.assertTrue(m["message"].startswith("survive "), m)
        for mid in ids:
            s.wait_status(mid, harness.FINAL_OK, timeout=60)
        wait_until(lambda: self.unsettled(s, fx) == 0, 60, msg="all settled")
        self.assertEqual(s.sandbox.accepted_by_biz(), {m: 1 for m in ids})


if __name__ == "__main__":
    harness.main()
