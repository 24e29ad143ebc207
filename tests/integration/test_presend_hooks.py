"""Pre-send hooks (issue 11, acceptance 7): an application's endpoint allows, denies or changes a
message before it is accepted; when the hook is down its failure policy decides.

The hook is the Node events receiver (tests/integration/receiver), which verifies every call's
Standard Webhooks signature with the official `standardwebhooks` package and answers the verdict the
test sets. The sandbox shows what reached "Meta".
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from events_receiver import Receiver  # noqa: E402

EVENTS = {"events.allow_private_targets": "true"}


class PresendHookTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.s = self.start_stack(sandbox_args=["--mps", "0"], gateway_sets=EVENTS)
        self.fx = self.s.default_fixture()
        self.me = self.s.client(self.fx.api_key)
        self.rx = Receiver(self.tmp).start()
        self.track(self.rx.proc)

    def hook(self, name, **extra):
        body = dict({"url": self.rx.presend_url(name)}, **extra)
        r = self.me.post("/api/v1/hooks", body)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json()["secret"].startswith("whsec_"))
        self.rx.set_secrets(self.rx.secrets + [r.json()["secret"]])
        return r.json()

    def sandbox_texts(self, message_id):
        return [m["request"]["text"]["body"] for m in self.s.sandbox.messages_for(message_id)]

    def test_allow_passes_the_message_and_the_hook_sees_it_signed(self):
        self.hook("allow")  # the receiver allows by default
        to = harness.recipient()
        r = self.s.send(self.fx, "Your order shipped", to=to, client=self.me)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.sandbox_texts(r.json()["message_id"]), ["Your order shipped"])
        calls = self.rx.received("allow", kind="presend")
        self.assertEqual(len(calls), 1)
        call = calls[0]
        self.assertTrue(call["verified"], call)
        self.assertEqual(call["body"]["tenant_id"], self.fx.tenant_id)
        self.assertEqual(call["body"]["outlet_id"], self.fx.outlet_id)
        self.assertEqual(call["body"]["message"]["message"], "Your order shipped")
        self.assertEqual(call["body"]["message"]["to"], to)

    def test_deny_answers_422_and_queues_nothing(self):
        self.hook("deny")
        self.rx.presend("deny", {"action": "deny", "reason": "the customer opted out"})
        before = len(self.s.sandbox.messages())
        r = self.s.send(self.fx, "Buy now!!!", client=self.me)
        self.assertError(r, 422, "blocked_by_hook")
        self.assertEqual(r.json()["error"]["details"]["reason"], "the customer opted out")
        listed = self.me.get("/api/v1/messages?outlet_id=" + self.fx.outlet_id).json()["messages"]
        self.assertEqual(listed, [])
        harness.assert_stays(lambda: len(self.s.sandbox.messages()) == before, 0.5, msg="nothing sent")

    def test_modify_sends_the_changed_message_validated_again(self):
        self.hook("filter")
        to = harness.recipient()
        self.rx.presend("filter", {"action": "modify",
                                   "message": {"to": to, "message_type": "text", "message": "You **** idiot"}})
        r = self.s.send(self.fx, "You stupid idiot", to=to, client=self.me)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.sandbox_texts(r.json()["message_id"]), ["You **** idiot"])
        stored = self.me.get("/api/v1/messages/" + r.json()["message_id"]).json()
        self.assertEqual(stored["message"], "You **** idiot")
        self.assertEqual(stored["outlet_id"], self.fx.outlet_id)  # a hook cannot move a message elsewhere
        # A changed message that is not a valid send is refused, naming the hook.
        self.rx.presend("filter", {"action": "modify", "message": {"to": to, "message_type": "text", "message": ""}})
        r = self.s.send(self.fx, "hello", to=to, client=self.me)
        self.assertError(r, 422, "hook_modification_invalid")

    def test_a_hook_that_is_down_follows_its_failure_policy(self):
        open_hook = self.hook("open", failure_policy="fail_open", timeout_ms=300)
        self.rx.presend("open", status=500)
        r = self.s.send(self.fx, "through anyway", client=self.me)
        self.assertEqual(r.status, 200, r)  # fail_open: sent
        self.rx.presend("open", drop=True)
        r = self.s.send(self.fx, "through again", client=self.me)
        self.assertEqual(r.status, 200, r)

        self.assertEqual(self.me.delete("/api/v1/hooks/" + open_hook["id"]).status, 204)
        self.hook("closed", failure_policy="fail_closed", timeout_ms=300)
        self.rx.presend("closed", delay_ms=3000)  # slower than the hook's timeout
        started = time.monotonic()
        r = self.s.send(self.fx, "held back", client=self.me)
        self.assertError(r, 503, "hook_unavailable")
        self.assertLess(time.monotonic() - started, 2.5, "the timeout decides, not the hook")
        self.rx.presend("closed", {"action": "nonsense"})
        self.assertError(self.s.send(self.fx, "held back", client=self.me), 503, "hook_unavailable")

    def test_an_outlets_hook_takes_precedence_and_tenants_are_isolated(self):
        self.hook("tenant-wide")
        self.hook("outlet", outlet_id=self.fx.outlet_id)
        self.rx.presend("outlet", {"action": "deny", "reason": "outlet rule"})
        self.assertError(self.s.send(self.fx, "hi", client=self.me), 422, "blocked_by_hook")
        self.assertEqual(self.rx.received("tenant-wide", kind="presend"), [])
        # One hook per scope.
        r = self.me.post("/api/v1/hooks", {"url": self.rx.presend_url("again")})
        self.assertError(r, 409, "hook_exists")
        # Another tenant neither sees nor deletes them, nor hangs a hook on this tenant's outlet.
        other = self.s.default_fixture()
        them = self.s.client(other.api_key)
        self.assertEqual(them.get("/api/v1/hooks").json()["hooks"], [])
        mine = self.me.get("/api/v1/hooks").json()["hooks"]
        self.assertEqual(len(mine), 2)
        self.assertNotIn("secret", mine[0])
        self.assertEqual(them.delete("/api/v1/hooks/" + mine[0]["id"]).status, 404)
        r = them.post("/api/v1/hooks", {"url": self.rx.presend_url("x"), "outlet_id": self.fx.outlet_id})
        self.assertError(r, 404, "not_found")
        # Their sends are not hooked by this tenant's hooks.
        self.assertEqual(self.s.send(other, "free", client=them).status, 200)

    def test_bad_input(self):
        bad = [({"url": "ftp://example.com/x"}, "url"),
               ({"url": self.rx.presend_url("b"), "timeout_ms": 5}, "timeout_ms"),
               ({"url": self.rx.presend_url("b"), "failure_policy": "maybe"}, "failure_policy"),
               ({"url": self.rx.presend_url("b"), "secret": "not-base64!"}, "secret"),
               ({"url": self.rx.presend_url("b"), "surprise": 1}, "surprise"),
               ({}, "url")]
        for body, field in bad:
            r = self.me.post("/api/v1/hooks", body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertEqual(r.json()["error"].get("field"), field, (body, r))
        r = self.me.post("/api/v1/hooks", raw=b"{not json", headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)


if __name__ == "__main__":
    harness.main()
