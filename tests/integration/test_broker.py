"""RabbitMQ (issue 13, docs/broker.md): send commands consumed from a real, private rabbitmq-server and
acknowledged only once durably accepted; refusals dead-lettered with the reason; business events mapped
to template sends; the gateway's events published to a topic exchange with confirms; a gateway killed
with -9 and a broker restarted mid-run lose nothing and send nothing twice."""

import collections
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import rabbitmq  # noqa: E402

QUEUE = "wagate.commands"
DEAD = "wagate.commands.dead"
PO_BODY = "Order {{2}} for {{1}} approved: total {{3}}."


def phone(i):
    return "+49151%08d" % i


def metric(stack, name):
    r = stack.admin.get("/metrics")
    m = re.search(r"^%s(?:\{[^}]*\})? ([0-9.e+]+)$" % re.escape(name), r.body.decode(), re.M)
    return float(m.group(1)) if m else 0.0


@unittest.skipUnless(rabbitmq.available(), "rabbitmq-server or wagate-amqp missing (scripts/install-deps.sh)")
class BrokerTest(harness.WagateTestCase):
    rabbit = None

    @classmethod
    def setUpClass(cls):
        cls.rabbit_dir = harness.tempfile.mkdtemp(prefix="wagate-rabbit-")
        cls.rabbit = rabbitmq.PrivateRabbit(cls.rabbit_dir).start()

    @classmethod
    def tearDownClass(cls):
        if cls.rabbit:
            cls.rabbit.destroy()
        harness.shutil.rmtree(cls.rabbit_dir, ignore_errors=True)

    def broker_stack(self, suffix, sets=None, sandbox_args=("--mps", "0"), **fixture_kw):
        """A stack whose gateway consumes its own queue (names unique per test) and publishes events."""
        self.queue = "%s.%s" % (QUEUE, suffix)
        self.dead = "%s.%s" % (DEAD, suffix)
        self.events_exchange = "wagate.events.%s" % suffix
        gateway_sets = {"broker.url": self.rabbit.url, "broker.queue": self.queue,
                        "broker.dead_letter_exchange": "wagate.dlx.%s" % suffix,
                        "broker.dead_letter_queue": self.dead, "broker.events_exchange": self.events_exchange,
                        "broker.reconnect_max_ms": "1000", "events.poll_ms": "50"}
        gateway_sets.update(sets or {})
        s = self.start_stack(sandbox_args=list(sandbox_args), gateway_sets=gateway_sets)
        fx = s.default_fixture(throughput_mps=1000, **fixture_kw)
        self.wait_broker_connected(s)
        return s, fx

    def wait_broker_connected(self, s, timeout=60):
        def up():
            r = s.admin.get("/readyz")
            b = r.json().get("broker", {}) if r.status == 200 else {}
            return b.get("consumer", {}).get("connected") and b.get("publisher", {}).get("connected")
        harness.wait_until(up, timeout, msg="broker links connected")

    def command(self, fx, i, **extra):
        body = {"tenant_key": fx.api_key, "outlet_id": fx.outlet_id, "to": phone(i), "message_type": "text",
                "message": "Order %d is ready" % i}
        body.update(extra)
        return body

    def publish(self, bodies, ids=None):
        msgs = []
        for n, b in enumerate(bodies):
            m = {"body": b if isinstance(b, str) else json.dumps(b)}
            if ids is not None and ids[n] is not None:
                m["message_id"] = ids[n]
            msgs.append(m)
        return self.rabbit.publish(self.queue, msgs)

    def sandbox_per_recipient(self, s):
        return collections.Counter(m["to"].lstrip("+") for m in s.sandbox.messages())

    def wait_sent(self, s, numbers, timeout=180):
        want = {n.lstrip("+") for n in numbers}

        def done():
            got = self.sandbox_per_recipient(s)
            return want <= set(got)
        harness.wait_until(done, timeout, interval=0.5, msg="%d recipients reached the sandbox" % len(want))
        return self.sandbox_per_recipient(s)

    # --- acceptance 1: 10,000 commands, each sent exactly once, all acked

    def test_ten_thousand_commands_each_sent_once_and_acked(self):
        s, fx = self.broker_stack("bulk", sets={"broker.prefetch": "500"})
        n = 10000
        self.publish([self.command(fx, i) for i in range(n)], ids=["cmd-%d" % i for i in range(n)])
        got = self.wait_sent(s, [phone(i) for i in range(n)], timeout=300)
        self.assertEqual(len(got), n)
        self.assertEqual(max(got.values()), 1, "a command was sent twice")
        harness.wait_until(lambda: metric(s, "wagate_broker_acked_total") == n, 30, msg="all acked")
        self.assertEqual(metric(s, "wagate_broker_consumed_total"), n)
        self.assertEqual(metric(s, "wagate_broker_dead_lettered_total"), 0)
        self.assertEqual(self.rabbit.consume(self.queue, 1, timeout_s=2), [], "the queue is empty")

    # --- acceptance 2: refusals dead-lettered with the reason, valid ones unaffected

    def test_invalid_commands_dead_lettered_with_reason(self):
        s, fx = self.broker_stack("invalid")
        capped = s.default_fixture(monthly_quota=1, throughput_mps=1000)
        bodies = [
            self.command(fx, 1),
            "{not json",
            self.command(fx, 2, tenant_key="wrong-key"),
            self.command(fx, 3, to="12"),
            {k: v for k, v in self.command(fx, 4).items() if k != "tenant_key"},  # no key, no bound tenant
            self.command(fx, 5, mesage_type="text"),
            self.command(fx, 6),
            {"event": "invoice.paid", "id": 7},  # no mapping for it
            self.command(capped, 8),
            self.command(capped, 9),  # over the tenant's monthly quota of 1
            self.command(fx, 10, outlet_id=capped.outlet_id),  # another tenant's outlet
            self.command(fx, 11),
        ]
        self.publish(bodies, ids=["inv-%d" % i for i in range(len(bodies))])
        self.wait_sent(s, [phone(1), phone(6), phone(8), phone(11)])
        letters = self.rabbit.consume(self.dead, 8, timeout_s=30)
        by_id = {m.get("message_id"): m for m in letters}
        expected = {"inv-1": "invalid_json", "inv-2": "unauthorized", "inv-3": "invalid_phone_number",
                    "inv-4": "unauthorized", "inv-5": "invalid_field", "inv-7": "unmapped_event",
                    "inv-9": None, "inv-10": "not_found"}
        self.assertEqual(set(by_id), set(expected), letters)
        for mid, code in expected.items():
            h = by_id[mid]["headers"]
            self.assertIn("x-wagate-error", h, by_id[mid])
            if code:
                self.assertEqual(h["x-wagate-error-code"], code, h)
            self.assertTrue(h["x-wagate-error"].startswith(h["x-wagate-error-code"] + ": "), h)
        self.assertIn("quota", by_id["inv-9"]["headers"]["x-wagate-error"])
        self.assertEqual(by_id["inv-5"]["headers"]["x-wagate-error-field"], "mesage_type")
        self.assertEqual(by_id["inv-1"]["body"], "{not json", "the dead letter keeps the original body")
        for m in letters:  # the dead letter keeps the body as sent, but no header repeats a key
            self.assertNotIn(fx.api_key, json.dumps(m["headers"]))
        log = s.gateway.log_text()
        self.assertNotIn(fx.api_key, log)
        self.assertNotIn("guest:guest", log, "the broker URL's password is never logged")
        harness.wait_until(lambda: metric(s, "wagate_broker_dead_lettered_total") == 8, 30, msg="8 dead letters")
        self.assertEqual(metric(s, "wagate_broker_acked_total"), 4)
        got = self.sandbox_per_recipient(s)
        self.assertEqual(sorted(got), sorted(p.lstrip("+") for p in (phone(1), phone(6), phone(8), phone(11))))
        self.assertEqual(self.rabbit.consume(self.queue, 1, timeout_s=2), [], "nothing left unacknowledged")

    # --- acceptance 3: kill -9 mid-consumption; redeliveries deduplicated

    def test_kill9_mid_consumption_sends_every_command_once(self):
        s, fx = self.broker_stack("crash", sets={"engine.in_doubt_policy": "resend",
                                                 "engine.in_doubt_timeout_ms": "10000"})
        n = 3000
        self.publish([self.command(fx, i) for i in range(n)], ids=["crash-%d" % i for i in range(n)])
        harness.wait_until(lambda: metric(s, "wagate_broker_acked_total") >= 300, 60, interval=0.02,
                           msg="consumption under way")
        s.gateway.kill9()
        s.gateway.restart()
        self.wait_broker_connected(s)
        got = self.wait_sent(s, [phone(i) for i in range(n)], timeout=300)
        self.assertEqual(len(got), n)
        dupes = {k: v for k, v in got.items() if v > 1}
        self.assertEqual(dupes, {}, "commands sent twice after the crash")
        self.assertEqual(self.rabbit.consume(self.queue, 1, timeout_s=2), [], "everything acknowledged")

    # --- acceptance 4: the broker restarted mid-run

    def test_broker_restart_loses_nothing_and_sends_nothing_twice(self):
        s, fx = self.broker_stack("restart")
        events_queue = "events.restart"
        self.rabbit.bind(events_queue, self.events_exchange, "tenant.%s.message.sent" % fx.tenant_id)
        n = 1500
        self.publish([self.command(fx, i) for i in range(n)], ids=["rs-%d" % i for i in range(n)])
        harness.wait_until(lambda: metric(s, "wagate_broker_acked_total") >= 200, 60, interval=0.02,
                           msg="consumption under way")
        self.rabbit.restart()
        self.wait_broker_connected(s, timeout=90)
        more = 500
        self.publish([self.command(fx, i) for i in range(n, n + more)], ids=["rs-%d" % i for i in range(n, n + more)])
        got = self.wait_sent(s, [phone(i) for i in range(n + more)], timeout=300)
        self.assertEqual(len(got), n + more)
        self.assertEqual(max(got.values()), 1, "a command was sent twice")
        self.assertGreaterEqual(metric(s, "wagate_broker_consumer_reconnects_total"), 1)
        self.assertGreaterEqual(metric(s, "wagate_broker_publisher_reconnects_total"), 1)
        # Every message.sent event reaches the bound queue (at least once: a publish the broker had not
        # confirmed when it went down is published again, with the same message_id).
        seen = set()
        deadline = time.monotonic() + 120
        while len(seen) < n + more and time.monotonic() < deadline:
            for e in self.rabbit.consume(events_queue, 5000, timeout_s=3):
                seen.add(json.loads(e["body"])["data"]["to"])
        self.assertEqual(len(seen), n + more, "message.sent events lost across the broker restart")

    # --- acceptance 5: a business event mapped to a template send

    def test_po_approved_event_becomes_po_notification(self):
        s, fx = self.broker_stack("po")
        s.link_outlet_waba(fx)
        s.sandbox.seed_template(fx.outlet["waba_id"], "po_notification", "es", [{"type": "BODY", "text": PO_BODY}])
        s.sync_templates(fx)
        config = os.path.join(self.tmp, "mappings.toml")
        with open(config, "w") as f:
            f.write('[[broker.mappings]]\nevent = "po.approved"\noutlet_id = "%s"\ntemplate = "po_notification"\n'
                    'language = "es"\nto = "supplier.phone"\nparameters = ["supplier.name", "po_number", "total"]\n'
                    'idempotency_key = "po_number"\n' % fx.outlet_id)
        s.gateway.config = config
        s.gateway.restart()
        self.wait_broker_connected(s)
        event = {"event": "po.approved", "supplier": {"name": "ACME Supplies", "phone": "+49 151 2345 6789"},
                 "po_number": "PO-2026-0042", "total": 1234.5}
        broken = {"event": "po.approved", "supplier": {"name": "No Phone Ltd"}, "po_number": "PO-2026-0043",
                  "total": 10}
        self.publish([event, broken, event])  # the repeat (same po_number) is the same message
        harness.wait_until(lambda: s.sandbox.messages(), 60, msg="the template message")
        letters = self.rabbit.consume(self.dead, 1, timeout_s=20)
        self.assertEqual(len(letters), 1, letters)
        self.assertEqual(letters[0]["headers"]["x-wagate-error-code"], "mapping_failed")
        self.assertIn("supplier.phone", letters[0]["headers"]["x-wagate-error"])
        harness.wait_until(lambda: metric(s, "wagate_broker_acked_total") == 2, 30, msg="both events acked")
        msgs = s.sandbox.messages()
        self.assertEqual(len(msgs), 1, msgs)
        m = msgs[0]["request"]
        self.assertEqual(m["to"].lstrip("+"), "4915123456789")
        self.assertEqual(m["type"], "template")
        self.assertEqual(m["template"]["name"], "po_notification")
        self.assertEqual(m["template"]["language"]["code"], "es")
        params = [p["text"] for p in m["template"]["components"][0]["parameters"]]
        self.assertEqual(params, ["ACME Supplies", "PO-2026-0042", "1234.5"])

    # --- acceptance 6: events on a bound queue, one per state change, in order per message

    def test_events_published_in_order_per_message(self):
        s, fx = self.broker_stack("events", sandbox_args=("--mps", "0", "--delay-sent-ms", "20",
                                                          "--delay-delivered-ms", "60", "--delay-read-ms", "120"))
        events_queue = "events.order"
        self.rabbit.bind(events_queue, self.events_exchange, "tenant.%s.message.#" % fx.tenant_id)
        ids = []
        for i in range(20):
            r = s.send(fx, to=phone(500 + i), asynchronous=True)
            self.assertEqual(r.status, 202, r)
            ids.append(r.json()["message_id"])
        per_message = collections.defaultdict(list)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not all(len(per_message[i]) >= 4 for i in ids):
            for e in self.rabbit.consume(events_queue, 1000, timeout_s=2):
                body = json.loads(e["body"])
                self.assertEqual(e["routing_key"], "tenant.%s.%s" % (fx.tenant_id, body["type"]))
                self.assertTrue(e["message_id"].startswith("evt_"), e)
                per_message[body["data"]["message_id"]].append(body["type"])
        for mid in ids:
            self.assertEqual(per_message[mid], ["message.queued", "message.sent", "message.delivered", "message.read"],
                             mid)
        harness.wait_until(lambda: metric(s, "wagate_broker_confirmed_total") >= 80, 30, msg="confirmed")
        # The outbox keeps nothing the broker confirmed.
        r = s.admin.get("/api/v1/subscriptions/sub_broker/deliveries?status=pending")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["deliveries"], [], r)


if __name__ == "__main__":
    unittest.main()
