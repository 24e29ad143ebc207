"""A corpus of Meta-shaped webhook payloads run through the real receiver (acceptance point 1 of issue 10).

Every file in inbound_corpus/ is one case: a payload exactly as Meta would POST it to
/webhooks/whatsapp (or a broken body), how it is signed, and what it must do, declaratively:
the receiver's HTTP answer, the recorded webhook event (outcome, reason, counts), and the effect on the
conversations API, on outbound messages (statuses, errors, pricing), on outlets (messaging tier,
signals) and on the template registry. This file is the one generic runner; the cases are data.

Case file format ("name", "description", "payload" and "expect" required; the rest optional):

    {"name": "...", "description": "...",
     "payload": <Meta's JSON>, or a string sent as is (malformed bodies),
     "signature": "valid" | "wrong" | "missing",   # default valid
     "signed_by": "1" | "2",        # whose app secret signs it (default "1"; each outlet is its own Meta app)
     "before": [<payload>, ...],    # earlier deliveries of the same case, posted (valid) and applied first
     "redelivered": true,           # the payload itself is delivered once before: the checked one is Meta's retry
     "sends": {"<label>": {"outlet": "1", "to": "{{CUSTOMER}}"}},  # outbound messages sent first (default: one
                                    # per {{SENT_WAMID[:label]}}/{{SENT_ID[:label]}} used, outlet 1, to {{CUSTOMER}})
     "templates": [{"label": "x", "outlet": "1", "language": "en", "status": "PENDING"}],  # seeded and synced first
     "expect": {
       "http_status": 200, "error_code": "invalid_signature",
       "event": {"outcome": "applied", "reason": null, "counts": {...},   # counts compared exactly
                 "tenants": ["1"]},     # which tenants' keys list the event (default derived from the payload)
       "conversations": [{"outlet": "1", "wa_id": "{{CUSTOMER}}", "exists": true,
                          <any subset of the conversation JSON>, "history": [<subset of each history item>]}],
       "messages": [{"message_id": "{{SENT_ID}}", <subset of GET /api/v1/messages/{id}>}],
       "outlets": {"2": {<subset of the outlet JSON>}},
       "templates": [{"label": "x", <subset of the template JSON>}]}}

Placeholders, substituted in every string of a case so that cases never share state: {{PNID}}, {{PNID2}}
(outlet 2, another tenant), {{UNKNOWN_PNID[:label]}}, {{WABA}}, {{WABA2}}, {{OUTLET_ID}}, {{OUTLET2_ID}},
{{DISPLAY}} (both outlets' display number, digits), {{CUSTOMER[:label]}} (a fresh wa_id),
{{WAMID[:label]}} (a fresh wamid), {{NOW[+-N]}} (unix seconds, after the case's sends), {{ISO:NOW[+-N]}}
(the same time as the API renders it),
{{SENT_WAMID[:label]}} / {{SENT_ID[:label]}} (an outbound message sent first, and waited to be `sent`),
{{TEMPLATE[:label]}} / {{TEMPLATE_ID[:label]}}. A string that is exactly "{{#...}}" becomes a JSON
number (entry[].time is an integer in Meta's payloads).

Subset matching: objects are compared key by key (keys not named are not checked), lists must have the
same length (element by element), scalars must be equal; the string "<set>" matches any non-null value.
Beyond what a case says, every inbound history item is checked against the payload that carried it:
`content` is the type's object as Meta sent it ({} when it sent none), `referral` and `errors`
likewise. Every conversation named is also checked through the other views of it: the owner tenant's key
sees it, the other tenant's key gets 404 (conversation and history) and does not list it; the unread,
updated_since and direction filters agree; the history read one and two items at a time through its
cursors is the same. Every event's `bytes` is the body's size and the outcome filter lists it.

The sandbox sends no webhooks of its own here (connect_webhooks=False): every event the gateway records
is one a case posted, so "the events with an id above the largest before posting" are the case's own.
"""

import datetime
import glob
import json
import os
import re
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CORPUS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inbound_corpus")
DISPLAY_NUMBER = "15550783881"
ANY = "<set>"
PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
NOW_EXPR = re.compile(r"^NOW([+-]\d+)?$")


def load_cases():
    cases = []
    for path in sorted(glob.glob(os.path.join(CORPUS_DIR, "*.json"))):
        with open(path, encoding="utf-8") as f:
            try:
                case = json.load(f)
            except ValueError as e:
                raise AssertionError("%s is not valid JSON: %s" % (path, e))
        case["_file"] = os.path.basename(path)
        cases.append(case)
    return cases


def iso(seconds):
    """Unix seconds → the API's timestamp format (UTC, milliseconds)."""
    dt = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def match_subset(expected, actual, path="$"):
    """The differences between `expected` (a subset) and `actual`, as readable lines."""
    if expected == ANY:
        return [] if actual is not None else ["%s: expected a value, got null" % path]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return ["%s: expected an object, got %s" % (path, json.dumps(actual, ensure_ascii=False))]
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append("%s.%s: missing (expected %s)" % (path, k, json.dumps(v, ensure_ascii=False)))
            else:
                out += match_subset(v, actual[k], "%s.%s" % (path, k))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return ["%s: expected a list, got %s" % (path, json.dumps(actual, ensure_ascii=False))]
        if len(expected) != len(actual):
            return ["%s: expected %d items, got %d: %s" % (path, len(expected), len(actual),
                                                          json.dumps(actual, ensure_ascii=False)[:1500])]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += match_subset(e, a, "%s[%d]" % (path, i))
        return out
    # bool is an int in Python: True must not pass for 1.
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return ["%s: expected %s, got %s" % (path, json.dumps(expected, ensure_ascii=False),
                                            json.dumps(actual, ensure_ascii=False))]
    return []


class CaseContext:
    """The fresh values of one case, created on first use of each placeholder."""

    def __init__(self, suite):
        self.suite = suite
        self.now = None  # fixed once the case's outbound messages are sent
        self.values = {}
        self.sent = {}  # label → {"message_id", "wamid", "to"}
        self.templates = {}  # label → {"name", "id", "language", "outlet"}

    def fresh(self, kind, label):
        key = (kind, label)
        if key not in self.values:
            if kind == "CUSTOMER":
                self.values[key] = harness.recipient().lstrip("+")
            elif kind == "WAMID":
                self.values[key] = "wamid.HBgLCORPUS" + harness.rand_token(n=20)
            elif kind == "UNKNOWN_PNID":
                self.values[key] = harness.rand_phone_number_id()
            elif kind == "TEMPLATE":
                self.values[key] = "corpus_" + harness.rand_token(n=10).lower()
        return self.values[key]

    def resolve(self, token):
        name, _, label = token.partition(":")
        s = self.suite
        if name == "PNID":
            return s.outlet(1)["phone_number_id"]
        if name == "PNID2":
            return s.outlet(2)["phone_number_id"]
        if name == "WABA":
            return s.outlet(1)["waba_id"]
        if name == "WABA2":
            return s.outlet(2)["waba_id"]
        if name == "OUTLET_ID":
            return s.outlet(1)["id"]
        if name == "OUTLET2_ID":
            return s.outlet(2)["id"]
        if name == "DISPLAY":
            return DISPLAY_NUMBER
        if name in ("CUSTOMER", "WAMID", "UNKNOWN_PNID", "TEMPLATE"):
            return self.fresh(name, label)
        if name in ("SENT_WAMID", "SENT_ID"):
            if label not in self.sent:
                raise KeyError("{{%s}} used but message %r was not sent first" % (token, label))
            return self.sent[label]["wamid" if name == "SENT_WAMID" else "message_id"]
        if name == "TEMPLATE_ID":
            return self.templates[label]["id"]
        if name == "ISO":
            return iso(self.seconds(label))
        if NOW_EXPR.match(name):
            return str(self.seconds(name))
        raise KeyError("unknown placeholder {{%s}}" % token)

    def seconds(self, expr):
        m = NOW_EXPR.match(expr)
        if not m or self.now is None:
            raise KeyError("bad time placeholder %r" % expr)
        return self.now + int(m.group(1) or 0)

    def substitute(self, value):
        if isinstance(value, dict):
            return {self.substitute(k): self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, str):
            whole = re.fullmatch(r"\{\{#([^{}]+)\}\}", value)
            if whole:
                return int(self.resolve(whole.group(1)))
            return PLACEHOLDER.sub(lambda m: self.resolve(m.group(1)), value)
        return value


def used_labels(case, kind):
    """The labels of every {{kind[:label]}} a case uses."""
    text = json.dumps(case, ensure_ascii=False)
    return sorted({m.group(1) or "" for m in re.finditer(r"\{\{%s(?::([^{}]*))?\}\}" % kind, text)})


def inbound_messages(payload):
    """wamid → the message object, for every value.messages[] of a (substituted) payload."""
    out = {}
    if not isinstance(payload, dict):
        return out
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            for m in (value or {}).get("messages") or []:
                if isinstance(m, dict) and "id" in m:
                    out[m["id"]] = m
    return out


class InboundCorpusTest(harness.SharedStackTestCase):
    # Statuses reach the gateway only when a case posts them.
    stack_kwargs = {"connect_webhooks": False, "sandbox_args": ["--mps", "0"]}
    named_by_event = {}  # webhook event id → the tenants whose numbers its payload named

    @classmethod
    def setUpStack(cls):
        s = cls.stack
        # Two tenants, one outlet each; each outlet is its own Meta app (its own app secret).
        cls.fixtures = {}
        for n in (1, 2):
            t = s.create_tenant(name="corpus-tenant-%d" % n)
            o, secrets = s.create_outlet(t["id"], app_secret=harness.rand_token("corpus-secret-%d-" % n),
                                         display_phone_number="+" + DISPLAY_NUMBER)
            k = s.create_api_key(t["id"])
            fx = harness.Fixture(t, o, k, secrets)
            s.link_outlet_waba(fx)  # template cases seed and sync templates of this WABA
            cls.fixtures[str(n)] = fx
        cls.admin = s.gateway.client()

    @classmethod
    def outlet(cls, n):
        return cls.fixtures[str(n)].outlet

    def tenant_client(self, n):
        return self.stack.client(self.fixtures[str(n)].api_key)

    def test_other_tenant_sees_nothing_of_tenant_1(self):
        """Besides the per-case checks: tenant 2's key cannot read, page, mark read or list tenant 1's
        conversation, and lists none of the webhook events about tenant 1 only."""
        self.case = {"name": "tenant_isolation", "_file": "(inline)"}
        ctx = CaseContext(self)
        ctx.now = int(time.time())
        payload = ctx.substitute(harness.inbound_payload(self.outlet(1)["phone_number_id"], "{{CUSTOMER}}",
                                                         "only for tenant 1", wamid="{{WAMID:m}}",
                                                         waba_id=self.outlet(1)["waba_id"]))
        _, event = self.deliver(payload, "valid", "1", what="a message to tenant 1")
        self.assertEqual(event["outcome"], "applied", event)
        conv = self.find_conversation("1", ctx.fresh("CUSTOMER", ""))
        self.assertIsNotNone(conv)
        other = self.tenant_client(2)
        for method, path in (("GET", "/api/v1/conversations/%s" % conv["id"]),
                             ("GET", "/api/v1/conversations/%s/messages" % conv["id"]),
                             ("POST", "/api/v1/conversations/%s/read" % conv["id"])):
            r = other.request(method, path)
            self.assertEqual(r.status, 404, "%s %s with tenant 2's key: %r" % (method, path, r))
        r = other.get("/api/v1/conversations?limit=200")
        self.assertNotIn(conv["id"], [c["id"] for c in r.json()["conversations"]])
        r = other.get("/api/v1/conversations?outlet_id=%s" % self.outlet(1)["id"])
        self.assertIn(r.status, (403, 404), "tenant 2 filtering on tenant 1's outlet: %r" % r)
        # Of every event so far (the cases run before this test), tenant 2 lists only ones naming its numbers.
        events = other.get("/api/v1/webhook-events?limit=500").json()["events"]
        self.assertNotIn(event["id"], [e["id"] for e in events])
        for e in events:
            if e["id"] in self.named_by_event:
                self.assertIn("2", self.named_by_event[e["id"]], "tenant 2 lists event %s" % json.dumps(e))
        r = self.admin.get("/api/v1/webhook-events?limit=500&tenant_id=%s" % self.fixtures["2"].tenant_id)
        self.assertEqual([e["id"] for e in r.json()["events"]], [e["id"] for e in events],
                         "a tenant's key lists what the admin lists for that tenant")
        # The conversation is intact for its owner after the attempts.
        r = self.tenant_client(1).get("/api/v1/conversations/%s" % conv["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["unread_count"], 1, r.json())

    # --- running one case

    def run_case(self, case):
        self.case = case
        ctx = CaseContext(self)
        self.prepare(case, ctx)
        payload = ctx.substitute(case["payload"])
        before = [ctx.substitute(p) for p in case.get("before", [])]
        if case.get("redelivered"):
            before.append(payload)
        signed_by = case.get("signed_by", "1")
        for i, p in enumerate(before):
            self.deliver(p, "valid", signed_by, what="earlier delivery %d" % (i + 1))
        expect = ctx.substitute(case.get("expect", {}))
        resp, event = self.deliver(payload, case.get("signature", "valid"), signed_by, what="the payload",
                                   must_succeed=False)
        type(self).named_by_event[event["id"]] = self.named_tenants(payload)
        self.check_http(resp, expect)
        self.check_event(event, expect.get("event"), payload)
        self.check_event_listing(event, payload)
        carried = {}
        for p in before + [payload]:
            carried.update(inbound_messages(p))
        for i, conv in enumerate(expect.get("conversations", [])):
            self.check_conversation(conv, carried, "conversations[%d]" % i)
        for i, m in enumerate(expect.get("messages", [])):
            self.check_outbound(m, "messages[%d]" % i)
        for n, o in expect.get("outlets", {}).items():
            self.check_outlet(n, o)
        for i, t in enumerate(expect.get("templates", [])):
            self.check_template(t, ctx, "templates[%d]" % i)

    def fail_case(self, what, lines, actual=None):
        msg = "case %s (%s): %s:\n  %s" % (self.case["name"], self.case["_file"], what, "\n  ".join(lines))
        if actual is not None:
            msg += "\n  actual: %s" % json.dumps(actual, ensure_ascii=False)[:3000]
        self.fail(msg)

    def prepare(self, case, ctx):
        """Outbound messages and templates the case refers to, then the case's clock."""
        sends = dict(case.get("sends", {}))
        for label in set(used_labels(case, "SENT_WAMID")) | set(used_labels(case, "SENT_ID")):
            sends.setdefault(label, {})
        for label, spec in sorted(sends.items()):
            fx = self.fixtures[spec.get("outlet", "1")]
            to = "+" + ctx.substitute(spec.get("to", "{{CUSTOMER}}"))
            r = self.stack.send(fx, "corpus outbound %s" % (label or "message"), to=to, client=self.admin)
            if r.status != 200 or r.json().get("status") != "sent":
                self.fail_case("sending outbound message %r first" % label, ["answered %r" % r])
            j = r.json()
            ctx.sent[label] = {"message_id": j["message_id"], "wamid": j["whatsapp_message_id"], "to": to}
        for spec in case.get("templates", []):
            label = spec.get("label", "")
            fx = self.fixtures[spec.get("outlet", "1")]
            name = ctx.fresh("TEMPLATE", label)
            gid = self.stack.sandbox.seed_template(fx.outlet["waba_id"], name, spec.get("language", "en"),
                                                   status=spec.get("status", "PENDING"),
                                                   category=spec.get("category", "MARKETING"))
            ctx.templates[label] = {"name": name, "id": gid, "language": spec.get("language", "en"), "fx": fx}
        for fx in {id(t["fx"]): t["fx"] for t in ctx.templates.values()}.values():
            self.stack.sync_templates(fx, client=self.admin)
        # Strictly after every send: Meta's seconds for the customer's messages then sort after ours.
        ctx.now = int(time.time()) + 1

    def newest_event_id(self):
        r = self.admin.get("/api/v1/webhook-events?limit=1")
        self.assertEqual(r.status, 200, r)
        events = r.json()["events"]
        return events[0]["id"] if events else 0

    def deliver(self, payload, signature, signed_by, what, must_succeed=True):
        """POST one delivery; answer (response, its webhook event once no longer pending)."""
        raw = payload.encode("utf-8") if isinstance(payload, str) else harness.encode_payload(payload)
        secret = self.fixtures[signed_by].secrets["app_secret"]
        sig = {"valid": lambda: harness.sign(raw, secret),
               "wrong": lambda: harness.sign(raw, "not-the-app-secret-" + secret),
               "missing": lambda: None}[signature]()
        floor = self.newest_event_id()
        resp = self.stack.post_webhook(None, secret, raw=raw, signature=sig)
        if must_succeed and resp.status != 200:
            self.fail_case(what, ["expected 200, got %r" % resp])

        def settled():
            r = self.admin.get("/api/v1/webhook-events?limit=20")
            new = [e for e in r.json()["events"] if e["id"] > floor]
            return new if new and all(e["outcome"] != "pending" for e in new) else None

        try:
            events = harness.wait_until(settled, 15, interval=0.02, msg="the webhook event of %s" % what)
        except harness.Timeout as e:
            self.fail_case(what, ["no settled webhook event recorded (%s); HTTP answer %r" % (e, resp)])
        if len(events) != 1:
            self.fail_case(what, ["expected exactly one new webhook event, got %d" % len(events)], events)
        return resp, events[0]

    # --- checks

    def check_http(self, resp, expect):
        want = expect.get("http_status", 200)
        if resp.status != want:
            self.fail_case("HTTP answer of the receiver", ["expected %d, got %r" % (want, resp)])
        if "error_code" in expect:
            code = resp.json().get("error", {}).get("code") if resp.body else None
            if code != expect["error_code"]:
                self.fail_case("error code of the receiver", ["expected %r, got %r" % (expect["error_code"], resp)])

    def check_event(self, event, want, payload):
        if want is None:
            return
        diffs = []
        for key in ("outcome", "reason"):
            if key in want and event.get(key) != want[key]:
                diffs.append("%s: expected %r, got %r" % (key, want[key], event.get(key)))
        if "counts" in want and event.get("counts") != want["counts"]:
            diffs.append("counts: expected %s, got %s" % (json.dumps(want["counts"]), json.dumps(event.get("counts"))))
        if diffs:
            self.fail_case("webhook event", diffs, event)
        # Who may list it: by default, a refusal is shown to the owners of the numbers it names only when
        # the signature was the problem (unknown numbers and malformed bodies name no owner); any other
        # event never to a tenant whose numbers the payload does not name.
        tenants = want.get("tenants")
        named = self.named_tenants(payload)
        if tenants is None and event["outcome"] == "rejected":
            tenants = sorted(named) if event["reason"] == "invalid_signature" else []
        for n in self.fixtures:
            r = self.tenant_client(n).get("/api/v1/webhook-events?limit=500")
            self.assertEqual(r.status, 200, r)
            listed = any(e["id"] == event["id"] for e in r.json()["events"])
            if tenants is not None and listed != (n in tenants):
                self.fail_case("webhook event visibility", ["tenant %s %s the event; expected it %s" % (
                    n, "lists" if listed else "does not list", "listed" if n in tenants else "hidden")], event)
            if tenants is None and listed and n not in named:
                self.fail_case("webhook event visibility",
                               ["tenant %s lists an event about numbers it does not own" % n], event)

    def check_event_listing(self, event, payload):
        """The event's size is the body's, and the outcome filter finds it."""
        raw = payload.encode("utf-8") if isinstance(payload, str) else harness.encode_payload(payload)
        if event["bytes"] != len(raw):
            self.fail_case("webhook event", ["bytes: expected %d, got %d" % (len(raw), event["bytes"])], event)
        r = self.admin.get("/api/v1/webhook-events?limit=500&outcome=" + event["outcome"])
        self.assertEqual(r.status, 200, r)
        listed = r.json()["events"]
        if not any(e["id"] == event["id"] for e in listed) or any(e["outcome"] != event["outcome"] for e in listed):
            self.fail_case("webhook event", ["?outcome=%s does not list exactly the %s events" % (
                event["outcome"], event["outcome"])], event)

    def named_tenants(self, payload):
        """The tenants whose phone number id or WABA id the payload mentions anywhere."""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return {n for n, fx in self.fixtures.items() if fx.phone_number_id in text or fx.outlet["waba_id"] in text}

    def find_conversation(self, outlet_n, wa_id):
        found = None
        outlets = self.fixtures if outlet_n == "any" else {outlet_n: self.fixtures[outlet_n]}
        for fx in outlets.values():
            cursor = None
            while True:
                q = {"outlet_id": fx.outlet_id, "limit": 25}  # small pages: the list's cursors are used too
                if cursor:
                    q["cursor"] = cursor
                r = self.admin.get("/api/v1/conversations?" + urllib.parse.urlencode(q))
                self.assertEqual(r.status, 200, r)
                j = r.json()
                for c in j["conversations"]:
                    if c["customer"]["wa_id"] == wa_id:
                        if found is not None:
                            self.fail_case("conversation lookup", ["two conversations for %s" % wa_id])
                        found = c
                cursor = j["next_cursor"]
                if not cursor:
                    break
        return found

    def check_conversation(self, want, carried, what):
        want = dict(want)
        outlet_n = want.pop("outlet", "1")
        wa_id = want.pop("wa_id")
        exists = want.pop("exists", True)
        history = want.pop("history", None)
        conv = self.find_conversation(outlet_n, wa_id)
        if not exists:
            if conv is not None:
                self.fail_case(what, ["expected no conversation with %s on outlet %s" % (wa_id, outlet_n)], conv)
            return
        if conv is None:
            self.fail_case(what, ["no conversation with %s on outlet %s" % (wa_id, outlet_n)])
        diffs = match_subset(want, conv)
        if diffs:
            self.fail_case(what, diffs, conv)
        owner, other = (outlet_n, "2" if outlet_n == "1" else "1")
        self.check_isolation(conv, owner, other, what)
        r = self.tenant_client(owner).get("/api/v1/conversations/%s/messages?limit=200" % conv["id"])
        self.assertEqual(r.status, 200, r)
        items = r.json()["messages"]
        last = conv.get("last_message")
        if last is not None and not any(i["id"] == last["id"] for i in items):
            self.fail_case(what, ["last_message %s is none of the history's items" % last["id"]], items)
        if history is not None:
            diffs = match_subset(history, items, "history")
            if diffs:
                self.fail_case(what + " history", diffs, items)
        self.check_as_sent(items, carried, what)
        self.check_listing_views(conv, items, owner, what)

    def check_listing_views(self, conv, items, owner, what):
        """The other views of the same data agree with it: the unread and updated_since filters, the
        direction filter, and the history read page by page through its cursors."""
        client = self.tenant_client(owner)
        r = client.get("/api/v1/conversations?unread=true&limit=200&outlet_id=" + conv["outlet_id"])
        self.assertEqual(r.status, 200, r)
        listed = any(c["id"] == conv["id"] for c in r.json()["conversations"])
        if listed != (conv["unread_count"] > 0):
            self.fail_case(what, ["?unread=true %s it with unread_count %d" % (
                "lists" if listed else "does not list", conv["unread_count"])])
        since = urllib.parse.quote(conv["updated_at"])
        later = urllib.parse.quote(iso(harness.parse_ts(conv["updated_at"]) + 0.001))
        for q, want in ((since, True), (later, False)):
            r = client.get("/api/v1/conversations?limit=200&outlet_id=%s&updated_since=%s" % (conv["outlet_id"], q))
            self.assertEqual(r.status, 200, r)
            if any(c["id"] == conv["id"] for c in r.json()["conversations"]) != want:
                self.fail_case(what, ["?updated_since=%s should %slist it (updated_at %s)" % (
                    urllib.parse.unquote(q), "" if want else "not ", conv["updated_at"])])
        base = "/api/v1/conversations/%s/messages" % conv["id"]
        for direction in ("inbound", "outbound"):
            r = client.get("%s?limit=200&direction=%s" % (base, direction))
            self.assertEqual(r.status, 200, r)
            got = [m["id"] for m in r.json()["messages"]]
            want = [m["id"] for m in items if m["direction"] == direction]
            if got != want:
                self.fail_case(what, ["?direction=%s gives %s, the full history has %s" % (direction, got, want)])
        for page in (1, 2):
            got, cursor = [], None
            for _ in range(len(items) + 2):
                after = "&cursor=" + urllib.parse.quote(cursor) if cursor else ""
                r = client.get("%s?limit=%d%s" % (base, page, after))
                self.assertEqual(r.status, 200, r)
                got += [m["id"] for m in r.json()["messages"]]
                cursor = r.json()["next_cursor"]
                if not cursor:
                    break
            if got != [m["id"] for m in items]:
                self.fail_case(what, ["history read %d at a time gives %s, all at once %s" % (
                    page, got, [m["id"] for m in items])])

    def check_isolation(self, conv, owner, other, what):
        """The owner's key sees the conversation as the admin does; the other tenant's key sees nothing."""
        mine, theirs = self.tenant_client(owner), self.tenant_client(other)
        r = mine.get("/api/v1/conversations/%s" % conv["id"])
        if r.status != 200 or r.json()["id"] != conv["id"]:
            self.fail_case(what, ["the owner tenant cannot read its conversation: %r" % r])
        for path in ("/api/v1/conversations/%s" % conv["id"], "/api/v1/conversations/%s/messages" % conv["id"]):
            r = theirs.get(path)
            if r.status != 404:
                self.fail_case(what, ["tenant %s should get 404 for %s, got %r" % (other, path, r)])
        r = theirs.get("/api/v1/conversations?limit=200")
        if any(c["id"] == conv["id"] for c in r.json()["conversations"]):
            self.fail_case(what, ["tenant %s lists another tenant's conversation" % other])

    def check_as_sent(self, items, carried, what):
        """Each inbound item shows the type's object, referral and errors exactly as Meta sent them."""
        for item in items:
            m = carried.get(item.get("whatsapp_message_id"))
            if item["direction"] != "inbound" or m is None:
                continue
            diffs = []
            if item["type"] != m.get("type"):
                diffs.append("type: expected %r, got %r" % (m.get("type"), item["type"]))
            # A message without an object of its type (the legacy "unknown") shows {} (core/inbound_message.hpp).
            sent = m.get(m.get("type"), {})
            if item["content"] != sent:
                diffs.append("content: expected %s, got %s" % (json.dumps(sent), json.dumps(item["content"])))
            for key in ("referral", "errors"):
                if item[key] != m.get(key):
                    diffs.append("%s: expected %s, got %s" % (key, json.dumps(m.get(key)), json.dumps(item[key])))
            if item["from"] != m["from"]:
                diffs.append("from: expected %r, got %r" % (m["from"], item["from"]))
            if diffs:
                self.fail_case(what + " item %s as Meta sent it" % m["id"], diffs, item)

    def check_outbound(self, want, what):
        r = self.admin.get("/api/v1/messages/%s" % want["message_id"])
        self.assertEqual(r.status, 200, r)
        diffs = match_subset(want, r.json())
        if diffs:
            self.fail_case(what, diffs, r.json())

    def check_outlet(self, n, want):
        fx = self.fixtures[n]
        r = self.admin.get("/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id))
        self.assertEqual(r.status, 200, r)
        diffs = match_subset(want, r.json())
        if diffs:
            self.fail_case("outlet %s" % n, diffs, r.json())

    def check_template(self, want, ctx, what):
        want = dict(want)
        t = ctx.templates[want.pop("label", "")]
        row = self.stack.template_row(t["fx"], t["name"], t["language"], client=self.admin)
        if row is None:
            self.fail_case(what, ["template %s is not in the registry" % t["name"]])
        diffs = match_subset(want, row)
        if diffs:
            self.fail_case(what, diffs, row)


class CorpusShapeTest(unittest.TestCase):
    """The corpus itself: enough cases, well formed, and covering what issue 10 asks for."""

    REQUIRED_TYPES = {"text", "image", "video", "audio", "document", "sticker", "location", "contacts", "button",
                      "interactive", "reaction", "order", "system", "unsupported"}
    REQUIRED_INTERACTIVE = {"button_reply", "list_reply", "nfm_reply"}
    REQUIRED_STATUSES = {"sent", "delivered", "read", "played", "failed"}
    REQUIRED_FIELDS = {"messages", "message_template_status_update", "phone_number_quality_update", "account_update"}

    def test_corpus_size_and_coverage(self):
        cases = load_cases()
        self.assertGreaterEqual(len(cases), 45)
        names = [c.get("name") for c in cases]
        self.assertEqual(len(names), len(set(names)), "case names must be unique")
        types, interactive, statuses, fields, signatures = set(), set(), set(), set(), set()
        for c in cases:
            for key in ("name", "description", "payload", "expect"):
                self.assertIn(key, c, "%s lacks %r" % (c["_file"], key))
            self.assertIn(c.get("signature", "valid"), ("valid", "wrong", "missing"), c["_file"])
            signatures.add(c.get("signature", "valid"))
            if isinstance(c["payload"], str):
                continue
            for entry in c["payload"].get("entry") or []:
                for change in entry.get("changes") or [] if isinstance(entry, dict) else []:
                    fields.add(change.get("field"))
                    value = change.get("value") or {}
                    for m in value.get("messages") or []:
                        types.add(m.get("type"))
                        if m.get("type") == "interactive":
                            interactive.add(m["interactive"].get("type"))
                    for st in value.get("statuses") or []:
                        statuses.add(st.get("status"))
        self.assertLessEqual(self.REQUIRED_TYPES, types)
        self.assertTrue(types - self.REQUIRED_TYPES - {None}, "an unknown message type (e.g. poll) is missing")
        self.assertLessEqual(self.REQUIRED_INTERACTIVE, interactive)
        self.assertLessEqual(self.REQUIRED_STATUSES, statuses)
        self.assertLessEqual(self.REQUIRED_FIELDS, fields)
        self.assertTrue(fields - self.REQUIRED_FIELDS - {None}, "an unhandled field is missing")
        self.assertEqual(signatures, {"valid", "wrong", "missing"})


def _make_test(case):
    def test(self):
        self.run_case(case)
    test.__doc__ = "%s: %s" % (case["name"], case.get("description", ""))
    return test


# One test method per case file, in file order (the numeric prefix), so a failure names its case.
for _case in load_cases():
    _stem = os.path.splitext(_case["_file"])[0]
    setattr(InboundCorpusTest, "test_" + re.sub(r"\W", "_", _stem), _make_test(_case))


if __name__ == "__main__":
    harness.main()
