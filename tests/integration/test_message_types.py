"""Every message type end to end: POST /api/v1/messages/send (sync) → the exact Graph JSON the sandbox
received → the stored message; then a table of invalid bodies refused before anything reaches Meta.

Acceptance points 1 and 2 of issue 4.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# Fast status webhooks: sent → delivered → read within ~0.2 s of acceptance.
FAST_SANDBOX = ["--mps", "0", "--delay-sent-ms", "20", "--delay-delivered-ms", "60", "--delay-read-ms", "120"]

TEMPLATE_COMPONENTS = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, your total is {{2}}."},
    {"type": "FOOTER", "text": "Thanks for shopping"},
    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://shop.example/o/{{1}}"}]},
]

# Smallest well-formed-looking payloads of each media type (the sandbox checks the MIME type, not the bytes).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(2000) + b"\xff\xd9"
OGG = b"OggS\x00\x02" + os.urandom(3000)
WEBP = b"RIFF\x00\x10\x00\x00WEBPVP8 " + os.urandom(1000)


class MessageTypesTest(harness.SharedStackTestCase):
    stack_kwargs = {"sandbox_args": FAST_SANDBOX}

    @classmethod
    def setUpStack(cls):
        s = cls.stack
        cls.fx = s.default_fixture()
        cls.waba = cls.fx.outlet["waba_id"]
        s.link_outlet_waba(cls.fx)
        s.sandbox.seed_template(cls.waba, "order_update", "en_US", TEMPLATE_COMPONENTS)
        sync = s.sync_templates(cls.fx)
        assert sync["templates"] >= 1, sync
        # Media the sandbox issued (it refuses ids it does not know).
        cls.image_id = cls._upload(JPEG, "image/jpeg", "receipt.jpg")
        cls.audio_id = cls._upload(OGG, "audio/ogg", "voice.ogg")
        cls.sticker_id = cls._upload(WEBP, "image/webp", "sticker.webp")
        # A customer who wrote to us: replies, reactions and mark-as-read point at their message.
        cls.customer = harness.recipient()
        cls.inbound_wamid = s.sandbox.inbound(cls.fx.phone_number_id, cls.customer, "Is my order ready?")["wamid"]

    @classmethod
    def _upload(cls, data, mime, filename):
        r = cls.stack.upload_media(cls.fx, data, mime, filename)
        assert r.status == 201, "upload %s: %r" % (mime, r)
        return r.json()["id"]

    # --- the round trip

    def roundtrip(self, message_type, content, graph_object=..., to=None, context=None, final="read", **extra):
        """Send `content` as `message_type`; assert the sandbox received exactly the documented Graph body
        (`graph_object` under `type`, default: the content as given) and the stored message is right."""
        s = self.stack
        to = to or harness.recipient()
        if context is not None:
            extra["context"] = context
        r = s.send_typed(self.fx, message_type, content, to=to, **extra)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(j["status"], "sent", j)
        self.assertTrue(j["whatsapp_message_id"].startswith("wamid."), j)
        mid = j["message_id"]

        got = s.sandbox.messages_for(mid)
        self.assertEqual(len(got), 1, "the sandbox should have accepted this message once: %r" % got)
        m = got[0]
        self.assertEqual(m["wamid"], j["whatsapp_message_id"], m)
        self.assertEqual(m["phone_number_id"], self.fx.phone_number_id, m)
        self.assertEqual(m["type"], message_type, m)
        expected = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                    "type": message_type, message_type: content if graph_object is ... else graph_object,
                    "biz_opaque_callback_data": mid}
        if context is not None:
            expected["context"] = context
        self.assertEqual(m["request"], expected, "Graph body received by the sandbox")

        st = s.wait_status(mid, final, timeout=60)
        self.assertEqual(st["whatsapp_message_id"], j["whatsapp_message_id"], st)
        full = s.message(mid)
        self.assertEqual(full["message_type"], message_type, full)
        self.assertEqual(full["status"], final, full)
        self.assertEqual(full["to"], to, full)
        self.assertIsNone(full["error"], full)
        return full, m["request"]

    # --- text

    def test_text_legacy_message_string(self):
        s = self.stack
        to = harness.recipient()
        r = s.send(self.fx, "Your order #42 is ready for pickup.", to=to)
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        got = s.sandbox.messages_for(mid)
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["request"], {
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"body": "Your order #42 is ready for pickup."}, "biz_opaque_callback_data": mid})
        self.assertEqual(s.wait_status(mid, "read", timeout=60)["status"], "read")
        full = s.message(mid)
        self.assertEqual((full["message_type"], full["message"]), ("text", "Your order #42 is ready for pickup."))

    def test_text_object_with_preview_url(self):
        full, _ = self.roundtrip("text", {"body": "Track it at https://shop.example/o/42 \u2014 \u00e9\u20ac",
                                          "preview_url": True})
        self.assertEqual(full["message"], "Track it at https://shop.example/o/42 \u2014 \u00e9\u20ac")

    def test_text_object_without_preview_url(self):
        self.roundtrip("text", {"body": "plain"})

    # --- template

    def test_template(self):
        content = {"name": "order_update", "language": {"code": "en_US"}, "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "#42"}]},
            {"type": "body", "parameters": [
                {"type": "text", "text": "Ana"},
                {"type": "currency", "currency": {"fallback_value": "$100.99", "code": "USD", "amount_1000": 100990}}]},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "42"}]}]}
        full, _ = self.roundtrip("template", content)
        self.assertEqual(full["template"], {"name": "order_update", "language": "en_US"}, full)

    # --- media

    def test_image_by_id(self):
        full, _ = self.roundtrip("image", {"id": self.image_id, "caption": "Your receipt"})
        self.assertEqual(full["message"], "Your receipt")

    def test_image_by_link(self):
        self.roundtrip("image", {"link": "https://cdn.example.com/p/42.jpg?v=7"})

    def test_video_by_link_with_caption(self):
        self.roundtrip("video", {"link": "https://cdn.example.com/v/unboxing.mp4", "caption": "Unboxing \U0001F4E6"})

    def test_audio_voice_note_by_id(self):
        self.roundtrip("audio", {"id": self.audio_id, "voice": True})

    def test_audio_by_link(self):
        self.roundtrip("audio", {"link": "https://cdn.example.com/a/jingle.mp3"})

    def test_document_with_filename(self):
        full, _ = self.roundtrip("document", {"link": "https://cdn.example.com/d/inv-42.pdf", "caption": "Invoice",
                                              "filename": "invoice-42.pdf"})
        self.assertEqual(full["message_type"], "document")

    def test_document_filename_without_caption(self):
        self.roundtrip("document", {"link": "https://cdn.example.com/d/terms.pdf", "filename": "terms.pdf"})

    def test_sticker_by_id_and_by_link(self):
        self.roundtrip("sticker", {"id": self.sticker_id})
        self.roundtrip("sticker", {"link": "https://cdn.example.com/s/thumbs-up.webp"})

    # --- location and contacts

    def test_location_strings_and_numbers(self):
        self.roundtrip("location", {"latitude": "37.48", "longitude": "-122.14", "name": "HQ",
                                    "address": "1 Hacker Way, Menlo Park"})
        self.roundtrip("location", {"latitude": -6.2, "longitude": 106.816666})

    def test_contacts(self):
        contacts = [{
            "name": {"formatted_name": "Ana Ruiz", "first_name": "Ana", "last_name": "Ruiz"},
            "birthday": "1990-01-31",
            "phones": [{"phone": "+16505551234", "type": "WORK", "wa_id": "16505551234"}],
            "emails": [{"email": "ana@example.com", "type": "WORK"}],
            "addresses": [{"street": "1 Hacker Way", "city": "Menlo Park", "state": "CA", "zip": "94025",
                           "country": "United States", "country_code": "US", "type": "WORK"}],
            "org": {"company": "Example Inc", "department": "Sales", "title": "Manager"},
            "urls": [{"url": "https://example.com", "type": "WORK"}]},
            {"name": {"formatted_name": "Budi Santoso", "first_name": "Budi"},
             "phones": [{"phone": "+628123456789", "type": "CELL"}]}]
        self.roundtrip("contacts", contacts)

    # --- interactive

    def test_interactive_reply_buttons(self):
        self.roundtrip("interactive", {
            "type": "button",
            "header": {"type": "text", "text": "Your appointment"},
            "body": {"text": "Tomorrow 10:00 with Dr. Tan. Does that still work?"},
            "footer": {"text": "Reply within 24 h"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "confirm", "title": "Confirm"}},
                                   {"type": "reply", "reply": {"id": "change", "title": "Change"}},
                                   {"type": "reply", "reply": {"id": "cancel", "title": "Cancel"}}]}})

    def test_interactive_reply_buttons_with_image_header(self):
        self.roundtrip("interactive", {
            "type": "button",
            "header": {"type": "image", "image": {"id": self.image_id}},
            "body": {"text": "Is this your parcel?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}})

    def test_interactive_list(self):
        self.roundtrip("interactive", {
            "type": "list",
            "header": {"type": "text", "text": "Shipping"},
            "body": {"text": "How fast do you need it?"},
            "footer": {"text": "Prices include tax"},
            "action": {"button": "Options", "sections": [
                {"title": "Standard", "rows": [{"id": "std", "title": "Standard", "description": "3-5 days"},
                                               {"id": "eco", "title": "Economy"}]},
                {"title": "Fast", "rows": [{"id": "exp", "title": "Express", "description": "next day"},
                                           {"id": "same", "title": "Same day"}]}]}})

    def test_interactive_cta_url(self):
        self.roundtrip("interactive", {
            "type": "cta_url",
            "header": {"type": "image", "image": {"link": "https://cdn.example.com/banner.png"}},
            "body": {"text": "Your tickets are ready."},
            "footer": {"text": "See you there"},
            "action": {"name": "cta_url", "parameters": {"display_text": "See Dates",
                                                         "url": "https://tickets.example.com/e/42"}}})

    # --- reactions, replies

    def test_reaction_set_and_remove(self):
        full, _ = self.roundtrip("reaction", {"message_id": self.inbound_wamid, "emoji": "\U0001F44D"},
                                 to=self.customer, final="sent")
        self.assertEqual(full["message"], "\U0001F44D")
        full, _ = self.roundtrip("reaction", {"message_id": self.inbound_wamid, "emoji": ""}, to=self.customer,
                                 final="sent")
        # Reactions only ever get a `sent` status webhook (cloud-api.md §1.8). The sandbox schedules every
        # webhook of a message when it accepts it: once none is pending, a `delivered` would have come.
        harness.wait_until(lambda: self.stack.sandbox.stats()["webhooks_pending"] == 0, 60,
                           msg="sandbox webhooks delivered")
        harness.assert_stays(lambda: self.stack.status(full["message_id"])["status"] == "sent", 0.5,
                             msg="a reaction stays at sent")

    def test_reply_context(self):
        ctx = {"message_id": self.inbound_wamid}
        self.roundtrip("text", {"body": "Yes, it is ready!"}, to=self.customer, context=ctx)
        self.roundtrip("image", {"id": self.image_id, "caption": "here it is"}, to=self.customer, context=ctx)
        self.roundtrip("interactive", {
            "type": "button", "body": {"text": "Pick up today?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "y", "title": "Yes"}}]}},
            to=self.customer, context=ctx)

    def test_reply_context_with_legacy_message(self):
        s = self.stack
        r = s.send(self.fx, "quoted reply", to=self.customer, context={"message_id": self.inbound_wamid})
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        req = s.sandbox.messages_for(mid)[0]["request"]
        self.assertEqual(req["context"], {"message_id": self.inbound_wamid}, req)
        self.assertEqual(req["text"], {"body": "quoted reply"}, req)


class MarkReadTest(harness.SharedStackTestCase):
    """Mark-as-read has no message log entry in the sandbox: a recording proxy between gateway and sandbox
    shows the exact body Graph got."""

    stack_kwargs = {"sandbox_args": FAST_SANDBOX, "graph_proxy": True}

    @classmethod
    def setUpStack(cls):
        cls.fx = cls.stack.default_fixture()

    def test_mark_read(self):
        s = self.stack
        customer = harness.recipient()
        wamid = s.sandbox.inbound(self.fx.phone_number_id, customer, "hello?")["wamid"]
        before = s.sandbox.request_count()
        proxied = len(s.proxy.requests("POST"))
        body = {"tenant_id": self.fx.tenant_id, "outlet_id": self.fx.outlet_id, "message_type": "mark_read",
                "mark_read": {"message_id": wamid}}
        r = s.admin.post("/api/v1/messages/send", body, timeout=60)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        mid = j["message_id"]
        self.assertEqual(j["status"], "sent", j)

        posts = s.proxy.requests("POST")[proxied:]
        self.assertEqual(len(posts), 1, posts)
        self.assertTrue(posts[0]["path"].endswith("/%s/messages" % self.fx.phone_number_id), posts[0])
        self.assertEqual(json.loads(posts[0]["body"]),
                         {"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
        # The sandbox took it: one request more, answered 200, no wamid and no callback data.
        reqs = s.sandbox.requests()[before:]
        self.assertEqual(len(reqs), 1, reqs)
        self.assertEqual((reqs[0]["http_status"], reqs[0]["graph_code"], reqs[0]["wamid"],
                          reqs[0]["biz_opaque_callback_data"]), (200, None, None, None), reqs[0])
        # Nothing was "sent" to anyone: no accepted message in the sandbox log.
        self.assertEqual(s.sandbox.messages_for(mid), [])
        full = s.message(mid)
        self.assertEqual(full["message_type"], "mark_read", full)
        self.assertEqual(full["status"], "sent", full)
        self.assertIsNone(full["error"], full)

    def test_mark_read_with_typing_indicator(self):
        s = self.stack
        wamid = s.sandbox.inbound(self.fx.phone_number_id, harness.recipient(), "typing?")["wamid"]
        n = len(s.proxy.requests("POST"))
        r = s.admin.post("/api/v1/messages/send", {
            "tenant_id": self.fx.tenant_id, "outlet_id": self.fx.outlet_id, "message_type": "mark_read",
            "mark_read": {"message_id": wamid, "typing_indicator": {"type": "text"}}}, timeout=60)
        self.assertEqual(r.status, 200, r)
        posts = s.proxy.requests("POST")[n:]
        self.assertEqual(len(posts), 1, posts)
        self.assertEqual(json.loads(posts[0]["body"]), {"messaging_product": "whatsapp", "status": "read",
                                                          "message_id": wamid, "typing_indicator": {"type": "text"}})

    def test_mark_read_of_unknown_wamid_fails_without_retrying(self):
        """Meta answers 100 for a wamid it never issued; that is permanent."""
        s = self.stack
        r = s.admin.post("/api/v1/messages/send", {
            "tenant_id": self.fx.tenant_id, "outlet_id": self.fx.outlet_id, "message_type": "mark_read",
            "mark_read": {"message_id": "wamid.HBgLnotAnInboundMessage0000"}}, timeout=60)
        self.assertError(r, 500, "send_failed")
        self.assertEqual(r.json()["error"]["details"]["attempts"], 1, r)


# --------------------------------------------------------------------------------------------------
# Validation: every body below is refused with 400 before it is stored or sent.

def _long(n, ch="x"):
    return ch * n


def _rows(n):
    return [{"id": "r%d" % i, "title": "Row %d" % i} for i in range(n)]


def _buttons(*ids):
    return [{"type": "reply", "reply": {"id": i, "title": "T-" + i}} for i in ids]


def _interactive_button(**over):
    obj = {"type": "button", "body": {"text": "Choose"}, "action": {"buttons": _buttons("a", "b")}}
    obj.update(over)
    return obj


def _list(sections=None, **over):
    obj = {"type": "list", "body": {"text": "Choose"},
           "action": {"button": "Options", "sections": sections or [{"title": "S", "rows": _rows(2)}]}}
    obj.update(over)
    return obj


def _cta(**params):
    p = {"display_text": "Open", "url": "https://example.com"}
    p.update(params)
    return {"type": "cta_url", "body": {"text": "Tap"}, "action": {"name": "cta_url", "parameters": p}}


def _template(components=None, name="order_update", language=...):
    t = {"name": name, "language": {"code": "en_US"} if language is ... else language}
    if language is None:
        del t["language"]
    if components is not None:
        t["components"] = components
    return t


def _contact(**over):
    c = {"name": {"formatted_name": "Ana Ruiz", "first_name": "Ana"}, "phones": [{"phone": "+16505551234"}]}
    c.update(over)
    return c


WAMID = "wamid.HBgLMTIzNDU2Nzg5MAA="
P = "template.components[0].parameters"

# (label, message_type or None for the default, members merged into the body, expected field, expected code)
INVALID = [
    # text
    ("legacy message over 4096", None, {"message": _long(4097, "\u00e9")}, "message", "invalid_field"),
    ("legacy message empty", None, {"message": ""}, "message", "invalid_field"),
    ("legacy message not a string", None, {"message": 42}, "message", "invalid_field"),
    ("text.body over 4096", "text", {"text": {"body": _long(4097)}}, "text.body", "invalid_field"),
    ("text.body missing", "text", {"text": {"preview_url": True}}, "text.body", "invalid_field"),
    ("text.preview_url not bool", "text", {"text": {"body": "x", "preview_url": "yes"}}, "text.preview_url",
     "invalid_field"),
    ("text with unknown member", "text", {"text": {"body": "x", "bold": True}}, "text.bold", "invalid_field"),
    ("text object and message", "text", {"text": {"body": "x"}, "message": "y"}, "text", "invalid_field"),
    ("text type without body", "text", {}, "text", "invalid_field"),
    # media
    ("image id and link", "image", {"image": {"id": "123", "link": "https://x.example/a.jpg"}}, "image.link",
     "invalid_field"),
    ("image neither id nor link", "image", {"image": {"caption": "c"}}, "image", "invalid_field"),
    ("image member missing", "image", {}, "image", "invalid_field"),
    ("image not an object", "image", {"image": "https://x.example/a.jpg"}, "image", "invalid_field"),
    ("image caption over 1024", "image", {"image": {"link": "https://x.example/a.jpg", "caption": _long(1025)}},
     "image.caption", "invalid_field"),
    ("image with filename", "image", {"image": {"link": "https://x.example/a.jpg", "filename": "a.jpg"}},
     "image.filename", "invalid_field"),
    ("video link not http", "video", {"video": {"link": "ftp://x.example/v.mp4"}}, "video.link", "invalid_field"),
    ("audio with caption", "audio", {"audio": {"link": "https://x.example/a.mp3", "caption": "no"}},
     "audio.caption", "invalid_field"),
    ("audio voice not bool", "audio", {"audio": {"id": "123", "voice": "true"}}, "audio.voice", "invalid_field"),
    ("sticker with caption", "sticker", {"sticker": {"id": "123", "caption": "no"}}, "sticker.caption",
     "invalid_field"),
    ("document id not digits", "document", {"document": {"id": "abc-123", "filename": "a.pdf"}}, "document.id",
     "invalid_field"),
    ("document filename over limit", "document",
     {"document": {"link": "https://x.example/a.pdf", "filename": _long(241) + ".pdf"}}, "document.filename",
     "invalid_field"),
    # location
    ("latitude over 90", "location", {"location": {"latitude": 91, "longitude": 0}}, "location.latitude",
     "invalid_field"),
    ("latitude not numeric", "location", {"location": {"latitude": "north", "longitude": "1"}},
     "location.latitude", "invalid_field"),
    ("longitude under -180", "location", {"location": {"latitude": "1.5", "longitude": "-180.5"}},
     "location.longitude", "invalid_field"),
    ("longitude missing", "location", {"location": {"latitude": 1}}, "location.longitude", "invalid_field"),
    # contacts
    ("contacts without formatted_name", "contacts", {"contacts": [_contact(name={"first_name": "Ana"})]},
     "contacts[0].name.formatted_name", "invalid_field"),
    ("contacts without name", "contacts", {"contacts": [{"phones": [{"phone": "+16505551234"}]}]},
     "contacts[0].name", "invalid_field"),
    ("contacts empty", "contacts", {"contacts": []}, "contacts", "invalid_field"),
    ("contacts over 257", "contacts", {"contacts": [_contact() for _ in range(258)]}, "contacts", "invalid_field"),
    ("contact birthday not a date", "contacts", {"contacts": [_contact(birthday="1990-02-30")]},
     "contacts[0].birthday", "invalid_field"),
    ("second contact bad email entry", "contacts", {"contacts": [_contact(), _contact(emails=[{"mail": "a@b"}])]},
     "contacts[1].emails[0].mail", "invalid_field"),
    # interactive: buttons
    ("4 reply buttons", "interactive", {"interactive": _interactive_button(
        action={"buttons": _buttons("a", "b", "c", "d")})}, "interactive.action.buttons", "invalid_field"),
    ("no reply buttons", "interactive", {"interactive": _interactive_button(action={"buttons": []})},
     "interactive.action.buttons", "invalid_field"),
    ("duplicate button ids", "interactive", {"interactive": _interactive_button(
        action={"buttons": [{"type": "reply", "reply": {"id": "same", "title": "One"}},
                            {"type": "reply", "reply": {"id": "same", "title": "Two"}}]})},
     "interactive.action.buttons[1].reply.id", "invalid_field"),
    ("duplicate button titles", "interactive", {"interactive": _interactive_button(
        action={"buttons": [{"type": "reply", "reply": {"id": "a", "title": "Same"}},
                            {"type": "reply", "reply": {"id": "b", "title": "Same"}}]})},
     "interactive.action.buttons[1].reply.title", "invalid_field"),
    ("button title over 20", "interactive", {"interactive": _interactive_button(
        action={"buttons": [{"type": "reply", "reply": {"id": "a", "title": _long(21)}}]})},
     "interactive.action.buttons[0].reply.title", "invalid_field"),
    ("button id over 256", "interactive", {"interactive": _interactive_button(
        action={"buttons": [{"type": "reply", "reply": {"id": _long(257), "title": "A"}}]})},
     "interactive.action.buttons[0].reply.id", "invalid_field"),
    ("button id with outer space", "interactive", {"interactive": _interactive_button(
        action={"buttons": [{"type": "reply", "reply": {"id": " a", "title": "A"}}]})},
     "interactive.action.buttons[0].reply.id", "invalid_field"),
    ("button body over 1024", "interactive", {"interactive": _interactive_button(body={"text": _long(1025)})},
     "interactive.body.text", "invalid_field"),
    ("header text over 60", "interactive", {"interactive": _interactive_button(
        header={"type": "text", "text": _long(61)})}, "interactive.header.text", "invalid_field"),
    ("footer over 60", "interactive", {"interactive": _interactive_button(footer={"text": _long(61)})},
     "interactive.footer.text", "invalid_field"),
    ("interactive body missing", "interactive", {"interactive": {"type": "button",
                                                                  "action": {"buttons": _buttons("a")}}},
     "interactive.body", "invalid_field"),
    ("interactive type out of scope", "interactive", {"interactive": _interactive_button(type="product")},
     "interactive.type", "invalid_field"),
    # interactive: lists
    ("11 list rows", "interactive", {"interactive": _list([{"title": "A", "rows": _rows(6)},
                                                           {"title": "B", "rows": [
                                                               {"id": "x%d" % i, "title": "X"} for i in range(5)]}])},
     "interactive.action.sections", "invalid_field"),
    ("list button over 20", "interactive", {"interactive": _list(
        action={"button": _long(21), "sections": [{"title": "S", "rows": _rows(1)}]})},
     "interactive.action.button", "invalid_field"),
    ("list row title over 24", "interactive", {"interactive": _list(
        [{"title": "S", "rows": [{"id": "a", "title": _long(25)}]}])},
     "interactive.action.sections[0].rows[0].title", "invalid_field"),
    ("list row description over 72", "interactive", {"interactive": _list(
        [{"title": "S", "rows": [{"id": "a", "title": "A", "description": _long(73)}]}])},
     "interactive.action.sections[0].rows[0].description", "invalid_field"),
    ("list duplicate row ids", "interactive", {"interactive": _list(
        [{"title": "A", "rows": [{"id": "r", "title": "One"}]}, {"title": "B", "rows": [{"id": "r", "title": "Two"}]}])},
     "interactive.action.sections[1].rows[0].id", "invalid_field"),
    ("list two sections without titles", "interactive", {"interactive": _list(
        [{"rows": _rows(1)}, {"title": "B", "rows": [{"id": "z", "title": "Z"}]}])},
     "interactive.action.sections[0].title", "invalid_field"),
    ("list with image header", "interactive", {"interactive": _list(
        header={"type": "image", "image": {"link": "https://x.example/a.jpg"}})}, "interactive.header.type",
     "invalid_field"),
    # interactive: cta_url
    ("cta display_text over 20", "interactive", {"interactive": _cta(display_text=_long(21))},
     "interactive.action.parameters.display_text", "invalid_field"),
    ("cta url not http", "interactive", {"interactive": _cta(url="javascript:alert(1)")},
     "interactive.action.parameters.url", "invalid_field"),
    # template
    ("bad template name", "template", {"template": _template(name="Order-Update")}, "template.name",
     "invalid_field"),
    ("template name missing", "template", {"template": {"language": {"code": "en"}}}, "template.name",
     "invalid_field"),
    ("template language missing", "template", {"template": _template(language=None)}, "template.language",
     "invalid_field"),
    ("template language code malformed", "template", {"template": _template(language={"code": "english"})},
     "template.language.code", "invalid_field"),
    ("mixed named and positional", "template", {"template": _template([{"type": "body", "parameters": [
        {"type": "text", "parameter_name": "first_name", "text": "Ana"}, {"type": "text", "text": "42"}]}])},
     P + "[1].parameter_name", "invalid_field"),
    ("positional then named", "template", {"template": _template([{"type": "body", "parameters": [
        {"type": "text", "text": "Ana"}, {"type": "text", "parameter_name": "order", "text": "42"}]}])},
     P + "[1].parameter_name", "invalid_field"),
    ("template param with new line", "template", {"template": _template([{"type": "body", "parameters": [
        {"type": "text", "text": "two\nlines"}]}])}, P + "[0].text", "invalid_field"),
    ("template body param over 1024", "template", {"template": _template([{"type": "body", "parameters": [
        {"type": "text", "text": _long(1025)}]}])}, P + "[0].text", "invalid_field"),
    ("template header with 2 params", "template", {"template": _template([{"type": "header", "parameters": [
        {"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}])}, P, "invalid_field"),
    ("template component type footer", "template", {"template": _template([{"type": "footer", "parameters": [
        {"type": "text", "text": "a"}]}])}, "template.components[0].type", "invalid_field"),
    ("template button index 10", "template", {"template": _template([{"type": "button", "sub_type": "url",
                                                                       "index": 10, "parameters": [
        {"type": "text", "text": "a"}]}])}, "template.components[0].index", "invalid_field"),
    ("template currency code lowercase", "template", {"template": _template([{"type": "body", "parameters": [
        {"type": "currency", "currency": {"fallback_value": "$1", "code": "usd", "amount_1000": 1000}}]}])},
     P + "[0].currency.code", "invalid_field"),
    ("template two bodies", "template", {"template": _template([
        {"type": "body", "parameters": [{"type": "text", "text": "a"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "b"}]}])}, "template.components[1].type",
     "invalid_field"),
    # reaction
    ("reaction with context", "reaction", {"reaction": {"message_id": WAMID, "emoji": "\U0001F44D"},
                                           "context": {"message_id": WAMID}}, "context", "invalid_field"),
    ("reaction emoji is text", "reaction", {"reaction": {"message_id": WAMID, "emoji": "ok"}}, "reaction.emoji",
     "invalid_field"),
    ("reaction two emoji", "reaction", {"reaction": {"message_id": WAMID, "emoji": "\U0001F44D\U0001F600"}},
     "reaction.emoji", "invalid_field"),
    ("reaction without message_id", "reaction", {"reaction": {"emoji": "\U0001F44D"}}, "reaction.message_id",
     "invalid_field"),
    ("reaction without emoji", "reaction", {"reaction": {"message_id": WAMID}}, "reaction.emoji", "invalid_field"),
    # context
    ("context without message_id", "text", {"text": {"body": "x"}, "context": {}}, "context.message_id",
     "invalid_field"),
    ("context message_id over 128", "text", {"text": {"body": "x"}, "context": {"message_id": _long(129)}},
     "context.message_id", "invalid_field"),
    ("context unknown member", "text", {"text": {"body": "x"}, "context": {"message_id": WAMID, "from": "1"}},
     "context.from", "invalid_field"),
    # mark_read
    ("mark_read without message_id", "mark_read", {"mark_read": {}, "to": None}, "mark_read.message_id",
     "invalid_field"),
    ("mark_read with context", "mark_read", {"mark_read": {"message_id": WAMID}, "context": {"message_id": WAMID},
                                             "to": None}, "context", "invalid_field"),
    ("mark_read bad typing indicator", "mark_read", {"mark_read": {"message_id": WAMID,
                                                                   "typing_indicator": {"type": "audio"}},
                                                     "to": None}, "mark_read.typing_indicator.type", "invalid_field"),
    # envelope
    ("unknown message_type", "poll", {"poll": {"question": "?"}}, "message_type", "invalid_field"),
    ("message_type not a string", 7, {}, "message_type", "invalid_field"),
    ("legacy message with image type", "image", {"image": {"link": "https://x.example/a.jpg"}, "message": "hi"},
     "message", "invalid_field"),
    ("recipient missing", "image", {"image": {"link": "https://x.example/a.jpg"}, "to": None}, "to",
     "invalid_field"),
    ("recipient without country code", "image", {"image": {"link": "https://x.example/a.jpg"}, "to": "0812345678"},
     "to", "invalid_phone_number"),
]


class ValidationTest(harness.SharedStackTestCase):
    stack_kwargs = {"sandbox_args": ["--mps", "0"]}

    @classmethod
    def setUpStack(cls):
        cls.fx = cls.stack.default_fixture()

    def body(self, message_type, members):
        b = {"tenant_id": self.fx.tenant_id, "outlet_id": self.fx.outlet_id, "conversation_id": "val",
             "to": "+628123456789"}
        if message_type is not None:
            b["message_type"] = message_type
        for k, v in members.items():
            if v is None:
                b.pop(k, None)
            else:
                b[k] = v
        return b

    def test_invalid_bodies_are_refused_before_anything_is_sent(self):
        self.assertGreaterEqual(len(INVALID), 45)
        types = {t for _, t, _, _, _ in INVALID}
        for t in ("text", "image", "video", "audio", "document", "sticker", "location", "contacts", "interactive",
                  "template", "reaction", "mark_read"):
            self.assertIn(t, types, "the table should cover " + t)
        s = self.stack
        requests_before = s.sandbox.request_count()
        accepted_before = len(s.sandbox.messages())
        listed = s.admin.get("/api/v1/messages?outlet_id=%s&limit=500" % self.fx.outlet_id).json()["messages"]
        client = s.gateway.client(keepalive=True)
        self.addCleanup(client.close)
        for label, message_type, members, field, code in INVALID:
            with self.subTest(label):
                body = self.body(message_type, members)
                r = client.post("/api/v1/messages/send", body, timeout=30)
                err = self.assertError(r, 400, code, field=field, msg=label)
                self.assertEqual(err.get("field"), field, "%s: %r" % (label, r))
        # None of them reached the Cloud API, and none was stored.
        self.assertEqual(s.sandbox.request_count(), requests_before, "refused bodies reached the sandbox")
        self.assertEqual(len(s.sandbox.messages()), accepted_before)
        after = s.admin.get("/api/v1/messages?outlet_id=%s&limit=500" % self.fx.outlet_id).json()["messages"]
        self.assertEqual(len(after), len(listed), "refused bodies were stored")

    def test_limits_themselves_are_accepted(self):
        """The boundary values pass: the refusals above are about the limit, not the shape."""
        s = self.stack
        ok = [
            ("image", {"link": "https://x.example/a.jpg", "caption": _long(1024)}),
            ("interactive", _interactive_button(action={"buttons": _buttons("a", "b", "c")},
                                                header={"type": "text", "text": _long(60)},
                                                footer={"text": _long(60)}, body={"text": _long(1024)})),
            ("interactive", _list([{"title": "A", "rows": _rows(5)},
                                   {"title": "B", "rows": [{"id": "x%d" % i, "title": _long(24)} for i in range(5)]}])),
            ("interactive", _cta(display_text=_long(20))),
            ("location", {"latitude": 90, "longitude": -180}),
            ("text", {"body": _long(4096)}),
        ]
        for message_type, content in ok:
            with self.subTest(message_type):
                r = s.send_typed(self.fx, message_type, content)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(len(s.sandbox.messages_for(r.json()["message_id"])), 1)


if __name__ == "__main__":
    harness.main()
