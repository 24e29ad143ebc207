"""Conversations driven end to end by the sandbox's simulated customers (issue 10, acceptance 4, 5, 6).

A customer writes (text, media, a reply with context, a button tap), reacts to the gateway's message
(set, change, remove), the gateway's own sends join the same conversation with their delivery status,
the conversation is marked read with Meta's read receipt, and a phone_number_quality_update from Meta
raises the outlet's tier so messages held by `messaging_tier` leave at once.
"""

import hashlib
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

# Fast status webhooks: sent → delivered → read within ~0.2 s of acceptance.
FAST_SANDBOX = ["--mps", "0", "--delay-sent-ms", "20", "--delay-delivered-ms", "60", "--delay-read-ms", "120"]


class ConversationTestBase(harness.WagateTestCase):
    def conversations(self, client, **query):
        r = client.get("/api/v1/conversations?" + urllib.parse.urlencode(query))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def conversation_of(self, client, outlet_id, wa_id):
        for c in self.conversations(client, outlet_id=outlet_id, limit=200)["conversations"]:
            if c["customer"]["wa_id"] == wa_id:
                return c
        return None

    def history(self, client, conversation_id, **query):
        r = client.get("/api/v1/conversations/%s/messages?%s" % (conversation_id, urllib.parse.urlencode(query)))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_conversation(self, client, fx, wa_id, cond, msg):
        def check():
            c = self.conversation_of(client, fx.outlet_id, wa_id)
            return c if c is not None and cond(c) else None
        return wait_until(check, 20, interval=0.05, msg=msg)

    def customer_writes(self, s, fx, customer, ts, **body):
        body = dict(body, phone_number_id=fx.phone_number_id, **{"from": customer}, timestamp=ts)
        body.setdefault("name", "Ana Lima")  # Meta sends the profile name with every message
        r = s.sandbox.inbound_message(body)
        self.assertTrue(r.get("webhook_scheduled"), r)
        return r


class ConversationFlowTest(ConversationTestBase):
    def test_customers_and_the_gateway_talk_in_one_conversation(self):
        s = self.start_stack(sandbox_args=FAST_SANDBOX, graph_proxy=True)
        fx = s.default_fixture()
        s.link_outlet_waba(fx)
        me = s.client(fx.api_key)
        customer = harness.recipient()
        wa_id = customer.lstrip("+")
        t0 = int(time.time())

        # The business writes first (a CRM thread id rides along), and Meta reports it delivered and read.
        r = me.post("/api/v1/messages/send", {"outlet_id": fx.outlet_id, "to": customer, "message_type": "text",
                                              "text": {"body": "Your order shipped"}, "conversation_id": "crm-42"})
        self.assertEqual(r.status, 200, r)
        out_id, out_wamid = r.json()["message_id"], r.json()["whatsapp_message_id"]
        s.wait_status(out_id, "read", timeout=30)

        # The customer answers: text (with a profile name), an image, a reply quoting our message, a button tap.
        self.customer_writes(s, fx, customer, t0 + 2, text="Thanks!")
        image = self.customer_writes(s, fx, customer, t0 + 3, type="image",
                                     image={"mime_type": "image/jpeg", "size": 1500, "caption": "the box"})
        self.customer_writes(s, fx, customer, t0 + 4, text="is it insured?", context={"id": out_wamid})
        tap = self.customer_writes(s, fx, customer, t0 + 5, type="interactive", context={"id": out_wamid},
                                   interactive={"type": "button_reply",
                                                "button_reply": {"id": "yes", "title": "Yes please"}})
        c = self.wait_conversation(me, fx, wa_id, lambda c: c["unread_count"] == 4, "four unread messages")
        self.assertEqual(c["customer"], {"wa_id": wa_id, "phone": customer, "name": "Ana Lima"})
        self.assertEqual(c["last_message"]["direction"], "inbound")
        self.assertEqual(c["last_message"]["type"], "interactive")
        self.assertEqual(c["last_message"]["preview"], "Yes please")
        self.assertTrue(c["service_window"]["open"], c)
        self.assertIsNotNone(c["last_inbound_at"])

        items = self.history(me, c["id"])["messages"]
        self.assertEqual([(m["direction"], m["type"]) for m in items],
                         [("outbound", "text"), ("inbound", "text"), ("inbound", "image"), ("inbound", "text"),
                          ("inbound", "interactive")], items)
        out = items[0]
        self.assertEqual((out["id"], out["whatsapp_message_id"], out["status"], out["conversation_id"]),
                         (out_id, out_wamid, "read", "crm-42"), out)
        self.assertEqual(out["content"], {"body": "Your order shipped", "preview_url": False}
                         if "preview_url" in (out["content"] or {}) else {"body": "Your order shipped"}, out)
        self.assertIsNotNone(out["read_at"], out)
        self.assertEqual(items[1]["content"], {"body": "Thanks!"})
        self.assertEqual(items[1]["status"], "received")
        self.assertEqual(items[2]["content"]["id"], image["media_id"])
        self.assertEqual(items[2]["content"]["caption"], "the box")
        self.assertEqual(items[2]["media_id"], image["media_id"])
        self.assertEqual(items[3]["context"]["id"], out_wamid, items[3])
        self.assertEqual(items[4]["whatsapp_message_id"], tap["wamid"])
        self.assertEqual(items[4]["content"]["button_reply"], {"id": "yes", "title": "Yes please"})
        self.assertEqual(self.history(me, c["id"], direction="outbound")["messages"][0]["id"], out_id)
        self.assertEqual(len(self.history(me, c["id"], direction="inbound")["messages"]), 4)

        # The inbound image downloads through the media API, authorised by the conversation's tenant.
        r = me.get("/api/v1/media/%s/content?outlet_id=%s" % (image["media_id"], fx.outlet_id))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), image["sha256"])

        # Reactions to our message: set, change, remove (no unread increment); a late older one changes nothing.
        def react(ts, emoji):
            body = {"message_id": out_wamid}
            if emoji:
                body["emoji"] = emoji
            self.customer_writes(s, fx, customer, ts, type="reaction", reaction=body)

        def reactions():
            return self.history(me, c["id"], limit=1)["messages"][0]["reactions"]

        react(t0 + 10, "👍")
        wait_until(lambda: [x["emoji"] for x in reactions()] == ["👍"], 20, msg="reaction set")
        react(t0 + 12, "❤️")
        wait_until(lambda: [x["emoji"] for x in reactions()] == ["❤️"], 20, msg="reaction changed")
        self.assertEqual(reactions()[0]["from"], wa_id)
        react(t0 + 11, "😮")  # older than the heart: arrives late, changes nothing
        react(t0 + 13, None)
        wait_until(lambda: reactions() == [], 20, msg="reaction removed")
        self.assertEqual(self.conversation_of(me, fx.outlet_id, wa_id)["unread_count"], 4)

        # The caller finds its own thread by its conversation_id.
        r = me.get("/api/v1/messages?conversation_id=crm-42")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["message_id"] for m in r.json()["messages"]], [out_id])

        # Read, with Meta's read receipt for the newest customer message, through the lane.
        posts_before = len(s.proxy.requests("POST"))
        r = me.post("/api/v1/conversations/%s/read" % c["id"], {"receipt": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["unread_count"], 0)
        receipt_id = r.json()["receipt"]["message_id"]
        s.wait_status(receipt_id, "sent", timeout=30)

        def receipt_posted():
            for p in s.proxy.requests("POST")[posts_before:]:
                body = json.loads(p["body"])
                if body.get("status") == "read":
                    return body
            return None
        self.assertEqual(wait_until(receipt_posted, 20, msg="the read receipt reached the sandbox"),
                         {"messaging_product": "whatsapp", "status": "read", "message_id": tap["wamid"]})
        self.assertEqual(self.conversations(me, outlet_id=fx.outlet_id, unread="true")["conversations"], [])
        # The receipt is not a message of the conversation.
        self.assertEqual(len(self.history(me, c["id"])["messages"]), 5)

        # Every payload's outcome is visible to its tenant.
        r = me.get("/api/v1/webhook-events?outcome=applied&limit=500")
        self.assertEqual(r.status, 200, r)
        applied = r.json()["events"]
        self.assertGreaterEqual(sum(e["counts"].get("messages", 0) for e in applied), 4, applied)
        self.assertGreaterEqual(sum(e["counts"].get("reactions", 0) for e in applied), 3, applied)

        # Another tenant sees none of it.
        other = s.default_fixture()
        them = s.client(other.api_key)
        for path in ("/api/v1/conversations/%s" % c["id"], "/api/v1/conversations/%s/messages" % c["id"]):
            self.assertError(them.get(path), 404, "not_found")
        self.assertError(them.post("/api/v1/conversations/%s/read" % c["id"], {}), 404, "not_found")
        self.assertEqual(self.conversations(them)["conversations"], [])
        self.assertEqual(them.get("/api/v1/webhook-events").json()["events"], [])
        self.assertError(them.get("/api/v1/conversations?outlet_id=%s" % fx.outlet_id), 404, "not_found")

        # Bad queries are refused by name.
        for q in ("limit=0", "limit=x", "cursor=garbage", "updated_since=yesterday", "unread=maybe"):
            self.assertError(me.get("/api/v1/conversations?" + q), 400, "invalid_field", msg=q)
        for q in ("direction=sideways", "cursor=1.x.y", "limit=1000"):
            self.assertError(me.get("/api/v1/conversations/%s/messages?%s" % (c["id"], q)), 400, "invalid_field",
                             msg=q)
        self.assertError(me.post("/api/v1/conversations/%s/read" % c["id"], raw=b"{nope"), 400, "invalid_json")
        self.assertError(me.post("/api/v1/conversations/%s/read" % c["id"], {"receipt": "yes"}), 400,
                         "invalid_field")
        self.assertError(me.get("/api/v1/webhook-events?outcome=great"), 400, "invalid_field")
        self.assertError(me.get("/api/v1/conversations/cnv_unknown"), 404, "not_found")

    def test_pages_have_no_gaps_or_repeats_while_messages_arrive(self):
        s = self.start_stack(sandbox_args=FAST_SANDBOX)
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        customer = harness.recipient()
        t0 = int(time.time()) - 1000
        for i in range(12):
            self.customer_writes(s, fx, customer, t0 + i, text="m%d" % i)
        c = self.wait_conversation(me, fx, customer.lstrip("+"), lambda c: c["unread_count"] == 12, "12 messages")
        seen, cursor, arrived = [], None, 12
        for _ in range(30):
            q = {"limit": 5}
            if cursor:
                q["cursor"] = cursor
            page = self.history(me, c["id"], **q)
            seen += [m["content"]["body"] for m in page["messages"]]
            cursor = page["next_cursor"]  # after the last item: also where newer ones will appear
            if arrived < 18:  # new messages keep arriving between pages
                self.customer_writes(s, fx, customer, t0 + 100 + arrived, text="m%d" % arrived)
                arrived += 1
                self.wait_conversation(me, fx, customer.lstrip("+"), lambda c, n=arrived: c["unread_count"] == n,
                                       "message %d applied" % arrived)
            elif not page["messages"]:
                break
        self.assertEqual(seen, ["m%d" % i for i in range(18)])

        # The conversation list pages the same way (newest first).
        for _ in range(11):
            self.customer_writes(s, fx, harness.recipient(), int(time.time()), text="hi")
        wait_until(lambda: len(self.conversations(me, outlet_id=fx.outlet_id, limit=200)["conversations"]) == 12, 20,
                   msg="12 conversations")
        ids, cursor = [], None
        for _ in range(10):
            q = {"outlet_id": fx.outlet_id, "limit": 5}
            if cursor:
                q["cursor"] = cursor
            page = self.conversations(me, **q)
            ids += [x["id"] for x in page["conversations"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(ids), 12)
        self.assertEqual(len(set(ids)), 12)
        newest = self.conversations(me, outlet_id=fx.outlet_id, limit=1)["conversations"][0]
        since = self.conversations(me, outlet_id=fx.outlet_id, updated_since=newest["updated_at"])["conversations"]
        self.assertIn(newest["id"], [x["id"] for x in since])


class LargePayloadTest(ConversationTestBase):
    def test_a_three_megabyte_batch_from_meta_is_taken_and_applied(self):
        """Meta batches up to 3 MB per POST: larger than the API's 1 MiB limit, still accepted whole."""
        s = self.start_stack(connect_webhooks=False)
        fx = s.default_fixture()
        me = s.client(fx.api_key)
        customer = harness.recipient().lstrip("+")
        now = int(time.time())
        messages = [{"from": customer, "id": "wamid.BIG%05d" % i, "timestamp": str(now - 1000 + i), "type": "text",
                     "text": {"body": ("%05d " % i) + "x" * 4000}} for i in range(720)]
        payload = harness.webhook_payload([(fx.outlet["waba_id"], [harness.change_value(
            fx.phone_number_id, messages=messages, contacts=[{"profile": {"name": "Big"}, "wa_id": customer}])])])
        body = harness.encode_payload(payload)
        self.assertGreater(len(body), 2_900_000)
        self.assertLess(len(body), 3_000_000)
        r = s.post_webhook(payload, fx.secrets["app_secret"], raw=body)
        self.assertEqual(r.status, 200, r)
        c = self.wait_conversation(me, fx, customer, lambda c: c["unread_count"] == 720, "720 messages applied")
        self.assertEqual(c["last_message"]["preview"][:6], "00719 ")
        events = me.get("/api/v1/webhook-events?limit=1").json()["events"]
        self.assertEqual(events[0]["counts"], {"messages": 720}, events)
        self.assertEqual(events[0]["bytes"], len(body))


class QualityUpdateTest(ConversationTestBase):
    def test_a_higher_tier_from_meta_releases_held_messages(self):
        s = self.start_stack(sandbox_args=FAST_SANDBOX + ["--tier", "2"])
        fx = s.default_fixture(messaging_tier=2)
        s.link_outlet_waba(fx)
        ids = []
        for i in range(4):
            r = s.send(fx, "offer %d" % i, asynchronous=True)
            self.assertEqual(r.status, 202, r)
            ids.append(r.json()["message_id"])

        def held():
            st = [s.status(m) for m in ids]
            waiting = [m for m in st if m["status"] == "queued" and m["deferred_reason"] == "messaging_tier"]
            return waiting if len(waiting) == 2 else None
        waiting = wait_until(held, 20, interval=0.1, msg="two messages held by the messaging tier")

        r = s.sandbox.quality(fx.phone_number_id, "TIER_10K", event="UPGRADE", old_limit="TIER_250")
        self.assertTrue(r["webhook_scheduled"], r)
        for m in waiting:
            s.wait_status(m["message_id"], harness.FINAL_OK, timeout=20)

        outlet = s.admin.get("/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id)).json()
        self.assertEqual(outlet["messaging_tier"], 10000, outlet)
        signal = outlet["signals"]["phone_number_quality_update"]
        self.assertEqual(signal["value"]["current_limit"], "TIER_10K", signal)
        self.assertIsNotNone(signal["at"])
        events = s.admin.get("/api/v1/webhook-events?outcome=applied").json()["events"]
        self.assertTrue(any(e["counts"].get("signals") for e in events), events)


if __name__ == "__main__":
    harness.main()
