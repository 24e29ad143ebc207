"""The Cloud API sandbox on its own (it ships as product): Graph surface, signed webhooks, faults, control.

Contract: docs/sandbox.md, and the simulator checklist of cloud-api.md §9. A tiny Python HTTP server
stands in for the gateway to receive the sandbox's webhooks.
"""

import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import HttpClient, Sandbox, sign, wait_until  # noqa: E402


class Receiver:
    """Records every POST; answers `fail_first` requests with 500, then 200. A GET (Meta's verification
    handshake) is recorded in `gets` as its query dict and answered by `answer_get(query)` → (status, body);
    by default it echoes hub.challenge, as a gateway that knows the token does."""

    def __init__(self, fail_first=0, answer_get=None):
        self.posts = []
        self.gets = []
        self.events = []  # "GET" / "POST", in arrival order
        self.lock = threading.Lock()
        self.fail_first = fail_first
        self.answer_get = answer_get or (lambda q: (200, q.get("hub.challenge", "")))
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))
                status, body = outer.answer_get(query)
                with outer.lock:
                    outer.gets.append(query)
                    outer.events.append("GET")
                body = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.posts.append((dict((k.lower(), v) for k, v in self.headers.items()), body))
                    outer.events.append("POST")
                    failing = outer.fail_first > 0
                    if failing:
                        outer.fail_first -= 1
                code = 500 if failing else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/webhooks/whatsapp" % self.server.server_address[1]

    def statuses(self):
        out = []
        with self.lock:
            posts = list(self.posts)
        for headers, body in posts:
            p = json.loads(body)
            for e in p["entry"]:
                for c in e["changes"]:
                    for st in c["value"].get("statuses", []):
                        out.append(st)
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SandboxTest(harness.WagateTestCase):
    def start_sandbox(self, *args):
        sb = Sandbox(self.tmp, args=list(args))
        self.addCleanup(sb.stop)
        sb.start()
        self.track(sb.proc)
        return sb

    def receiver(self, **kw):
        r = Receiver(**kw)
        self.addCleanup(r.close)
        return r

    def graph(self, sb, token="any-token"):
        return HttpClient(sb.host, sb.port, key=token)

    def send(self, sb, body=None, pnid="106540352242922", token="any-token", version="v21.0", client=None, **over):
        b = {"messaging_product": "whatsapp", "to": "+628123456789", "type": "text", "text": {"body": "hi"},
             "biz_opaque_callback_data": "cb-1"}
        if body is not None:
            b = body
        b.update(over)
        return (client or self.graph(sb, token)).post("/%s/%s/messages" % (version, pnid), b)

    def code_of(self, r):
        """200, or the Graph error code of a refusal."""
        return 200 if r.status == 200 else r.json()["error"]["code"]

    def check_throughput_window(self, reqs, mps, margin_ms=100):
        """Each answer in `reqs` (one number's requests, sent one after another) agrees with a sliding one-second
        window of `mps` over the sandbox's own arrival stamps. The log has millisecond stamps and may be
        stamped a moment apart from the window's own: near the window's edge, `margin_ms` either way."""
        taken = []
        for q in reqs:
            t = q["time_ms"]
            surely_in = sum(1 for a in taken if a > t - 1000 + margin_ms)
            maybe_in = sum(1 for a in taken if a >= t - 1000 - margin_ms)
            if q["http_status"] == 200:
                self.assertLess(surely_in, mps, "accepted beyond %d in a second: %s" % (mps, reqs))
                taken.append(t)
            else:
                self.assertEqual(q["graph_code"], 130429, q)
                self.assertGreaterEqual(maybe_in, mps, "refused with room in the window: %s" % reqs)

    def assertMetaError(self, r, http_status, codes):
        self.assertEqual(r.status, http_status, r)
        e = r.json()["error"]
        self.assertIn(e["code"], codes if isinstance(codes, tuple) else (codes,), e)
        # Graph's own errors (190, 100/33, 2500) are a sentence without error_data; WhatsApp's are
        # "(#code) Title" with error_data (docs/sandbox.md, "Error texts").
        generic = e["code"] in (190, 2500) or e.get("error_subcode") == 33
        self.assertTrue(e["message"].startswith("(#%d) " % e["code"]) or generic, e)
        self.assertIsInstance(e["type"], str, e)
        self.assertIsInstance(e["fbtrace_id"], str, e)
        self.assertTrue(e["fbtrace_id"], e)
        if not generic:
            self.assertEqual(e["error_data"]["messaging_product"], "whatsapp", e)
            self.assertIsInstance(e["error_data"]["details"], str, e)
        return e

    # --- Graph surface

    def test_success_shape(self):
        sb = self.start_sandbox("--mps", "0")
        for version in ("v21.0", "v24.0", "v99.0"):
            r = self.send(sb, version=version, to="+1 (415) 555-2671")
            self.assertEqual(r.status, 200, r)
            j = r.json()
            self.assertEqual(j["messaging_product"], "whatsapp")
            self.assertEqual(j["contacts"], [{"input": "+1 (415) 555-2671", "wa_id": "14155552671"}])
            wamid = j["messages"][0]["id"]
            self.assertTrue(wamid.startswith("wamid."), j)
            self.assertLessEqual(len(wamid), 128)
        msgs = sb.messages()
        self.assertEqual(len(msgs), 3)
        self.assertEqual(msgs[-1]["wamid"], wamid)
        self.assertEqual(msgs[-1]["biz_opaque_callback_data"], "cb-1")
        self.assertEqual(msgs[-1]["request"]["text"]["body"], "hi")
        self.assertEqual(len({m["wamid"] for m in msgs}), 3, "wamids are unique")

    def test_validation_errors_have_metas_shape(self):
        sb = self.start_sandbox("--mps", "0")
        base = {"messaging_product": "whatsapp", "to": "+628123456789", "type": "text", "text": {"body": "hi"}}
        cases = [
            ("no messaging_product", {k: v for k, v in base.items() if k != "messaging_product"}, (100, 131008, 131009)),
            ("wrong messaging_product", dict(base, messaging_product="sms"), (100, 131009)),
            ("no to", {k: v for k, v in base.items() if k != "to"}, (100, 131008)),
            ("unknown type", dict(base, type="hologram"), (100, 131009, 131008)),
            ("type without object", dict(base, type="image"), (100, 131008, 131009)),
            ("no text object", {k: v for k, v in base.items() if k != "text"}, (100, 131008)),
            ("empty body", dict(base, text={"body": ""}), (100, 131008, 131009)),
            ("body too long", dict(base, text={"body": "x" * 4097}), (100, 131009)),
        ]
        for name, body, codes in cases:
            with self.subTest(case=name):
                r = self.send(sb, body=body)
                self.assertMetaError(r, 400, codes)
        r = self.send(sb, body=dict(base, text={"body": "x" * 4096}))
        self.assertEqual(r.status, 200, "4096 characters are allowed: %r" % r)
        r = self.send(sb, pnid="not-a-number")
        e = self.assertMetaError(r, 400, 100)
        self.assertEqual(sb.stats()["accepted"], 1)
        r = self.graph(sb).request("POST", "/v21.0/106540352242922/messages", raw=b"{nope")
        self.assertEqual(r.status // 100, 4, r)
        self.assertIn("error", r.json())

    def test_graph_routes_and_words(self):
        """Issue 15: unversioned paths, Graph's errors for unrouted paths, query-string parameters, phone numbers."""
        sb = self.start_sandbox("--mps", "0")
        g = self.graph(sb)
        r = self.send(sb, version="v24.0")
        self.assertEqual(r.status, 200, r)
        r = g.post("/106540352242922/messages", {"messaging_product": "whatsapp", "to": "+628123456789",
                                                 "type": "text", "text": {"body": "unversioned"}})
        self.assertEqual(r.status, 200, r)
        e = self.assertMetaError(g.get("/v24.0/106540352242922/unknown_edge"), 400, 2500)
        self.assertEqual(e["message"], "Unknown path components: /unknown_edge")
        e = self.assertMetaError(g.request("PATCH", "/v24.0/106540352242922/messages", body={}), 400, 100)
        self.assertTrue(e["message"].startswith("Unsupported patch request. Object with ID '106540352242922'"), e)
        r = self.send(sb, text={"body": "x" * 4097})
        self.assertEqual(r.json()["error"]["message"], "(#100) Param text['body'] must be at most 4096 characters long.")
        r = self.send(sb, token=None)
        self.assertEqual((r.status, r.json()["error"]["message"]),
                         (401, "Invalid OAuth access token - Cannot parse access token"))
        self.assertIn('"invalid_token"', r.headers.get("www-authenticate", ""))
        # messaging_product in the query string, only the file in the form (Meta's own upload example).
        boundary = "b0undary"
        form = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                "Content-Type: image/png\r\n\r\n\x89PNG-bytes\r\n--%s--\r\n" % (boundary, boundary)).encode("latin-1")
        r = g.request("POST", "/v24.0/106540352242922/media?messaging_product=whatsapp", raw=form,
                      headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["id"].isdigit(), r)
        number = g.get("/v24.0/106540352242922?fields=throughput,quality_rating,whatsapp_business_manager_messaging_limit")
        self.assertEqual(number.status, 200, number)
        self.assertEqual(number.json(), {"throughput": {"level": "HIGH"}, "quality_rating": "GREEN",
                                         "whatsapp_business_manager_messaging_limit": "TIER_UNLIMITED",
                                         "id": "106540352242922"})
        listed = g.get("/v24.0/100000000000001/phone_numbers")
        self.assertEqual([n["id"] for n in listed.json()["data"]], ["106540352242922"], listed)
        # The sandbox's own routes keep wagate's error shape.
        self.assertEqual(sb.http.get("/_sandbox/nothing").json()["error"]["code"], "not_found")

    def test_bearer_token(self):
        sb = self.start_sandbox("--mps", "0")
        r = self.send(sb, token=None)
        self.assertMetaError(r, 401, 190)
        sb2 = self.start_sandbox_with_token()
        self.assertMetaError(self.send(sb2, token="wrong"), 401, 190)
        self.assertEqual(self.send(sb2, token="the-right-token").status, 200)

    def start_sandbox_with_token(self):
        import tempfile
        d = tempfile.mkdtemp(dir=self.tmp)
        sb = Sandbox(d, args=["--mps", "0", "--access-token", "the-right-token"])
        self.addCleanup(sb.stop)
        sb.start()
        self.track(sb.proc)
        return sb

    def test_throughput_limit(self):
        sb = self.start_sandbox("--mps", "5")
        c = HttpClient(sb.host, sb.port, key="any-token", keepalive=True)
        self.addCleanup(c.close)
        results = [self.send(sb, pnid="111", client=c) for _ in range(10)]
        ok = [r for r in results if r.status == 200]
        limited = [r for r in results if r.status != 200]
        for r in limited:
            self.assertMetaError(r, 400, 130429)
        # The window counts arrivals: judge by the sandbox's own stamps, not by how fast this machine sent.
        # Ten within a second: exactly five pass. Spread wider by a starved machine, each answer must still
        # agree with the window.
        reqs = sb.requests()
        self.assertEqual([q["http_status"] for q in reqs], [r.status for r in results])
        self.check_throughput_window(reqs, 5)
        if reqs[-1]["time_ms"] - reqs[0]["time_ms"] < 900:
            self.assertEqual(len(ok), 5, [r.status for r in results])
        # another phone number has its own window
        self.assertEqual(self.send(sb, pnid="222").status, 200)
        # the window slides: after a second there is room again
        wait_until(lambda: self.send(sb, pnid="111").status == 200, 10, interval=0.2, msg="window slides")

    # --- faults

    def test_injected_faults_use_metas_codes_and_http_statuses(self):
        sb = self.start_sandbox("--mps", "0")
        for faults, http_status, code in (({"fail_rate": 1.0}, 500, 131000),
                                          ({"fail_rate": 0.0, "throttle_rate": 1.0}, 400, 130429),
                                          ({"throttle_rate": 0.0, "error_code": 131026, "error_rate": 1.0}, 400, 131026),
                                          ({"error_code": 100}, 400, 100),
                                          ({"error_code": 190}, 401, 190),
                                          ({"error_code": 131056}, 400, 131056)):
            with self.subTest(faults=faults):
                sb.faults(**faults)
                self.assertMetaError(self.send(sb), http_status, code)
        sb.faults(error_rate=0.0)
        self.assertEqual(self.send(sb).status, 200)
        reqs = sb.requests()
        self.assertEqual(len(reqs), 7)
        self.assertEqual([r["graph_code"] for r in reqs], [131000, 130429, 131026, 100, 190, 131056, None])
        self.assertEqual([r["http_status"] for r in reqs], [500, 400, 400, 400, 401, 400, 200])
        self.assertIsNotNone(reqs[-1]["wamid"])
        self.assertEqual(sb.stats()["accepted"], 1)

    def test_timeout_fault_holds_the_request(self):
        sb = self.start_sandbox("--mps", "0", "--timeout-ms", "1500")
        sb.faults(timeout_rate=1.0)
        t0 = time.monotonic()
        r = self.send(sb)
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 1.3, "the request should hang for --timeout-ms")
        self.assertNotEqual(r.status, 200, r)
        self.assertEqual(sb.messages(), [], "a timed-out request is not accepted")

    def test_fault_dice_are_reproducible_with_a_seed(self):
        outcomes = []
        for _ in range(2):
            import tempfile
            d = tempfile.mkdtemp(dir=self.tmp)
            sb = Sandbox(d, args=["--mps", "0", "--seed", "1234", "--fail-rate", "0.5"])
            self.addCleanup(sb.stop)
            sb.start()
            self.track(sb.proc)
            outcomes.append([self.send(sb).status for _ in range(24)])
            sb.stop()
        self.assertEqual(outcomes[0], outcomes[1])
        self.assertIn(200, outcomes[0])
        self.assertIn(500, outcomes[0])

    # --- webhooks

    def test_status_webhooks_signed_in_order_with_callback_data(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--webhook-url", rec.url, "--delay-sent-ms", "0",
                                "--delay-delivered-ms", "100", "--delay-read-ms", "200")
        r = self.send(sb, pnid="106540352242922", biz_opaque_callback_data="msg-42")
        wamid = r.json()["messages"][0]["id"]
        wait_until(lambda: len(rec.posts) >= 3, 30, msg="three status webhooks")
        for headers, body in rec.posts:
            self.assertEqual(headers.get("x-hub-signature-256"), sign(body, sb.app_secret))
            self.assertTrue(headers.get("content-type", "").startswith("application/json"), headers)
            body.decode("ascii")  # ASCII-only JSON, like Meta's
            p = json.loads(body)
            self.assertEqual(p["object"], "whatsapp_business_account")
            ch = p["entry"][0]["changes"][0]
            self.assertEqual(ch["field"], "messages")
            self.assertEqual(ch["value"]["messaging_product"], "whatsapp")
            self.assertEqual(ch["value"]["metadata"]["phone_number_id"], "106540352242922")
            self.assertIn("display_phone_number", ch["value"]["metadata"])
        sts = rec.statuses()
        self.assertEqual([s["status"] for s in sts], ["sent", "delivered", "read"])
        for s in sts:
            self.assertEqual(s["id"], wamid)
            self.assertEqual(s["biz_opaque_callback_data"], "msg-42")
            self.assertEqual(s["recipient_id"], "628123456789")
            self.assertIsInstance(s["timestamp"], str)
            self.assertRegex(s["timestamp"], r"^\d{10}$")
        wait_until(lambda: sb.stats()["webhooks_delivered"] == 3, 30, msg="stats count deliveries")

    def test_reorder_and_duplicates(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--webhook-url", rec.url, "--reorder", "--duplicate-rate", "1",
                                "--delay-sent-ms", "0", "--delay-delivered-ms", "100", "--delay-read-ms", "200")
        self.send(sb)
        wait_until(lambda: len(rec.statuses()) >= 6, 30, msg="six status webhooks")
        seq = [s["status"] for s in rec.statuses()]
        self.assertEqual(sorted(seq), sorted(["sent", "sent", "delivered", "delivered", "read", "read"]), seq)
        self.assertLess(seq.index("read"), seq.index("delivered"), "read before delivered with --reorder: %s" % seq)

    def test_webhook_delivery_is_retried_until_accepted(self):
        rec = self.receiver(fail_first=3)
        sb = self.start_sandbox("--mps", "0", "--webhook-url", rec.url, "--delay-sent-ms", "0",
                                "--delay-delivered-ms", "0", "--delay-read-ms", "0")
        self.send(sb)
        wait_until(lambda: sb.stats()["webhooks_delivered"] == 3 and sb.stats()["webhooks_pending"] == 0, 60,
                   interval=0.1, msg="all three delivered despite 3 failures")
        self.assertGreaterEqual(sb.stats()["webhooks_failed_attempts"], 3)
        self.assertEqual(sorted({s["status"] for s in rec.statuses()}), ["delivered", "read", "sent"])

    def test_no_webhooks_without_url_and_url_set_later(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--delay-sent-ms", "0")
        self.send(sb)
        sb.config(webhook_url=rec.url)
        self.send(sb, biz_opaque_callback_data="second")
        wait_until(lambda: len(rec.statuses()) >= 3, 30, msg="webhooks of the second send")
        self.assertEqual({s.get("biz_opaque_callback_data") for s in rec.statuses()}, {"second"})

    def test_inbound_message_webhook(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--webhook-url", rec.url)
        r = sb.inbound("106540352242922", "+628123456789", "Does it come in blue? \u00e9\u20ac")
        self.assertTrue(r["wamid"].startswith("wamid."), r)
        wait_until(lambda: len(rec.posts) >= 1, 30, msg="inbound webhook")
        headers, body = rec.posts[0]
        self.assertEqual(headers.get("x-hub-signature-256"), sign(body, sb.app_secret))
        self.assertNotRegex(body, rb"[\x80-\xff]", "non-ASCII must be escaped as \\uXXXX")
        self.assertIn(b"\\u00e9", body.lower())
        v = json.loads(body)["entry"][0]["changes"][0]["value"]
        self.assertEqual(v["metadata"]["phone_number_id"], "106540352242922")
        m = v["messages"][0]
        self.assertEqual(m["from"], "628123456789")
        self.assertEqual(m["id"], r["wamid"])
        self.assertEqual(m["type"], "text")
        self.assertEqual(m["text"]["body"], "Does it come in blue? \u00e9\u20ac")
        self.assertRegex(m["timestamp"], r"^\d{10}$")
        self.assertEqual(v["contacts"][0]["wa_id"], "628123456789")

    def test_oversized_inbound_media_arrive_as_unsupported_131052(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--webhook-url", rec.url)
        before = sb.stats()["media_count"]
        r = sb.inbound_message({"phone_number_id": "106540352242922", "from": "+628123456789", "type": "video",
                                "video": {"mime_type": "video/mp4", "size": 101 * 1024 * 1024, "caption": "big"}})
        self.assertIsNone(r["media_id"], r)
        self.assertEqual(r["error_code"], 131052, r)
        self.assertTrue(r["webhook_scheduled"], r)
        wait_until(lambda: len(rec.posts) >= 1, 30, msg="the 131052 webhook")
        headers, body = rec.posts[0]
        self.assertEqual(headers.get("x-hub-signature-256"), sign(body, sb.app_secret))
        m = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]
        self.assertEqual(m["id"], r["wamid"])
        self.assertEqual(m["type"], "unsupported")
        self.assertEqual(m["unsupported"], {"type": "video"})
        self.assertNotIn("video", m)
        self.assertEqual(len(m["errors"]), 1, m)
        e = m["errors"][0]
        self.assertEqual((e["code"], e["title"], e["message"]), (131052, "Media download error", "Media download error"))
        self.assertIsInstance(e["error_data"]["details"], str)
        self.assertEqual(sb.stats()["media_count"], before, "nothing stored")

    # --- webhook verification handshake (cloud-api.md §4.1)

    def verification(self, sb):
        return sb.stats()["webhook_verification"]

    def test_webhook_verification_then_delivery(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--webhook-url", rec.url, "--verify-token", "tok-\u00e9 &x")
        wait_until(lambda: self.verification(sb)["state"] == "verified", 30, msg="handshake passed")
        self.assertEqual(self.verification(sb), {"state": "verified", "attempts": 1, "last_error": None})
        q = rec.gets[0]
        self.assertEqual(q["hub.mode"], "subscribe")
        self.assertEqual(q["hub.verify_token"], "tok-\u00e9 &x")
        self.assertRegex(q["hub.challenge"], r"^\d{10}$")
        self.assertEqual(sb.config()["verify_token"], "tok-\u00e9 &x")
        r = sb.inbound("106540352242922", "+628123456789", "hi")
        wait_until(lambda: len(rec.posts) >= 1, 30, msg="webhook after the handshake")
        self.assertEqual(json.loads(rec.posts[0][1])["entry"][0]["changes"][0]["value"]["messages"][0]["id"],
                         r["wamid"])
        self.assertEqual(rec.events[0], "GET")
        # A config change that leaves URL and token alone does not ask again; a new token does.
        sb.config(mps=0)
        sb.config(verify_token="tok-2")
        wait_until(lambda: len(rec.gets) >= 2 and self.verification(sb)["state"] == "verified", 30,
                   msg="verified again with the new token")
        self.assertEqual([g["hub.verify_token"] for g in rec.gets], ["tok-\u00e9 &x", "tok-2"])
        self.assertNotIn("tok-2", sb.proc.log_text(), "the verify token is never logged")

    def test_webhook_verification_failure_blocks_delivery(self):
        refusing = self.receiver(answer_get=lambda q: (403, "forbidden"))
        sb = self.start_sandbox("--mps", "0", "--webhook-url", refusing.url, "--verify-token", "tok-1")
        r = sb.inbound("106540352242922", "+628123456789", "held back")
        wait_until(lambda: self.verification(sb)["attempts"] >= 3, 30, msg="handshake retried")
        self.assertEqual(self.verification(sb)["state"], "failed")
        self.assertEqual(self.verification(sb)["last_error"], "HTTP 403")
        self.assertEqual(refusing.posts, [], "no webhook before the handshake passed")
        self.assertEqual(sb.stats()["webhooks_pending"], 1)
        log = sb.proc.log_text()
        self.assertEqual(log.count("webhook verification failed: %s: HTTP 403" % refusing.url), 1, log)
        self.assertNotIn("tok-1", log)

        wrong_body = self.receiver(answer_get=lambda q: (200, "xyz"))
        sb.config(webhook_url=wrong_body.url)
        wait_until(lambda: self.verification(sb)["last_error"] == 'answered "xyz", expected the challenge', 30,
                   msg="wrong body reported")
        self.assertEqual(self.verification(sb)["state"], "failed")
        self.assertGreaterEqual(len(wrong_body.gets), self.verification(sb)["attempts"])
        self.assertEqual(wrong_body.posts, [])

        echoing = self.receiver()
        sb.config(webhook_url=echoing.url)
        wait_until(lambda: len(echoing.posts) >= 1, 30, msg="the queued webhook, once verified")
        self.assertEqual(json.loads(echoing.posts[0][1])["entry"][0]["changes"][0]["value"]["messages"][0]["id"],
                         r["wamid"])
        self.assertEqual(self.verification(sb)["state"], "verified")
        self.assertEqual(refusing.posts + wrong_body.posts, [])

    # --- delivery rules: pair rate limit, customer service window, messaging tier

    def statuses_of(self, rec, wamid):
        return [s for s in rec.statuses() if s["id"] == wamid]

    def wait_statuses(self, sb, rec, wamid, expected, timeout=30):
        wait_until(lambda: len(self.statuses_of(rec, wamid)) >= len(expected), timeout,
                   msg="%d status webhooks for %s" % (len(expected), wamid))
        # A message's webhooks are all scheduled when it is accepted: once none is pending, no more can
        # come (a fixed wait would miss a late one on a busy machine).
        wait_until(lambda: sb.stats()["webhooks_pending"] == 0, timeout, msg="sandbox webhooks delivered")
        got = self.statuses_of(rec, wamid)
        self.assertEqual([s["status"] for s in got], expected, got)
        return got

    def template(self, to):
        return {"messaging_product": "whatsapp", "to": to, "type": "template",
                "template": {"name": "hello_world", "language": {"code": "en_US"}}}

    def test_pair_rate_limit_burst_then_131056_then_refill(self):
        # One token back every 2 s: each refusal below needs only the few requests before it to come within
        # that, which no machine misses; the refills are waited for, not slept for.
        sb = self.start_sandbox("--mps", "0", "--pair-burst", "3", "--pair-interval-ms", "2000")
        c = sb.http.get("/_sandbox/config").json()
        self.assertEqual((c["pair_burst"], c["pair_interval_ms"]), (3, 2000))
        t_burst = time.monotonic()
        for i in range(3):
            self.assertEqual(self.send(sb, to="+62 812-3456-789").status, 200, i)
        e = self.assertMetaError(self.send(sb, to="628123456789"), 400, 131056)  # same digits, other spelling
        self.assertEqual(e["message"], "(#131056) (Business Account, Consumer Account) pair rate limit hit")
        self.assertEqual(e["type"], "OAuthException")
        # other customers and other numbers are not affected
        self.assertEqual(self.send(sb, to="+628123456780").status, 200)
        self.assertEqual(self.send(sb, to="+628123456789", pnid="222").status, 200)
        # one token back per interval, and refused attempts take none: asked again and again, the pair gets
        # one message through per interval (a refusal that took a token would keep it out for good)
        refused = [1]

        def token_back():
            r = self.send(sb, to="+628123456789")
            if r.status == 200:
                return True
            self.assertMetaError(r, 400, 131056)
            refused[0] += 1
            return False

        for n in (1, 2):
            wait_until(token_back, 20, interval=0.05, msg="pair token %d back" % n)
            # the n-th token is back n intervals after the first of the burst, not sooner
            self.assertGreaterEqual(time.monotonic() - t_burst, 2.0 * n - 0.05, "token %d back too soon" % n)
            self.assertMetaError(self.send(sb, to="+628123456789"), 400, 131056)
            refused[0] += 1
        self.assertEqual(sb.stats()["rejected_by_code"]["131056"], refused[0])
        self.assertEqual([r["graph_code"] for r in sb.requests()].count(131056), refused[0])
        self.assertEqual(len(sb.messages()), 7, "a 131056 is never accepted")
        # Meta's defaults: 45 in a burst, then one per 6 s (changing the rule refills every bucket)
        sb.config(pair_burst=45, pair_interval_ms=6000)
        for i in range(45):
            self.assertEqual(self.send(sb, to="+628123456789").status, 200, i)
        self.assertMetaError(self.send(sb, to="+628123456789"), 400, 131056)
        sb.config(pair_burst=0)  # off
        for i in range(20):
            self.assertEqual(self.send(sb, to="+628123456789").status, 200, i)

    def test_pair_rate_limit_counts_only_requests_within_throughput(self):
        sb = self.start_sandbox("--mps", "2", "--pair-burst", "3", "--pair-interval-ms", "60000")
        c = HttpClient(sb.host, sb.port, key="any-token", keepalive=True)
        self.addCleanup(c.close)
        answers = []

        def send():
            answers.append(self.send(sb, to="+628123456789", client=c))
            return self.code_of(answers[-1])

        def codes():
            return [self.code_of(r) for r in answers]

        for _ in range(6):
            send()
        self.assertIn(130429, codes())
        self.assertNotIn(131056, codes())
        reqs = sb.requests()
        self.check_throughput_window(reqs, 2)
        if reqs[-1]["time_ms"] - reqs[0]["time_ms"] < 900:  # within one second (the sandbox's stamps)
            self.assertEqual(codes().count(200), 2, codes())  # the rest were 130429

        # Keep asking: a third gets through (the refused requests took no pair token), then, once the
        # throughput window lets one through again, it meets 131056 (no token left for a minute).
        def third_token():
            if codes().count(200) < 3:
                send()
            return codes().count(200) >= 3

        wait_until(third_token, 20, interval=0.2, msg="the third pair token was not used by 130429-refused requests")
        wait_until(lambda: send() != 130429, 20, interval=0.2, msg="a request within the throughput window")
        self.assertEqual(codes().count(200), 3, codes())
        self.assertEqual(codes().count(131056), 1, codes())
        self.assertMetaError(answers[-1], 400, 131056)

    def test_service_window_enforced(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--enforce-window", "--webhook-url", rec.url, "--delay-sent-ms", "0",
                                "--delay-delivered-ms", "50", "--delay-read-ms", "100")
        pnid = "106540352242922"
        self.assertEqual(sb.http.get("/_sandbox/config").json()["enforce_window"], True)

        # a customer who never wrote: accepted like Meta does, then one signed `failed` webhook with 131047
        r = self.send(sb, pnid=pnid, to="+628111000001", biz_opaque_callback_data="outside")
        self.assertEqual(r.status, 200, r)
        wamid = r.json()["messages"][0]["id"]
        self.assertTrue(wamid.startswith("wamid."))
        (st,) = self.wait_statuses(sb, rec, wamid, ["failed"])
        self.assertEqual(st["recipient_id"], "628111000001")
        self.assertEqual(st["biz_opaque_callback_data"], "outside")
        err = st["errors"][0]
        self.assertEqual((err["code"], err["title"], err["message"]),
                         (131047, "Re-engagement message", "Re-engagement message"))
        self.assertEqual(err["error_data"]["details"], "Message failed to send because more than 24 hours have "
                         "passed since the customer last replied to this number.")
        for headers, body in rec.posts:
            self.assertEqual(headers.get("x-hub-signature-256"), sign(body, sb.app_secret))
        self.assertEqual(sb.messages()[-1]["wamid"], wamid, "the message was accepted")

        # templates are always allowed; reactions are free-form
        r = self.send(sb, body=self.template("+628111000001"), pnid=pnid)
        self.assertEqual(r.status, 200, r)
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["sent", "delivered", "read"])
        r = self.send(sb, pnid=pnid, body={"messaging_product": "whatsapp", "to": "+628111000001", "type": "reaction",
                                           "reaction": {"message_id": "wamid.X", "emoji": "\U0001F44D"}})
        self.assertEqual(r.status, 200, r)
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["failed"])

        # the customer writes (POST /_sandbox/inbound): the window opens
        sb.inbound(pnid, "+62 811 1000 001", "hello")
        r = self.send(sb, pnid=pnid, to="+628111000001")
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["sent", "delivered", "read"])
        r = self.send(sb, pnid="999", to="+628111000001")  # the window is per business number
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["failed"])

        # POST /_sandbox/window puts a customer inside or outside without waiting
        now_ms = int(time.time() * 1000)
        w = sb.http.post("/_sandbox/window", {"phone_number_id": pnid, "customer": "+628111000002",
                                              "last_inbound_ms": now_ms - 3600 * 1000})
        self.assertEqual(w.status, 200, w)
        self.assertEqual(w.json()["window_open"], True)
        r = self.send(sb, pnid=pnid, to="+628111000002")
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["sent", "delivered", "read"])
        w = sb.http.post("/_sandbox/window", {"phone_number_id": pnid, "customer": "628111000002",
                                              "last_inbound_ms": now_ms - 25 * 3600 * 1000})
        self.assertEqual(w.json()["window_open"], False)
        r = self.send(sb, pnid=pnid, to="+628111000002")
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["failed"])
        self.assertEqual(sb.stats()["window_failures"], 4)

        # switched off at runtime: the same send is delivered
        sb.config(enforce_window=False)
        r = self.send(sb, pnid=pnid, to="+628111000003")
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["sent", "delivered", "read"])
        self.assertEqual(sb.stats()["window_failures"], 4)

    def test_window_control_rejects_bad_fields(self):
        sb = self.start_sandbox("--mps", "0")
        for body in ({"phone_number_id": "1", "customer": "5"}, {"phone_number_id": "x", "customer": "5",
                                                                "last_inbound_ms": 1},
                     {"phone_number_id": "1", "customer": "no digits", "last_inbound_ms": 1},
                     {"phone_number_id": "1", "customer": "5", "last_inbound_ms": "yesterday"},
                     {"phone_number_id": "1", "customer": "5", "last_inbound_ms": 1, "open": True}):
            with self.subTest(body=body):
                r = sb.http.post("/_sandbox/window", body)
                self.assertEqual(r.status, 400, r)
                self.assertIn("error", r.json())
        r = sb.http.post("/_sandbox/window", {"phone_number_id": "1", "customer": "5", "last_inbound_ms": None})
        self.assertEqual(r.status, 200, r)

    def test_messaging_tier(self):
        rec = self.receiver()
        sb = self.start_sandbox("--mps", "0", "--tier", "2", "--webhook-url", rec.url, "--delay-sent-ms", "0",
                                "--delay-delivered-ms", "50", "--delay-read-ms", "100")
        pnid = "106540352242922"
        self.assertEqual(sb.http.get("/_sandbox/config").json()["tier"], 2)
        ok = ["sent", "delivered", "read"]
        for to in ("+628222000001", "+628222000002"):
            r = self.send(sb, body=self.template(to), pnid=pnid)
            self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ok)
        # a third unique customer in 24 h: accepted, then failed with the sandbox's documented convention
        r = self.send(sb, body=self.template("+628222000003"), pnid=pnid, biz_opaque_callback_data="over-tier")
        self.assertEqual(r.status, 200, r)
        (st,) = self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["failed"])
        self.assertEqual(st["errors"][0]["code"], 131000)
        self.assertEqual(st["errors"][0]["error_data"]["details"],
                         "sandbox: messaging tier limit of 2 unique customers per 24 h reached")
        self.assertEqual(st["biz_opaque_callback_data"], "over-tier")
        # customers already reached count once; another number has its own budget
        r = self.send(sb, body=self.template("+628222000001"), pnid=pnid)
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ok)
        r = self.send(sb, to="+628222000002", pnid=pnid)  # free-form, window not enforced: counted customer
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ok)
        r = self.send(sb, body=self.template("+628222000003"), pnid="222")
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ok)
        # a customer inside an open window does not count against the tier
        sb.inbound(pnid, "+628222000004", "hi")
        r = self.send(sb, body=self.template("+628222000004"), pnid=pnid)
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ok)
        self.assertEqual(sb.stats()["tier_failures"], 1)
        # raised at runtime
        sb.config(tier=3)
        r = self.send(sb, body=self.template("+628222000003"), pnid=pnid)
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ok)
        r = self.send(sb, body=self.template("+628222000005"), pnid=pnid)
        self.wait_statuses(sb, rec, r.json()["messages"][0]["id"], ["failed"])
        self.assertEqual(sb.stats()["tier_failures"], 2)

    # --- control

    def test_control_endpoints(self):
        sb = self.start_sandbox("--mps", "7", "--app-secret", "very-secret-value-123")
        f = sb.http.get("/_sandbox/faults").json()
        self.assertEqual(f["fail_rate"], 0)
        sb.faults(fail_rate=0.25, reorder=True)
        f = sb.http.get("/_sandbox/faults").json()
        self.assertEqual((f["fail_rate"], f["reorder"], f["timeout_rate"]), (0.25, True, 0))
        c = sb.http.get("/_sandbox/config").json()
        self.assertEqual(c["mps"], 7)
        self.assertEqual((c["pair_burst"], c["pair_interval_ms"], c["enforce_window"], c["window_hours"], c["tier"]),
                         (45, 6000, False, 24, 0), "delivery-rule defaults")
        self.assertNotIn("very-secret-value-123", json.dumps(c), "the app secret is not shown in clear")
        sb.config(mps=0, delay_read_ms=10)
        c = sb.http.get("/_sandbox/config").json()
        self.assertEqual((c["mps"], c["delay_read_ms"]), (0, 10))
        for path, body in (("/_sandbox/faults", {"fail_rate": 2}), ("/_sandbox/faults", {"nonsense": 1}),
                           ("/_sandbox/config", {"mps": -1}), ("/_sandbox/config", {"webhook_url": "ftp://x"}),
                           ("/_sandbox/config", {"pair_burst": -1}), ("/_sandbox/config", {"pair_interval_ms": 0}),
                           ("/_sandbox/config", {"enforce_window": "yes"}), ("/_sandbox/config", {"window_hours": 0}),
                           ("/_sandbox/config", {"tier": -5}),
                           ("/_sandbox/faults", [1])):
            with self.subTest(path=path, body=body):
                r = sb.http.post(path, body)
                self.assertEqual(r.status, 400, r)
                self.assertIn("error", r.json())
        sb.faults(fail_rate=0.0)
        self.assertEqual(self.send(sb).status, 200)
        self.assertEqual(len(sb.messages()), 1)
        r = sb.http.delete("/_sandbox/messages")
        self.assertIn(r.status, (200, 204), r)
        self.assertEqual(sb.messages(), [])
        self.assertEqual(sb.http.get("/_sandbox/messages").json()["count"], 0)


if __name__ == "__main__":
    harness.main()
