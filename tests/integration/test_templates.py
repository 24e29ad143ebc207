"""Templates registry: a paged sync from the sandbox WABA, the send-time checks against the registry,
create → review webhook → send, rejection, deletion, per-template counters, and the purchase-order
notification to several recipients.

Acceptance points 3 and 5 of issue 4.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402

FAST_SANDBOX = ["--mps", "0", "--delay-sent-ms", "20", "--delay-delivered-ms", "60", "--delay-read-ms", "120"]
SEEDED = 130  # more than one page of 100: the sync must follow the cursor
STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"]

PO_BODY = "Dear {{1}}, purchase order {{2}} for {{3}} is confirmed."
ORDER_COMPONENTS = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships on {{3}}. Total {{2}} again."},
    {"type": "FOOTER", "text": "Reply STOP to opt out"},
    {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Track"},
                                    {"type": "URL", "text": "Open", "url": "https://shop.example/o/{{1}}"}]},
]
NAMED_COMPONENTS = [{"type": "BODY", "text": "Hi {{first_name}}, your code is {{code}}."}]


def body_params(*values):
    return [{"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}]


def order_components(header=("#42",), body=("Ana", "#42", "Monday"), url=("42",)):
    """Parameters for order_update: header {{1}}, body {{1}}..{{3}}, the URL button (index 1) suffix."""
    out = []
    if header is not None:
        out.append({"type": "header", "parameters": [{"type": "text", "text": v} for v in header]})
    if body is not None:
        out += body_params(*body)
    if url is not None:
        out.append({"type": "button", "sub_type": "url", "index": "1",
                    "parameters": [{"type": "text", "text": v} for v in url]})
    return out


class TemplatesTest(harness.SharedStackTestCase):
    stack_kwargs = {"sandbox_args": FAST_SANDBOX}

    @classmethod
    def setUpStack(cls):
        s = cls.stack
        cls.fx = s.default_fixture()
        cls.other = s.default_fixture()
        cls.waba = cls.fx.outlet["waba_id"]
        s.link_outlet_waba(cls.fx)
        sb = s.sandbox
        cls.ids = {}
        for i in range(SEEDED):
            status = STATUSES[i % len(STATUSES)]
            name = "bulk_%03d" % i
            cls.ids[name] = sb.seed_template(cls.waba, name, "en_US", [{"type": "BODY", "text": "Bulk %d {{1}}" % i}],
                                             status=status, category="MARKETING" if i % 2 else "UTILITY")
        cls.ids["order_update"] = sb.seed_template(cls.waba, "order_update", "en_US", ORDER_COMPONENTS)
        cls.ids["order_update:es"] = sb.seed_template(cls.waba, "order_update", "es", ORDER_COMPONENTS)
        cls.ids["named_code"] = sb.seed_template(cls.waba, "named_code", "en", NAMED_COMPONENTS,
                                                 parameter_format="named")
        cls.ids["pending_offer"] = sb.seed_template(cls.waba, "pending_offer", "en",
                                                    [{"type": "BODY", "text": "Offer {{1}}"}], status="PENDING")
        cls.ids["counted"] = sb.seed_template(cls.waba, "counted", "en", [{"type": "BODY", "text": "Count {{1}}"}])
        cls.ids["po_notification"] = sb.seed_template(cls.waba, "po_notification", "en",
                                                      [{"type": "BODY", "text": PO_BODY}])
        cls.sync = s.sync_templates(cls.fx)
        cls.sandbox_count_at_sync = len(sb.templates(cls.waba))

    # --- helpers

    def send_template(self, name, language, components=None, to=None, fx=None):
        content = {"name": name, "language": {"code": language}}
        if components is not None:
            content["components"] = components
        return self.stack.send_typed(fx or self.fx, "template", content, to=to or harness.recipient())

    def wait_row(self, name, cond, language=None, timeout=60, msg=None):
        last = {}

        def check():
            row = self.stack.template_row(self.fx, name, language)
            last["row"] = row
            return row if cond(row) else None

        try:
            return wait_until(check, timeout, interval=0.1, msg=msg or "registry row of %s" % name)
        except harness.Timeout as e:
            raise harness.Timeout("%s; last row: %r" % (e, last.get("row")))

    def create(self, name, language="en_US", category="UTILITY", text="Hi {{1}}, your parcel is on its way.",
               example=("Ana",)):
        body = {"name": name, "language": language, "category": category, "parameter_format": "positional",
                "components": [{"type": "BODY", "text": text, "example": {"body_text": [list(example)]}}]}
        r = self.stack.admin.post("/api/v1/outlets/%s/templates" % self.fx.outlet_id, body, timeout=60)
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertEqual(j["status"], "PENDING", j)
        self.assertEqual(j["category"], category, j)
        self.assertRegex(j["id"], r"^\d+$", j)
        return j["id"]

    # --- sync

    def test_sync_follows_every_page(self):
        self.assertGreaterEqual(self.sandbox_count_at_sync, SEEDED + 6)
        self.assertEqual(self.sync["waba_id"], self.waba, self.sync)
        self.assertEqual(self.sync["templates"], self.sandbox_count_at_sync, self.sync)
        self.assertGreaterEqual(self.sync["pages"], 2, self.sync)

        # Other tests of this class created and deleted templates since: sync again, compare in full.
        again = self.stack.sync_templates(self.fx)
        in_sandbox = self.stack.sandbox.templates(self.waba)
        self.assertEqual(again["templates"], len(in_sandbox), again)
        self.assertGreaterEqual(again["pages"], 2, again)

        listing = self.stack.templates(self.fx)
        self.assertEqual(listing["waba_id"], self.waba)
        self.assertTimestamp(listing["synced_at"], "synced_at")
        rows = listing["data"]
        self.assertEqual(len(rows), len(in_sandbox))
        by_key = {(t["name"], t["language"]): t for t in rows}
        self.assertEqual(set(by_key), {(t["name"], t["language"]) for t in in_sandbox})
        for t in in_sandbox:
            row = by_key[(t["name"], t["language"])]
            self.assertEqual((row["id"], row["status"], row["category"]), (t["id"], t["status"], t["category"]),
                             row)
        for i in (0, 1, 2, 3, 4, 129):
            row = by_key[("bulk_%03d" % i, "en_US")]
            self.assertEqual(row["status"], STATUSES[i % len(STATUSES)], row)
            self.assertEqual(row["parameters"], {"body": {"count": 1}}, row)

        # Syncing again gives the same registry (it replaces, it does not add).
        self.assertEqual(self.stack.sync_templates(self.fx)["templates"], len(in_sandbox))
        self.assertEqual(len(self.stack.templates(self.fx)["data"]), len(in_sandbox))

    def test_listing_by_name_shows_status_and_parameters_per_component(self):
        s = self.stack
        rows = s.templates(self.fx, name="order_update")["data"]
        self.assertEqual(sorted(r["language"] for r in rows), ["en_US", "es"], rows)
        row = [r for r in rows if r["language"] == "en_US"][0]
        self.assertEqual(row["id"], self.ids["order_update"])
        self.assertEqual(row["status"], "APPROVED")
        self.assertIsNone(row["status_reason"])
        self.assertEqual(row["category"], "UTILITY")
        self.assertEqual(row["parameter_format"], "positional")
        # {{2}} used twice in the body counts once; the quick reply takes an optional payload.
        self.assertEqual(row["parameters"]["header"], {"count": 1}, row)
        self.assertEqual(row["parameters"]["body"], {"count": 3}, row)
        self.assertEqual(row["parameters"]["button:1"], {"count": 1}, row)
        self.assertEqual([c["type"] for c in row["components"]], ["HEADER", "BODY", "FOOTER", "BUTTONS"], row)
        self.assertTimestamp(row["updated_at"], "updated_at")
        self.assertEqual(set(row["counters"]), {"queued", "sent", "delivered", "read", "failed"}, row)
        self.assertEqual(s.template_row(self.fx, "bulk_005", "en_US")["counters"],
                         {"queued": 0, "sent": 0, "delivered": 0, "read": 0, "failed": 0})

        named = s.template_row(self.fx, "named_code")
        self.assertEqual(named["parameter_format"], "named", named)
        self.assertEqual(named["parameters"], {"body": {"count": 2, "names": ["first_name", "code"]}}, named)

        self.assertEqual(s.templates(self.fx, name="order_update", language="es")["data"][0]["language"], "es")
        pending = s.templates(self.fx, status="PENDING")["data"]
        self.assertIn("pending_offer", {t["name"] for t in pending})
        self.assertTrue(all(t["status"] == "PENDING" for t in pending), pending)
        self.assertEqual(s.templates(self.fx, name="no_such_template")["data"], [])

    def test_other_tenants_key_sees_no_registry(self):
        other = self.stack.client(self.other.api_key)
        for method, path in (("GET", "/api/v1/outlets/%s/templates"), ("POST", "/api/v1/outlets/%s/templates/sync"),
                             ("DELETE", "/api/v1/outlets/%s/templates?name=order_update")):
            r = other.request(method, path % self.fx.outlet_id)
            self.assertError(r, 404, "not_found", msg=path)
        self.assertEqual(len(self.stack.templates(self.fx, name="order_update")["data"]), 2)
        # The tenant's own key works.
        r = self.stack.client(self.fx.api_key).get("/api/v1/outlets/%s/templates?name=counted" % self.fx.outlet_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["data"]), 1)

    # --- send-time checks

    def test_send_checks_against_the_registry(self):
        s = self.stack
        before = s.sandbox.request_count()
        good_order = order_components()
        cases = [
            ("body parameter count", ("order_update", "en_US", order_components(body=("Ana", "#42"))),
             "template_parameter_mismatch", "body"),
            ("body parameters missing", ("order_update", "en_US", order_components(body=None)),
             "template_parameter_mismatch", "body"),
            ("header parameters missing", ("order_update", "en_US", order_components(header=None)),
             "template_parameter_mismatch", "header"),
            ("url button parameter missing", ("order_update", "en_US", order_components(url=None)),
             "template_parameter_mismatch", "button"),
            ("too many body parameters", ("counted", "en", body_params("1", "2")), "template_parameter_mismatch",
             "body"),
            ("named template sent positional", ("named_code", "en", body_params("Ana", "1234")),
             "template_parameter_mismatch", "body"),
            ("named template with wrong names", ("named_code", "en", [{"type": "body", "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Ana"},
                {"type": "text", "parameter_name": "pin", "text": "1234"}]}]), "template_parameter_mismatch", "body"),
            ("positional template sent named", ("counted", "en", [{"type": "body", "parameters": [
                {"type": "text", "parameter_name": "x", "text": "1"}]}]), "template_parameter_mismatch", None),
            ("unknown name", ("no_such_template", "en_US", body_params("x")), "template_not_found",
             "no_such_template"),
            ("wrong language", ("order_update", "fr", good_order), "template_language_not_found", "en_US"),
            ("pending", ("pending_offer", "en", body_params("x")), "template_not_approved", "PENDING"),
            ("rejected", ("bulk_002", "en_US", body_params("x")), "template_not_approved", "REJECTED"),
            ("paused", ("bulk_003", "en_US", body_params("x")), "template_not_approved", "PAUSED"),
            ("disabled", ("bulk_004", "en_US", body_params("x")), "template_not_approved", "DISABLED"),
        ]
        for label, (name, language, components), code, named in cases:
            with self.subTest(label):
                r = self.send_template(name, language, components)
                err = self.assertError(r, 400, code, msg=label)
                if named:
                    self.assertIn(named, err["message"], "%s: the message should name %r: %r" % (label, named, r))
        self.assertEqual(s.sandbox.request_count(), before, "refused template sends reached the sandbox")
        # And the right parameters pass.
        r = self.send_template("order_update", "en_US", good_order)
        self.assertEqual(r.status, 200, r)
        r = self.send_template("order_update", "es", good_order)
        self.assertEqual(r.status, 200, r)
        r = self.send_template("named_code", "en", [{"type": "body", "parameters": [
            {"type": "text", "parameter_name": "code", "text": "1234"},
            {"type": "text", "parameter_name": "first_name", "text": "Ana"}]}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(s.sandbox.request_count(), before + 3)

    # --- lifecycle through the gateway

    def test_create_then_approved_by_webhook_then_send(self):
        s = self.stack
        name = "parcel_" + harness.rand_token(n=8).lower()
        tid = self.create(name)
        row = s.template_row(self.fx, name, "en_US")
        self.assertIsNotNone(row, "created template missing from the registry")
        self.assertEqual((row["id"], row["status"]), (tid, "PENDING"), row)
        self.assertEqual(row["parameters"], {"body": {"count": 1}}, row)
        sb = [t for t in s.sandbox.templates(self.waba) if t["id"] == tid]
        self.assertEqual(len(sb), 1, "the create did not reach the sandbox WABA")
        self.assertEqual(sb[0]["status"], "PENDING")

        # Pending: refused, nothing sent.
        before = s.sandbox.request_count()
        self.assertError(self.send_template(name, "en_US", body_params("Ana")), 400, "template_not_approved")
        self.assertEqual(s.sandbox.request_count(), before)

        # The review lands: a signed message_template_status_update webhook reaches the gateway.
        s.sandbox.set_template_status(tid, "APPROVED")
        row = self.wait_row(name, lambda r: r is not None and r["status"] == "APPROVED", "en_US",
                            msg="registry shows APPROVED")
        self.assertEqual(row["id"], tid)
        r = self.send_template(name, "en_US", body_params("Ana"))
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        req = s.sandbox.messages_for(mid)[0]["request"]
        self.assertEqual(req["template"], {"name": name, "language": {"code": "en_US"},
                                           "components": body_params("Ana")}, req)
        s.wait_status(mid, "read", timeout=60)
        full = s.message(mid)
        self.assertEqual(full["template"], {"name": name, "language": "en_US"}, full)

    def test_rejected_with_reason(self):
        s = self.stack
        name = "promo_" + harness.rand_token(n=8).lower()
        tid = self.create(name, category="MARKETING", text="Big sale {{1}}!", example=("today",))
        s.sandbox.set_template_status(tid, "REJECTED", reason="INVALID_FORMAT")
        row = self.wait_row(name, lambda r: r is not None and r["status"] == "REJECTED", msg="registry shows REJECTED")
        self.assertEqual(row["status_reason"], "INVALID_FORMAT", row)
        before = s.sandbox.request_count()
        r = self.send_template(name, "en_US", body_params("today"))
        err = self.assertError(r, 400, "template_not_approved")
        self.assertIn("REJECTED", err["message"])
        self.assertIn("INVALID_FORMAT", err["message"])
        self.assertEqual(s.sandbox.request_count(), before)

        # Paused later, then reinstated: the registry follows each webhook.
        s.sandbox.set_template_status(tid, "APPROVED")
        self.wait_row(name, lambda r: r["status"] == "APPROVED", msg="registry shows APPROVED again")
        s.sandbox.set_template_status(tid, "PAUSED")
        self.wait_row(name, lambda r: r["status"] == "PAUSED", msg="registry shows PAUSED")
        self.assertError(self.send_template(name, "en_US", body_params("x")), 400, "template_not_approved")

    def test_create_refused_by_the_gateway_or_by_graph(self):
        s = self.stack
        path = "/api/v1/outlets/%s/templates" % self.fx.outlet_id
        before = len(s.sandbox.templates(self.waba))
        r = s.admin.post(path, {"name": "Bad-Name", "language": "en_US", "category": "UTILITY",
                                "components": [{"type": "BODY", "text": "x"}]})
        self.assertError(r, 400, "invalid_field", field="name")
        r = s.admin.post(path, {"name": "no_components", "language": "en_US", "category": "UTILITY",
                                "components": []})
        self.assertError(r, 400, "invalid_field", field="components")
        # Graph refuses an existing name+language: passed back as graph_error with Meta's words.
        r = s.admin.post(path, {"name": "counted", "language": "en", "category": "UTILITY",
                                "components": [{"type": "BODY", "text": "Count {{1}}",
                                                "example": {"body_text": [["1"]]}}]})
        self.assertError(r, 400, "graph_error")
        self.assertEqual(len(s.sandbox.templates(self.waba)), before)

    def test_delete_removes_from_registry_and_sandbox(self):
        s = self.stack
        name = "old_" + harness.rand_token(n=8).lower()
        ids = [s.sandbox.seed_template(self.waba, name, lang, [{"type": "BODY", "text": "Old {{1}}"}])
               for lang in ("en", "id", "de")]
        s.sync_templates(self.fx)
        self.assertEqual(len(s.templates(self.fx, name=name)["data"]), 3)

        # One language by template id, then every remaining language by name.
        path = "/api/v1/outlets/%s/templates?name=%s" % (self.fx.outlet_id, name)
        r = s.admin.delete(path + "&template_id=" + ids[0])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"deleted": True, "registry_rows_removed": 1})
        self.assertEqual(sorted(t["language"] for t in s.templates(self.fx, name=name)["data"]), ["de", "id"])
        self.assertEqual(sorted(t["language"] for t in s.sandbox.templates(self.waba) if t["name"] == name),
                         ["de", "id"])
        r = s.admin.delete(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["registry_rows_removed"], 2, r)
        self.assertEqual(s.templates(self.fx, name=name)["data"], [])
        self.assertEqual([t for t in s.sandbox.templates(self.waba) if t["name"] == name], [])
        # Gone: sending it is template_not_found, and a second delete is Graph's refusal.
        self.assertError(self.send_template(name, "en", body_params("x")), 400, "template_not_found")
        self.assertError(s.admin.delete(path), (400, 404), ("graph_error", "not_found"))
        self.assertError(s.admin.delete("/api/v1/outlets/%s/templates" % self.fx.outlet_id), 400, "invalid_field",
                         field="name")

    # --- counters

    def test_counters_follow_the_messages(self):
        s = self.stack
        ids = []
        for i in range(4):
            r = self.send_template("counted", "en", body_params(str(i)))
            self.assertEqual(r.status, 200, r)
            ids.append(r.json()["message_id"])
        # One more that Meta refuses for good.
        s.sandbox.faults(error_code=131026, error_rate=1.0)
        try:
            r = self.send_template("counted", "en", body_params("doomed"))
        finally:
            s.sandbox.faults(error_code=0, error_rate=0.0)
        self.assertError(r, 500, "send_failed")
        for mid in ids:
            s.wait_status(mid, "read", timeout=60)
        want = {"queued": 0, "sent": 4, "delivered": 4, "read": 4, "failed": 1}
        row = self.wait_row("counted", lambda r: r["counters"] == want, msg="counters of 'counted' = %r" % want)
        self.assertEqual(row["counters"], want)
        # Other templates are untouched by these sends.
        self.assertEqual(s.template_row(self.fx, "bulk_000", "en_US")["counters"]["sent"], 0)

    # --- acceptance 5: the purchase-order notification

    def test_po_notification_to_three_recipients(self):
        s = self.stack
        row = s.template_row(self.fx, "po_notification", "en")
        self.assertEqual((row["status"], row["parameter_format"]), ("APPROVED", "positional"), row)
        self.assertEqual(row["parameters"], {"body": {"count": 3}}, row)
        orders = [
            (harness.recipient(), ["PT Sumber Makmur", "PO-2026-0042", "\u20ac100"]),
            (harness.recipient(), ["M\u00fcller & S\u00f6hne GmbH", "PO-2026-0043", "\u20ac2.350,50"]),
            (harness.recipient(), ["\u682a\u5f0f\u4f1a\u793e\u5c71\u7530", "PO-2026-0044", "\u00a51,200 / \u20ac7,45"]),
        ]
        sent = []
        for to, values in orders:
            r = self.send_template("po_notification", "en", body_params(*values), to=to)
            self.assertEqual(r.status, 200, r)
            sent.append((r.json()["message_id"], to, values))
        for mid, to, values in sent:
            got = s.sandbox.messages_for(mid)
            self.assertEqual(len(got), 1, got)
            req = got[0]["request"]
            self.assertEqual(req["to"], to, req)
            self.assertEqual(req["type"], "template", req)
            self.assertEqual(req["template"]["name"], "po_notification", req)
            self.assertEqual(req["template"]["language"], {"code": "en"}, req)
            self.assertEqual(req["template"]["components"],
                             [{"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}], req)
        self.wait_row("po_notification", lambda r: r["counters"]["sent"] == 3, msg="po_notification sent=3")
        for mid, _, _ in sent:
            s.wait_status(mid, "read", timeout=60)
        row = self.wait_row("po_notification", lambda r: r["counters"]["read"] == 3, msg="po_notification read=3")
        self.assertEqual(row["counters"], {"queued": 0, "sent": 3, "delivered": 3, "read": 3, "failed": 0})


if __name__ == "__main__":
    harness.main()
