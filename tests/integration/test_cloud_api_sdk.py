"""A published Cloud API SDK, unchanged, against the sandbox (issue 15, acceptance 1).

tests/integration/sdk/cloud_api_client.js drives the sandbox with @kapso/whatsapp-cloud-api (pinned by
tests/integration/sdk/package-lock.json; its `baseUrl` option is the only thing pointed at the sandbox) and
prints one JSON line per operation: what the SDK returned, or the fields of the GraphApiError it threw. The
SDK camel-cases Graph's JSON (`messaging_product` → `messagingProduct`), so results are read in its casing.
Here: the sends are accepted and logged with the bodies the SDK built, media come back byte for byte,
templates page through the `after` cursor, and Graph errors reach the SDK with Meta's code, status and
wording. Run `scripts/install-node-deps.sh` once (scripts/test.sh does).
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Sandbox  # noqa: E402

SDK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk")
SDK_PACKAGE = os.path.join(SDK_DIR, "node_modules", "@kapso", "whatsapp-cloud-api")
SCRIPT = os.path.join(SDK_DIR, "cloud_api_client.js")

TOKEN = "sdk-check-token"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "100000000004242"
TO = "+628123456789"
TEMPLATE = "sdk_order_ready"
TEMPLATE_LANGUAGE = "en_US"


def png_bytes(width=48, height=48):
    """A valid RGB PNG whose pixels are a fixed pattern (all 256 byte values appear in the file)."""
    rows = b"".join(b"\x00" + bytes(((x * 7 + y * 13) % 256) for x in range(width * 3)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def pdf_bytes():
    """A small one-page PDF, with a binary comment line as real PDFs have."""
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class CloudApiSdkTest(harness.WagateTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.node = shutil.which("node")
        if cls.node is None:
            raise RuntimeError("node not found on PATH: run scripts/install-deps.sh")
        if not os.path.isdir(SDK_PACKAGE):
            raise RuntimeError("%s is missing: run scripts/install-node-deps.sh" % SDK_PACKAGE)

    # --- helpers

    def start_sandbox(self):
        sb = Sandbox(self.tmp, args=["--mps", "0", "--access-token", TOKEN])
        self.addCleanup(sb.stop)
        sb.start()
        self.track(sb.proc)
        sb.link_number(PHONE_NUMBER_ID, WABA_ID)
        return sb

    def run_sdk(self, sb, *ops, **options):
        """Runs cloud_api_client.js; returns {op: line} (and self.lines, every line in order)."""
        files = {}
        for name, data in (("image", png_bytes()), ("document", pdf_bytes())):
            files[name] = os.path.join(self.tmp, "upload." + ("png" if name == "image" else "pdf"))
            with open(files[name], "wb") as f:
                f.write(data)
        out_dir = os.path.join(self.tmp, "downloads")
        os.makedirs(out_dir, exist_ok=True)
        args = [self.node, SCRIPT, "--base-url", sb.url, "--token", TOKEN, "--phone-number-id", PHONE_NUMBER_ID,
                "--waba-id", WABA_ID, "--to", TO, "--template", TEMPLATE, "--template-language", TEMPLATE_LANGUAGE,
                "--image", files["image"], "--document", files["document"], "--out-dir", out_dir]
        for k, v in options.items():
            args += ["--" + k.replace("_", "-"), str(v)]
        args += list(ops)
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        stderr = p.stderr.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, "cloud_api_client.js exited %d:\n%s" % (p.returncode, stderr))
        self.lines = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines() if line.strip()]
        by_op = {}
        for line in self.lines:
            by_op.setdefault(line["op"], line)
        for op in ops:
            self.assertIn(op, by_op, "no line for %s: %s\n%s" % (op, self.lines, stderr))
        return by_op

    def assertOk(self, line):
        if not line["ok"]:
            self.fail("%s failed through the SDK: %s" % (line["op"], json.dumps(line["error"])))
        return line["result"]

    def assertGraphError(self, line, http_status, code):
        """The SDK threw its GraphApiError carrying Graph's status, code and Meta's error fields."""
        self.assertFalse(line["ok"], "%s was accepted: %s" % (line["op"], line))
        e = line["error"]
        self.assertEqual(e["name"], "GraphApiError", e)
        self.assertEqual(e["httpStatus"], http_status, e)
        self.assertEqual(e["code"], code, e)
        self.assertIsInstance(e["message"], str, e)
        self.assertTrue(e["message"], e)
        self.assertEqual(e["type"], "OAuthException", e)
        self.assertTrue(e["fbtraceId"], e)
        return e

    def assertAccepted(self, line):
        result = self.assertOk(line)
        self.assertEqual(result["messagingProduct"], "whatsapp", result)
        self.assertEqual(result["contacts"], [{"input": TO, "waId": TO.lstrip("+")}], result)
        wamid = result["messages"][0]["id"]
        self.assertTrue(wamid.startswith("wamid."), result)
        return wamid

    def seed_order_template(self, sb):
        return sb.seed_template(WABA_ID, TEMPLATE, language=TEMPLATE_LANGUAGE,
                                components=[{"type": "BODY", "text": "Hello {{1}}, your order is ready."}])

    # --- the SDK's operations

    def test_text_template_media_and_interactive_messages_are_accepted(self):
        sb = self.start_sandbox()
        self.seed_order_template(sb)
        sends = ["text", "image", "document", "template", "interactive_buttons", "interactive_list"]
        got = self.run_sdk(sb, "upload_image", "upload_document", *sends)
        image_id = self.assertOk(got["upload_image"])["id"]
        document_id = self.assertOk(got["upload_document"])["id"]
        wamids = {op: self.assertAccepted(got[op]) for op in sends}
        self.assertEqual(got["template"]["result"]["messages"][0].get("messageStatus"), "accepted", got["template"])

        logged = {m["wamid"]: m for m in sb.messages()}
        self.assertEqual(len(logged), len(sends), logged)
        req = {op: logged[wamids[op]]["request"] for op in sends}
        for op in sends:
            with self.subTest(op=op):
                m = logged[wamids[op]]
                self.assertEqual(m["phone_number_id"], PHONE_NUMBER_ID, m)
                self.assertEqual(req[op]["messaging_product"], "whatsapp", m)
                self.assertEqual(req[op]["to"], TO, m)
                self.assertEqual(m["biz_opaque_callback_data"], {
                    "text": "sdk-text", "image": "sdk-image", "document": "sdk-document", "template": "sdk-template",
                    "interactive_buttons": "sdk-buttons", "interactive_list": "sdk-list"}[op], m)

        self.assertEqual(logged[wamids["text"]]["type"], "text")
        self.assertEqual(req["text"]["text"], {"body": "Hello from the SDK"})
        self.assertEqual(logged[wamids["image"]]["type"], "image")
        self.assertEqual(req["image"]["image"], {"id": image_id, "caption": "An image from the SDK"})
        self.assertEqual(logged[wamids["document"]]["type"], "document")
        self.assertEqual(req["document"]["document"],
                         {"id": document_id, "caption": "Your invoice", "filename": "invoice.pdf"})
        self.assertEqual(logged[wamids["template"]]["type"], "template")
        self.assertEqual(req["template"]["template"], {
            "name": TEMPLATE, "language": {"code": TEMPLATE_LANGUAGE},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]})
        self.assertEqual(logged[wamids["interactive_buttons"]]["type"], "interactive")
        self.assertEqual(req["interactive_buttons"]["interactive"], {
            "type": "button", "body": {"text": "Confirm your delivery slot?"},
            "footer": {"text": "Reply with a button"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "slot-yes", "title": "Yes"}},
                                   {"type": "reply", "reply": {"id": "slot-change", "title": "Change"}}]}})
        self.assertEqual(logged[wamids["interactive_list"]]["type"], "interactive")
        self.assertEqual(req["interactive_list"]["interactive"], {
            "type": "list", "body": {"text": "Pick a delivery option"},
            "action": {"button": "Options", "sections": [{"title": "Delivery", "rows": [
                {"id": "std", "title": "Standard", "description": "3-5 days"},
                {"id": "exp", "title": "Express", "description": "Next day"}]}]}})

    def test_media_uploaded_then_downloaded_byte_identical(self):
        sb = self.start_sandbox()
        got = self.run_sdk(sb, "upload_image", "upload_document", "media_info", "download_image", "download_document",
                           "download_image_default_auth")
        for op, data, mime in (("image", png_bytes(), "image/png"), ("document", pdf_bytes(), "application/pdf")):
            with self.subTest(media=op):
                up = got["upload_" + op]
                media_id = self.assertOk(up)["id"]
                self.assertRegex(media_id, r"^\d{16}$")
                self.assertEqual(up["sha256"], sha256(data))
                down = got["download_" + op]
                self.assertOk(down)
                self.assertEqual(down["status"], 200, down)
                self.assertEqual(down["content_type"], mime, down)
                with open(down["file"], "rb") as f:
                    self.assertEqual(f.read(), data, "the bytes downloaded through the SDK differ from the upload")

        info = self.assertOk(got["media_info"])
        self.assertEqual(info["messagingProduct"], "whatsapp", info)
        self.assertEqual(info["id"], got["upload_image"]["result"]["id"], info)
        self.assertEqual(info["mimeType"], "image/png", info)
        self.assertEqual(info["sha256"], sha256(png_bytes()), info)
        self.assertEqual(info["fileSize"], len(png_bytes()), info)
        self.assertTrue(info["url"].startswith(sb.url + "/"), info)

        # The SDK's default download (auth "auto") sends no bearer token to a host that is not Kapso's; the
        # media URL needs one, on Meta as on the sandbox: 401, Graph code 190.
        anon = got["download_image_default_auth"]
        self.assertOk(anon)
        self.assertEqual(anon["status"], 401, anon)
        self.assertEqual(json.loads(anon["body"])["error"]["code"], 190, anon)

    def test_templates_page_through_the_after_cursor(self):
        sb = self.start_sandbox()
        names = [TEMPLATE] + ["sdk_page_%d" % i for i in range(6)]
        self.seed_order_template(sb)
        for name in names[1:]:
            sb.seed_template(WABA_ID, name, language=TEMPLATE_LANGUAGE)
        got = self.run_sdk(sb, "templates", page_limit=3)
        result = self.assertOk(got["templates"])
        self.assertEqual(result["names"], names, "every template once, in creation order")
        pages = [line for line in self.lines if line["op"] == "templates_page"]
        self.assertEqual([len(p["result"]["data"]) for p in pages], [3, 3, 1], pages)
        for i, p in enumerate(pages):
            page = p["result"]
            for t in page["data"]:
                self.assertEqual(t["language"], TEMPLATE_LANGUAGE, t)
                self.assertEqual(t["status"], "APPROVED", t)
                self.assertEqual(t["category"], "UTILITY", t)
                self.assertRegex(t["id"], r"^\d+$", t)
            cursors = page["paging"]["cursors"]
            self.assertTrue(cursors["before"] and cursors["after"], page)
            self.assertEqual("next" in page["paging"], i < len(pages) - 1, page["paging"])
            self.assertEqual("previous" in page["paging"], i > 0, page["paging"])

    def test_graph_errors_reach_the_sdk_with_metas_code_and_status(self):
        sb = self.start_sandbox()
        got = self.run_sdk(sb, "error_unknown_template", "error_unknown_media", "error_upload_untyped",
                           "error_text_too_long", "error_bad_token")
        e = self.assertGraphError(got["error_unknown_template"], 404, 132001)
        self.assertTrue(e["message"].startswith("(#132001) "), e)
        e = self.assertGraphError(got["error_unknown_media"], 400, 100)
        self.assertTrue(e["message"].startswith("(#100) "), e)
        self.assertIn("1234567890123456", e["details"], e)
        # bytes given to the SDK's upload go out as a file part of type application/octet-stream: Meta answers
        # 100 (its wording: "Param file must be a file with one of the following types: ... Received file of
        # type 'application/octet-stream'.")
        e = self.assertGraphError(got["error_upload_untyped"], 400, 100)
        self.assertTrue(e["message"].startswith("(#100) "), e)
        e = self.assertGraphError(got["error_text_too_long"], 400, 100)
        self.assertTrue(e["message"].startswith("(#100) "), e)
        self.assertGraphError(got["error_bad_token"], 401, 190)
        self.assertEqual(sb.stats()["media_count"], 0, "the refused upload was not stored")
        self.assertEqual(sb.messages(), [], "no error case was accepted")

    # --- Meta's wording, through the SDK

    def test_text_over_4096_characters_has_metas_wording(self):
        sb = self.start_sandbox()
        e = self.assertGraphError(self.run_sdk(sb, "error_text_too_long")["error_text_too_long"], 400, 100)
        self.assertEqual(e["message"], "(#100) Param text['body'] must be at most 4096 characters long.", e)

    def test_bad_token_has_metas_wording(self):
        sb = self.start_sandbox()
        e = self.assertGraphError(self.run_sdk(sb, "error_bad_token")["error_bad_token"], 401, 190)
        self.assertEqual(e["message"], "Invalid OAuth access token - Cannot parse access token", e)


if __name__ == "__main__":
    harness.main()
