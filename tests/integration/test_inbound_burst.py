"""Webhook bursts: duplicates and reordering end in the same state; a kill -9 mid-burst loses nothing.

Issue 10, acceptance points 2 and 3.

1. A deterministic 5,000-event stream (inbound texts and other types, replies with context, reactions set,
   changed and removed on inbound and outbound messages, statuses of outbound messages this test sent
   first) reaches two outlets of one gateway: outlet 1 once, in order; outlet 2 twice, shuffled at the
   payload and at the event level and batched differently. Both must end in the state the stream implies
   (a model computed here) and in the same state as each other: conversations, history, reactions and
   outbound statuses.
2. A 30,000-event signed burst from several keep-alive clients; the gateway is killed (-9) once ~40 % of
   the payloads were answered. Every payload answered 200 must be applied after the restart, nothing twice;
   then the rest is delivered again (as Meta retries non-200s) and the end state is exact.

The sandbox's own webhooks are disconnected: the only webhooks the gateway sees are the ones posted here.
"""

import http.client
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import change_value, encode_payload, meta_error, sign, wait_until, webhook_payload  # noqa: E402

WEBHOOK_PATH = "/webhooks/whatsapp"
BUSINESS = "<the outlet's display number>"  # context.from of a reply to our message, whichever outlet

# Stream of part 1
STREAM_SEED = 20261121
STREAM_EVENTS = 5000
STREAM_CUSTOMERS = 200
STREAM_OUTBOUND = 200          # messages sent to customers through the API before the stream
EMOJIS = ["\U0001F44D", "\u2764\ufe0f", "\U0001F602", "\U0001F62E", "\U0001F622", "\U0001F64F"]

# Burst of part 2
BURST_SEED = 4242
BURST_EVENTS = 30000
BURST_CUSTOMERS = 1000
BURST_PER_PAYLOAD = 50
BURST_CLIENTS = 8              # concurrent keep-alive connections
BURST_KILL_FRACTION = 0.40     # kill -9 once this share of the payloads was answered 200


def iso_ms(seconds):
    """Meta's Unix seconds as the API shows times (UTC ISO 8601 with milliseconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".000Z"


# --------------------------------------------------------------------------------------------------
# Reading the gateway's state through the API (every loop bounded by a page count)


def all_pages(client, path, key, limit, max_items):
    """Every item of a cursor-paged list: GET path?…&limit=&cursor= until next_cursor is null, or (a
    conversation's history, whose cursor always points after the last item, to poll for newer ones) until a
    page comes back short."""
    items, cursor = [], None
    sep = "&" if "?" in path else "?"
    for _ in range(max_items // limit + 2):
        url = "%s%slimit=%d" % (path, sep, limit) + ("&cursor=%s" % cursor if cursor else "")
        r = client.get(url)
        if r.status != 200:
            raise AssertionError("GET %s: %r" % (url, r))
        j = r.json()
        items += j[key]
        cursor = j["next_cursor"]
        if not cursor or len(j[key]) < limit:
            return items
    raise AssertionError("GET %s: more than %d items (paging does not end?)" % (path, max_items))


def conversations_of(client, outlet_id, max_items):
    """{wa_id: conversation} of one outlet; a customer listed twice is an error."""
    out = {}
    for c in all_pages(client, "/api/v1/conversations?outlet_id=%s" % outlet_id, "conversations", 200, max_items):
        wa_id = c["customer"]["wa_id"]
        if wa_id in out:
            raise AssertionError("customer %s listed twice: %s and %s" % (wa_id, out[wa_id]["id"], c["id"]))
        out[wa_id] = c
    return out


def histories_of(client, conversations, max_items_each, threads=4):
    """{wa_id: [history items, oldest first]} for the given conversations."""
    keys = sorted(conversations)

    def one(wa_id):
        return all_pages(client, "/api/v1/conversations/%s/messages" % conversations[wa_id]["id"], "messages", 200,
                         max_items_each)

    return dict(zip(keys, harness.run_parallel(one, keys, threads=threads)))


def pending_events(client):
    r = client.get("/api/v1/webhook-events?outcome=pending&limit=1")
    if r.status != 200:
        raise AssertionError("GET webhook-events: %r" % r)
    return r.json()["events"]


def wait_nothing_pending(client, timeout):
    wait_until(lambda: pending_events(client) == [], timeout, interval=0.2, msg="no webhook event pending")


def post_all(client, payloads, indices, threads, stop=None, on_answer=None):
    """POST the signed payloads `indices` from `threads` keep-alive connections.

    Returns {index: HTTP status, or None when no answer came (connection refused or reset)}. Once `stop` is
    set no further payload is started (the gateway is gone).
    """
    answers = {}
    lock = threading.Lock()
    todo = list(indices)
    pos = [0]

    def worker():
        while True:
            with lock:
                if pos[0] >= len(todo) or (stop is not None and stop.is_set()):
                    return
                i = todo[pos[0]]
                pos[0] += 1
            body, signature = payloads[i][0], payloads[i][1]
            try:
                r = client.request("POST", WEBHOOK_PATH, raw=body, key=None,
                                   headers={"X-Hub-Signature-256": signature})
                status = r.status
            except (OSError, http.client.HTTPException):
                status = None
            with lock:
                answers[i] = status
            if on_answer is not None:
                on_answer(i, status)

    ts = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=600)
    if any(t.is_alive() for t in ts):
        raise AssertionError("webhook posting did not finish within 600 s")
    client.close()
    return answers


# --------------------------------------------------------------------------------------------------
# Part 1: the stream and its model


class Stream:
    """A deterministic logical event stream for one outlet, independent of the outlet's ids.

    Events are dicts: kind "msg" (a customer's message), "reaction" (to ("in", wamid) or ("out", k)), or
    "status" (of outbound message k). Every event has its own Meta timestamp `ts` (t0 + position), so the
    order of the stream is the order of Meta's clock.
    """

    def __init__(self, seed, n_events, n_customers, n_outbound):
        self.rng = random.Random(seed)
        rng = self.rng
        self.customers = ["62812%08d" % n for n in rng.sample(range(10_000_000, 99_999_999), n_customers)]
        self.outbound_to = [rng.choice(self.customers) for _ in range(n_outbound)]  # outbound k -> customer
        self.outbound_texts = ["Your order %d is ready for pickup." % k for k in range(n_outbound)]
        # A customer renames themself at some point of the stream: the newest message's name must win.
        self.names = {c: ("Customer %d" % i, "Customer %d (renamed)" % i if i % 3 == 0 else "Customer %d" % i,
                          rng.randrange(n_events)) for i, c in enumerate(self.customers)}
        self.fates = []  # k -> the statuses Meta reports for it, in Meta's order
        for k in range(n_outbound):
            r = rng.random()
            if r < 0.35:
                chain = ["sent", "delivered", "read"]
            elif r < 0.50:
                chain = ["sent", "read"]          # delivered and read at once: no `delivered`
            elif r < 0.60:
                chain = ["delivered", "read"]     # `sent` never came
            elif r < 0.78:
                chain = ["sent", "delivered"]
            elif r < 0.88:
                chain = ["sent"]
            else:
                chain = ["sent", "failed"]
            self.fates.append(chain)
        self.events = []
        self._generate(n_events)

    def _generate(self, n_events):
        rng = self.rng
        inbound = []                    # (wamid, author) of every message so far
        by_customer = {c: [] for c in self.customers}
        status_next = [0] * len(self.outbound_to)
        out_by_customer = {}
        for k, c in enumerate(self.outbound_to):
            out_by_customer.setdefault(c, []).append(k)
        for i in range(n_events):
            ts_offset = i
            open_status = [k for k in range(len(self.fates)) if status_next[k] < len(self.fates[k])]
            kinds = ["msg", "reaction_in", "reaction_out", "status"]
            weights = [0.58, 0.16, 0.10, 0.16 if open_status else 0.0]
            if not inbound:
                weights[1] = 0.0
            kind = rng.choices(kinds, weights)[0]
            if kind == "status":
                k = rng.choice(open_status)
                st = self.fates[k][status_next[k]]
                status_next[k] += 1
                self.events.append({"kind": "status", "out": k, "status": st, "ts": ts_offset,
                                    "biz": rng.random() < 0.7})
            elif kind == "reaction_out":
                k = rng.randrange(len(self.outbound_to))
                self.events.append(self._reaction(("out", k), self.outbound_to[k], ts_offset))
            elif kind == "reaction_in":
                wamid, author = rng.choice(inbound)
                self.events.append(self._reaction(("in", wamid), author, ts_offset))
            else:
                c = rng.choice(self.customers)
                ev = self._message(c, ts_offset, by_customer[c], out_by_customer.get(c, []))
                self.events.append(ev)
                inbound.append((ev["wamid"], c))
                by_customer[c].append(ev["wamid"])

    def _wamid(self):
        return "wamid.HBgN%024X" % self.rng.getrandbits(96)

    def _reaction(self, target, author, ts):
        r = self.rng.random()
        # "" and a missing emoji both remove the customer's reaction (Meta omits it; be lenient)
        emoji = "" if r < 0.12 else (None if r < 0.22 else self.rng.choice(EMOJIS))
        return {"kind": "reaction", "wamid": self._wamid(), "from": author, "ts": ts, "target": target,
                "emoji": emoji}

    def _message(self, customer, ts, earlier_inbound, outbound_ks):
        rng = self.rng
        ev = {"kind": "msg", "wamid": self._wamid(), "from": customer, "ts": ts, "context": None}
        r = rng.random()
        if r < 0.80:
            ev["type"] = "text"
            ev["body"] = {"body": "Message %d: %s" % (ts, rng.choice(["where is my order?", "thanks!", "ok",
                                                                       "can I change the address?",
                                                                       "Gr\u00fc\u00dfe \U0001F44B"]))}
        elif r < 0.90:
            ev["type"] = "image"
            ev["body"] = {"id": str(rng.randrange(10 ** 15, 10 ** 16)), "mime_type": "image/jpeg",
                          "sha256": "%064x" % rng.getrandbits(256), "caption": "photo %d" % ts}
        else:
            ev["type"] = "location"
            ev["body"] = {"latitude": round(rng.uniform(-60, 60), 5), "longitude": round(rng.uniform(-170, 170), 5),
                          "name": "Place %d" % ts}
        # A quarter are replies: to the customer's own earlier message or to a message we sent them.
        if rng.random() < 0.25:
            choices = [("in", w) for w in earlier_inbound[-10:]] + [("out", k) for k in outbound_ks]
            if choices:
                ev["context"] = rng.choice(choices)
        return ev

    def name_at(self, customer, ts):
        first, later, switch = self.names[customer]
        return later if ts >= switch else first


class OutletView:
    """How the logical stream looks for one outlet: its number, its outbound wamids and message ids."""

    def __init__(self, fx, t0, out_ids, out_wamids):
        self.fx = fx
        self.pnid = fx.phone_number_id
        self.waba = fx.outlet["waba_id"]
        self.secret = fx.secrets["app_secret"]
        self.display = fx.outlet["display_phone_number"].lstrip("+")  # Meta's metadata and context.from
        self.t0 = t0
        self.out_ids = out_ids
        self.out_wamids = out_wamids
        self.k_of_wamid = {w: k for k, w in enumerate(out_wamids)}

    def target_wamid(self, target):
        side, ref = target
        return self.out_wamids[ref] if side == "out" else ref

    def render_message(self, ev, stream):
        ts = str(self.t0 + ev["ts"])
        if ev["kind"] == "reaction":
            reaction = {"message_id": self.target_wamid(ev["target"])}
            if ev["emoji"] is not None:
                reaction["emoji"] = ev["emoji"]
            return {"from": ev["from"], "id": ev["wamid"], "timestamp": ts, "type": "reaction", "reaction": reaction}
        m = {"from": ev["from"], "id": ev["wamid"], "timestamp": ts, "type": ev["type"], ev["type"]: ev["body"]}
        if ev["context"] is not None:
            side, ref = ev["context"]
            m["context"] = {"from": self.display if side == "out" else ev["from"],
                            "id": self.target_wamid(ev["context"])}
        return m

    def render_status(self, ev, stream):
        k = ev["out"]
        st = harness.status_obj(self.out_wamids[k], ev["status"], recipient_id=stream.outbound_to[k],
                                biz=self.out_ids[k] if ev["biz"] else None, timestamp=self.t0 + ev["ts"])
        if ev["status"] == "failed":
            st["errors"] = [meta_error(131026, "Message undeliverable", "Unable to deliver message.")]
        return st

    def value_of(self, cls, events, stream):
        if cls == "statuses":
            return change_value(self.pnid, statuses=[self.render_status(e, stream) for e in events],
                                display=self.display)
        # One contact per customer of the value, named as at their newest event in it (Meta sends the
        # profile as it is when it sends the payload).
        newest = {}
        for e in events:
            if e["from"] not in newest or e["ts"] > newest[e["from"]]:
                newest[e["from"]] = e["ts"]
        contacts = [{"profile": {"name": stream.name_at(c, ts)}, "wa_id": c} for c, ts in newest.items()]
        return change_value(self.pnid, messages=[self.render_message(e, stream) for e in events], contacts=contacts,
                            display=self.display)

    def payloads(self, events, stream, rng):
        """Signed payloads of 1-50 events each: several values (statuses and messages apart, as Meta
        sends them) spread over 1-3 entries."""
        out = []
        i = 0
        while i < len(events):
            chunk = events[i:i + rng.randint(1, 50)]
            i += len(chunk)
            groups = []
            for e in chunk:
                cls = "statuses" if e["kind"] == "status" else "messages"
                if not groups or groups[-1][0] != cls or len(groups[-1][1]) >= groups[-1][2]:
                    groups.append([cls, [], rng.randint(1, 20)])
                groups[-1][1].append(e)
            values = [self.value_of(cls, evs, stream) for cls, evs, _ in groups]
            n_entries = rng.randint(1, min(3, len(values)))
            cuts = sorted(rng.sample(range(1, len(values)), n_entries - 1)) if n_entries > 1 else []
            bounds = [0] + cuts + [len(values)]
            entries = [(self.waba, values[a:b]) for a, b in zip(bounds, bounds[1:])]
            body = encode_payload(webhook_payload(entries))
            out.append((body, sign(body, self.secret), len(chunk)))
        return out


def expected_state(stream, out_texts):
    """What the stream implies, per customer, in the normalised form `normalise` gives the API's answers."""
    per = {}

    def conv(c):
        return per.setdefault(c, {"name": None, "unread_count": 0, "last_inbound_at": None, "last": None,
                                  "items": {}, "reactions": {}})

    for k, c in enumerate(stream.outbound_to):
        s = conv(c)
        # outbound messages are older than the whole stream: in the order they were accepted
        s["items"][("out", k)] = (-len(stream.outbound_to) + k, {"direction": "outbound", "ref": ("out", k),
                                                                  "type": "text", "content": {"body": out_texts[k]},
                                                                  "context": None, "status": stream.fates[k][-1]})
        s["last"] = ("outbound", "text", out_texts[k], None)
    newest_msg = {}
    for e in stream.events:
        if e["kind"] == "msg":
            s = conv(e["from"])
            s["unread_count"] += 1
            ctx = None
            if e["context"] is not None:
                ctx = {"ref": e["context"], "from": BUSINESS if e["context"][0] == "out" else e["from"]}
            s["items"][("in", e["wamid"])] = (e["ts"], {"direction": "inbound", "ref": ("in", e["wamid"]),
                                                        "type": e["type"], "content": e["body"], "context": ctx,
                                                        "status": "received"})
            newest_msg[e["from"]] = e
        elif e["kind"] == "reaction":
            # reactions live per (target, customer); the target's conversation is the reacting customer's
            conv(e["from"])["reactions"][(e["target"], e["from"])] = (e["emoji"] or "", e["ts"])
    for c, e in newest_msg.items():
        s = per[c]
        s["last_inbound_at"] = e["ts"]
        s["name"] = stream.name_at(c, e["ts"])
        s["last"] = ("inbound", e["type"], e["body"]["body"] if e["type"] == "text" else None, e["ts"])
    out = {}
    for c, s in per.items():
        items = []
        for key, (_, item) in sorted(s["items"].items(), key=lambda kv: kv[1][0]):
            item = dict(item)
            item["reactions"] = sorted((emoji, who, ts) for (target, who), (emoji, ts) in s["reactions"].items()
                                       if target == key and emoji)
            items.append(item)
        out[c] = {"name": s["name"], "unread_count": s["unread_count"], "last_inbound_at": s["last_inbound_at"],
                  "last": s["last"], "items": items}
    return out


def normalise(view, conversations, histories, t0):
    """The API's answers for one outlet, with the outlet's own ids replaced by the stream's (outbound wamid ->
    ("out", k)) and Meta times made relative to the stream's start, so two outlets compare equal."""

    def rel(iso):
        return None if iso is None else int(harness.parse_ts(iso)) - t0

    def ref(wamid):
        return ("out", view.k_of_wamid[wamid]) if wamid in view.k_of_wamid else ("in", wamid)

    out = {}
    for wa_id, c in conversations.items():
        last = c["last_message"]
        if last is None:
            last_n = None
        elif last["direction"] == "outbound":  # the gateway's clock, not Meta's: differs between outlets
            last_n = ("outbound", last["type"], last["preview"], None)
        else:
            last_n = ("inbound", last["type"], last["preview"], rel(last["timestamp"]))
        items = []
        for h in histories[wa_id]:
            ctx = h.get("context")
            if ctx is not None and ctx.get("id"):
                who = ctx.get("from")
                ctx = {"ref": ref(ctx["id"]), "from": BUSINESS if who == view.display else who}
            item = {"direction": h["direction"], "ref": ref(h["whatsapp_message_id"]), "type": h["type"],
                    "content": h["content"], "context": ctx, "status": h["status"],
                    "reactions": sorted((r["emoji"], r["from"], rel(r["timestamp"])) for r in h["reactions"])}
            items.append(item)
        out[wa_id] = {"name": c["customer"]["name"], "unread_count": c["unread_count"],
                      "last_inbound_at": rel(c["last_inbound_at"]), "last": last_n, "items": items,
                      "previews": [(h["type"], h.get("preview")) for h in histories[wa_id]]}
    return out


def differences(want, got, label, limit=8):
    """Readable differences of two {customer: state} maps (the first `limit`)."""
    diffs = []
    for c in sorted(set(want) | set(got)):
        if c not in got:
            diffs.append("%s: customer %s missing" % (label, c))
        elif c not in want:
            diffs.append("%s: unexpected customer %s" % (label, c))
        else:
            for field in sorted(set(want[c]) | set(got[c])):
                if want[c].get(field) != got[c].get(field):
                    w, g = want[c].get(field), got[c].get(field)
                    if field == "items" and w is not None and g is not None:
                        for i, (a, b) in enumerate(zip(w, g)):
                            if a != b:
                                w, g = ("#%d" % i, a), ("#%d" % i, b)
                                break
                        else:
                            w, g = "%d items" % len(w), "%d items" % len(g)
                    diffs.append("%s: customer %s %s: want %s, got %s"
                                 % (label, c, field, json.dumps(w, default=str)[:600], json.dumps(g, default=str)[:600]))
        if len(diffs) >= limit:
            break
    return diffs


class DuplicatesAndReorderingTest(harness.WagateTestCase):
    def send_outbound(self, s, fx, stream, texts):
        """The stream's outbound messages, sent through the API (async), with their wamids once sent."""
        c = s.gateway.client(keepalive=True)

        def one(k):
            r = s.send(fx, texts[k], to="+" + stream.outbound_to[k], asynchronous=True, client=c)
            self.assertEqual(r.status, 202, r)
            return r.json()["message_id"]

        # one at a time per customer would be slower for nothing: accept order does not matter to the
        # comparison (outbound items sort by the gateway's clock, before the whole stream)
        ids = [one(k) for k in range(len(texts))]
        wamids = {}

        def all_sent():
            for k, mid in enumerate(ids):
                if k in wamids:
                    continue
                m = c.get("/api/v1/messages/%s" % mid).json()
                if m["status"] == "sent" and m["whatsapp_message_id"]:
                    wamids[k] = m["whatsapp_message_id"]
                elif m["status"] not in ("queued", "sending"):
                    raise AssertionError("outbound message %s ended %s" % (mid, m))
            return len(wamids) == len(ids)

        wait_until(all_sent, 120, interval=0.2, msg="every outbound message sent")
        c.close()
        return ids, [wamids[k] for k in range(len(ids))]

    def test_redelivered_shuffled_stream_ends_in_the_same_state(self):
        t_start = time.monotonic()
        s = self.start_stack(connect_webhooks=False, sandbox_args=["--mps", "0", "--pair-burst", "0"])
        t = s.create_tenant()
        # two numbers of one Meta app (one app secret)
        o1, sec = s.create_outlet(t["id"], throughput_mps=1000)
        o2, _ = s.create_outlet(t["id"], throughput_mps=1000, app_secret=sec["app_secret"])
        key = s.create_api_key(t["id"])
        fx1, fx2 = harness.Fixture(t, o1, key, sec), harness.Fixture(t, o2, key, dict(sec))

        stream = Stream(STREAM_SEED, STREAM_EVENTS, STREAM_CUSTOMERS, STREAM_OUTBOUND)
        texts = stream.outbound_texts

        ids1, wamids1 = self.send_outbound(s, fx1, stream, texts)
        ids2, wamids2 = self.send_outbound(s, fx2, stream, texts)
        # Meta's clock of the stream starts after every send, as customers answer what they were sent.
        t0 = int(time.time()) + 60
        v1 = OutletView(fx1, t0, ids1, wamids1)
        v2 = OutletView(fx2, t0, ids2, wamids2)

        # outlet 1: once, in order; outlet 2: twice, each copy shuffled and batched its own way, all mixed
        in_order = v1.payloads(stream.events, stream, random.Random(1))
        copies = []
        for seed in (2, 3):
            shuffled = list(stream.events)
            random.Random(seed).shuffle(shuffled)
            copies += v2.payloads(shuffled, stream, random.Random(seed + 10))
        random.Random(4).shuffle(copies)
        self.assertEqual(sum(p[2] for p in in_order), STREAM_EVENTS)
        self.assertEqual(sum(p[2] for p in copies), 2 * STREAM_EVENTS)

        gw = s.gateway
        answers = post_all(gw.client(keepalive=True, timeout=60), in_order, range(len(in_order)), threads=1)
        self.assertEqual(set(answers.values()), {200}, "outlet 1's payloads: %s" % answers)
        answers = post_all(gw.client(keepalive=True, timeout=60), copies, range(len(copies)), threads=4)
        self.assertEqual(set(answers.values()), {200}, "outlet 2's payloads")
        admin = gw.client(keepalive=True)
        wait_nothing_pending(admin, 120)
        t_posted = time.monotonic()

        conv1 = conversations_of(admin, o1["id"], 10 * STREAM_CUSTOMERS)
        conv2 = conversations_of(admin, o2["id"], 10 * STREAM_CUSTOMERS)
        got1 = normalise(v1, conv1, histories_of(admin, conv1, 2 * STREAM_EVENTS), t0)
        got2 = normalise(v2, conv2, histories_of(admin, conv2, 2 * STREAM_EVENTS), t0)
        want = expected_state(stream, texts)

        # Outlet 1 against the model; the model knows the previews of texts only
        model_view = {}
        for c, v in got1.items():
            v = dict(v)
            v.pop("previews")
            if v["last"] is not None and want.get(c, {}).get("last") and want[c]["last"][2] is None:
                v["last"] = v["last"][:2] + (None,) + v["last"][3:]
            model_view[c] = v
        diffs = differences(want, model_view, "outlet 1 (in order) vs the model")
        if diffs:
            self.fail("\n".join(diffs))
        # Outlet 2 against outlet 1, everything the API shows (previews included) but ids and the
        # gateway's own clock
        diffs = differences(got1, got2, "outlet 2 (twice, shuffled) vs outlet 1")
        if diffs:
            self.fail("\n".join(diffs))

        # Outbound statuses through the messages API: the same on both outlets, as the fates say
        c = gw.client(keepalive=True)
        for k in range(STREAM_OUTBOUND):
            m1, m2 = c.get("/api/v1/messages/%s" % ids1[k]).json(), c.get("/api/v1/messages/%s" % ids2[k]).json()
            want_status = stream.fates[k][-1]
            self.assertEqual((m1["status"], m2["status"]), (want_status, want_status), (k, stream.fates[k], m1, m2))
            self.assertEqual(m1["error"], m2["error"], (k, m1, m2))
            if want_status == "failed":
                self.assertEqual(m1["error"]["code"], 131026, m1)
            # Meta's times: the same everywhere. delivered_at too: a `delivered` arriving after `read`
            # corrects the time `read` implied (core/status_rules).
            for field in ("delivered_at", "read_at", "failed_at"):
                self.assertEqual(m1[field], m2[field], (k, field, stream.fates[k], m1, m2))
        c.close()

        # Every payload to outlet 1 did something new (the stream has no duplicate); outlet 2's copies
        # were counted, and the events list holds no pending or rejected payload of ours.
        events = all_pages(admin, "/api/v1/webhook-events", "events", 500, 10 * len(in_order + copies))
        self.assertEqual(len(events), len(in_order) + len(copies), "one event record per payload")
        self.assertEqual([e for e in events if e["outcome"] in ("pending", "rejected")], [])
        total = sum(e["counts"].get("messages", 0) for e in events)
        n_msgs = sum(1 for e in stream.events if e["kind"] == "msg")
        self.assertEqual(total, 2 * n_msgs, "new messages counted over both outlets: each exactly once")
        admin.close()
        sys.stderr.write("\n[burst] stream: %d events (%d messages), %d payloads in order + %d shuffled; "
                         "posted and applied in %.1fs, whole test %.1fs\n"
                         % (STREAM_EVENTS, n_msgs, len(in_order), len(copies), t_posted - t_start,
                            time.monotonic() - t_start))


# --------------------------------------------------------------------------------------------------
# Part 2: kill -9 during a 30,000-event burst


def burst_payloads(fx, rng, t0):
    """BURST_EVENTS events (95 % messages, 5 % reactions to earlier ones) in payloads of BURST_PER_PAYLOAD.

    Returns (payloads [(body, signature, [message wamids])], {wamid: customer}).
    """
    customers = ["62813%08d" % n for n in rng.sample(range(10_000_000, 99_999_999), BURST_CUSTOMERS)]
    pnid, waba, secret = fx.phone_number_id, fx.outlet["waba_id"], fx.secrets["app_secret"]
    display = fx.outlet["display_phone_number"].lstrip("+")
    author = {}
    payloads = []
    seq = 0
    earlier = []
    for p in range(BURST_EVENTS // BURST_PER_PAYLOAD):
        values, wamids = [], []
        per_value = BURST_PER_PAYLOAD // 2  # two values per payload (two entries on odd payloads)
        for v in range(2):
            msgs, contacts = [], {}
            for _ in range(per_value):
                seq += 1
                ts = str(t0 + seq // 10)
                wamid = "wamid.BURST%08d%08X" % (seq, rng.getrandbits(32))
                c = rng.choice(customers)
                contacts[c] = {"profile": {"name": "Burst %s" % c[-4:]}, "wa_id": c}
                if earlier and rng.random() < 0.05:
                    target = rng.choice(earlier)
                    c = author[target]  # a customer reacts in their own chat
                    contacts[c] = {"profile": {"name": "Burst %s" % c[-4:]}, "wa_id": c}
                    msgs.append({"from": c, "id": wamid, "timestamp": ts, "type": "reaction",
                                 "reaction": {"message_id": target, "emoji": rng.choice(EMOJIS)}})
                    continue
                msgs.append({"from": c, "id": wamid, "timestamp": ts, "type": "text",
                             "text": {"body": "burst message %d" % seq}})
                author[wamid] = c
                wamids.append(wamid)
                earlier.append(wamid)
            values.append(change_value(pnid, messages=msgs, contacts=list(contacts.values()), display=display))
        entries = [(waba, values)] if p % 2 == 0 else [(waba, values[:1]), (waba, values[1:])]
        body = encode_payload(webhook_payload(entries))
        payloads.append((body, sign(body, secret), wamids))
    return payloads, author


class KillDuringBurstTest(harness.WagateTestCase):
    def stored_messages(self, client, outlet_id):
        """({customer: [wamid, ...] in history}, {customer: unread_count})."""
        conv = conversations_of(client, outlet_id, 2 * BURST_CUSTOMERS)
        hist = histories_of(client, conv, BURST_EVENTS)
        return ({c: [h["whatsapp_message_id"] for h in items] for c, items in hist.items()},
                {c: v["unread_count"] for c, v in conv.items()})

    def check_exactly_once(self, stored, unread, author, label):
        """No message twice, each in its author's conversation, unread = the messages there."""
        seen = {}
        for c, wamids in stored.items():
            for w in wamids:
                self.assertNotIn(w, seen, "%s: message %s stored twice (%s and %s)" % (label, w, seen.get(w), c))
                seen[w] = c
                self.assertEqual(author.get(w), c, "%s: %s in the wrong conversation (or unknown)" % (label, w))
            self.assertEqual(unread[c], len(wamids), "%s: unread count of %s" % (label, c))
        return set(seen)

    def test_kill9_mid_burst_loses_no_acknowledged_payload(self):
        t_start = time.monotonic()
        s = self.start_stack(connect_webhooks=False)
        fx = s.default_fixture()
        payloads, author = burst_payloads(fx, random.Random(BURST_SEED), int(time.time()) - 3600)
        n = len(payloads)
        per_customer = {}
        for w, c in author.items():
            per_customer[c] = per_customer.get(c, 0) + 1

        stop = threading.Event()
        ok = [0]
        ok_lock = threading.Lock()
        kill_at = int(n * BURST_KILL_FRACTION)

        def on_answer(i, status):
            if status == 200:
                with ok_lock:
                    ok[0] += 1
                    if ok[0] >= kill_at:
                        stop.set()

        killed_at = []

        def killer():
            # kill -9 as soon as 40 % were acknowledged, while the other clients are mid-request
            if stop.wait(timeout=300):
                s.gateway.kill9()
                killed_at.append(time.time())

        k = threading.Thread(target=killer, daemon=True)
        k.start()
        t_burst = time.monotonic()
        answers = post_all(s.gateway.client(keepalive=True, timeout=60), payloads, range(n), BURST_CLIENTS,
                           stop=stop, on_answer=on_answer)
        k.join(timeout=30)
        t_killed = time.monotonic()
        self.assertFalse(s.gateway.alive(), "the gateway was not killed")
        acked = sorted(i for i, st in answers.items() if st == 200)
        other = {st for i, st in answers.items() if st != 200}
        self.assertTrue(other <= {None}, "answers other than 200 or none before the kill: %s" % other)
        self.assertGreaterEqual(len(acked), kill_at)
        self.assertLess(len(acked), n, "the burst ended before the kill: it proves nothing")

        restarted_at = time.time()
        s.gateway.restart()
        admin = s.gateway.client(keepalive=True, timeout=60)
        wait_nothing_pending(admin, 120)
        t_recovered = time.monotonic()
        # what the kill left journaled but not applied, applied by the restarted gateway (for the report: how
        # much of the recovery path this run exercised)
        before = all_pages(admin, "/api/v1/webhook-events", "events", 500, 4 * n)
        applied_after_restart = sum(1 for e in before if harness.parse_ts(e["received_at"]) < killed_at[0]
                                    and harness.parse_ts(e["processed_at"]) >= restarted_at - 0.001)
        stored, unread = self.stored_messages(admin, fx.outlet_id)
        have = self.check_exactly_once(stored, unread, author, "after the restart")
        missing = [w for i in acked for w in payloads[i][2] if w not in have]
        self.assertEqual(missing[:10], [], "%d messages of payloads answered 200 are lost" % len(missing))
        # whatever else is there came from a payload the gateway journaled but could not answer in time
        attempted = {w for i in answers for w in payloads[i][2]}
        self.assertLessEqual(have, attempted, "messages of payloads never sent")
        acked_messages = {w for i in acked for w in payloads[i][2]}
        unanswered_but_kept = len(have - acked_messages)

        # Meta retries what got no 200: all of it arrives again (also what the gateway had journaled)
        retry = [i for i in range(n) if answers.get(i) != 200]
        again = post_all(s.gateway.client(keepalive=True, timeout=60), payloads, retry, BURST_CLIENTS)
        self.assertEqual(set(again.values()), {200}, "redelivery after the restart")
        wait_nothing_pending(admin, 120)
        stored, unread = self.stored_messages(admin, fx.outlet_id)
        have = self.check_exactly_once(stored, unread, author, "after Meta's retries")
        self.assertEqual(len(have), len(author), "every message once")
        self.assertEqual(unread, per_customer, "unread counts per customer")

        events = all_pages(admin, "/api/v1/webhook-events?outcome=applied", "events", 500, 4 * n)
        self.assertEqual(sum(e["counts"].get("messages", 0) for e in events), len(author),
                         "counts.messages over applied events = distinct messages")
        self.assertEqual(pending_events(admin), [])
        admin.close()
        sys.stderr.write("\n[burst] %d payloads x %d events; %d answered 200 before the kill -9 (%.1fs); %d payloads "
                         "journaled before the kill were applied after the restart; %d messages journaled without "
                         "an answer; %d retried; recovered in %.1fs; whole test %.1fs\n"
                         % (n, BURST_PER_PAYLOAD, len(acked), t_killed - t_burst, applied_after_restart,
                            unanswered_but_kept, len(retry), t_recovered - t_killed, time.monotonic() - t_start))


if __name__ == "__main__":
    harness.main()
