"""Media through the gateway: multipart upload with Meta's per-type limits, send by id, metadata, the
streamed download of a customer's document, deletion, oversize bodies and tenant isolation.

Acceptance point 4 of issue 4. A recording proxy sits between gateway and sandbox so "nothing reached
the Cloud API" is checked on the wire.
"""

import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FAST_SANDBOX = ["--mps", "0", "--delay-sent-ms", "20", "--delay-delivered-ms", "60", "--delay-read-ms", "120"]
MIB = 1024 * 1024
UPLOAD_LIMIT = 100 * MIB + 64 * 1024  # the upload route's body limit: 100 MiB + room for the envelope


def jpeg_bytes(size):
    """`size` bytes that start and end like a JPEG (the content is random)."""
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return head + os.urandom(size - len(head) - 2) + b"\xff\xd9"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class MediaTest(harness.SharedStackTestCase):
    stack_kwargs = {"sandbox_args": FAST_SANDBOX, "graph_proxy": True}

    @classmethod
    def setUpStack(cls):
        cls.fx = cls.stack.default_fixture()
        cls.other = cls.stack.default_fixture()

    # --- helpers

    def media_posts(self):
        """Upload requests that reached the sandbox (through the proxy)."""
        return self.stack.proxy.requests("POST", "/media")

    def path(self, media_id, suffix="", outlet_id=None):
        return "/api/v1/media/%s%s?outlet_id=%s" % (media_id, suffix, outlet_id or self.fx.outlet_id)

    def upload_ok(self, data, mime, filename, client=None):
        r = self.stack.upload_media(self.fx, data, mime, filename, client=client)
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertRegex(j["id"], r"^\d+$", j)
        self.assertEqual(j["mime_type"], mime, j)
        self.assertEqual(int(j["file_size"]), len(data), j)
        return j

    def assert_metadata(self, media_id, data, mime):
        r = self.stack.admin.get(self.path(media_id))
        self.assertEqual(r.status, 200, r)
        meta = r.json()
        self.assertEqual(meta["id"], media_id, meta)
        self.assertEqual(meta["mime_type"], mime, meta)
        self.assertEqual(meta["sha256"], sha256(data), meta)
        self.assertEqual(int(meta["file_size"]), len(data), meta)
        self.assertNotIn("url", meta, "Graph's download URL must not be handed out")
        return meta

    def assert_content(self, media_id, data, mime, outlet_id=None):
        r = self.stack.admin.get(self.path(media_id, "/content", outlet_id), timeout=60)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("content-type"), mime, r.headers)
        self.assertEqual(r.headers.get("content-length"), str(len(data)), r.headers)
        self.assertEqual(r.headers.get("x-media-sha256"), sha256(data), r.headers)
        self.assertEqual(len(r.body), len(data))
        self.assertEqual(sha256(r.body), sha256(data), "downloaded bytes differ from the original")

    # --- uploads within the limits

    def test_upload_5_mib_jpeg_send_by_id_and_describe(self):
        s = self.stack
        data = jpeg_bytes(5 * MIB)  # exactly the limit: accepted
        posts = len(self.media_posts())
        j = self.upload_ok(data, "image/jpeg", "catalogue.jpg")
        self.assertEqual(j["kind"], "image", j)
        up = self.media_posts()[posts:]
        self.assertEqual(len(up), 1, "one upload to Graph")
        self.assertIn(data[:64], up[0]["body"])
        self.assertEqual(len(up[0]["body"]) >= len(data), True)

        # Send it by id: the sandbox gets exactly that id.
        to = harness.recipient()
        r = s.send_typed(self.fx, "image", {"id": j["id"], "caption": "New catalogue"}, to=to)
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        got = s.sandbox.messages_for(mid)
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["request"]["image"], {"id": j["id"], "caption": "New catalogue"}, got[0])
        self.assertEqual(got[0]["request"]["type"], "image")
        s.wait_status(mid, "read", timeout=60)
        self.assertEqual(s.message(mid)["message_type"], "image")

        self.assert_metadata(j["id"], data, "image/jpeg")
        self.assert_content(j["id"], data, "image/jpeg")

    def test_upload_5_000_000_bytes_jpeg(self):
        data = jpeg_bytes(5_000_000)
        j = self.upload_ok(data, "image/jpeg", "photo.jpg")
        self.assert_metadata(j["id"], data, "image/jpeg")

    def test_upload_with_tenant_key_query_outlet_and_type_field(self):
        """`?outlet_id=` instead of the part, and Graph's `type` field when the file part has no type."""
        s = self.stack
        data = b"%PDF-1.4\n" + os.urandom(20000) + b"\n%%EOF\n"
        client = s.client(self.fx.api_key)
        r = s.upload_media(self.fx, data, None, "terms.pdf", client=client, outlet_id=None,
                           path="/api/v1/media?outlet_id=%s" % self.fx.outlet_id, fields={"type": "application/pdf"})
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertEqual((j["mime_type"], j["kind"], int(j["file_size"])), ("application/pdf", "document", len(data)))
        self.assert_metadata(j["id"], data, "application/pdf")
        # The document goes out with its filename.
        r = s.send_typed(self.fx, "document", {"id": j["id"], "filename": "terms.pdf"}, client=client)
        self.assertEqual(r.status, 200, r)
        req = s.sandbox.messages_for(r.json()["message_id"])[0]["request"]
        self.assertEqual(req["document"], {"id": j["id"], "filename": "terms.pdf"}, req)

    # --- a customer's document

    def test_inbound_document_downloads_byte_for_byte(self):
        s = self.stack
        data = b"%PDF-1.7\n" + os.urandom(3_000_000 - 16) + b"\n%%EOF\n"
        self.assertEqual(len(data), 3_000_000)
        customer = harness.recipient()
        ans = s.sandbox.inbound_message({
            "phone_number_id": self.fx.phone_number_id, "from": customer, "type": "document",
            "document": {"mime_type": "application/pdf", "filename": "statement.pdf", "caption": "my statement",
                         "data_base64": base64.b64encode(data).decode("ascii")}})
        media_id = ans["media_id"]
        self.assertEqual(ans["sha256"], sha256(data), ans)
        self.assert_content(media_id, data, "application/pdf")
        self.assert_metadata(media_id, data, "application/pdf")
        # The tenant's own key downloads it too.
        r = s.client(self.fx.api_key).get(self.path(media_id, "/content"), timeout=60)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sha256(r.body), sha256(data))

    def test_inbound_media_of_each_kind_download(self):
        s = self.stack
        for kind, mime, extra in (("image", "image/png", {"caption": "look"}),
                                  ("audio", "audio/ogg", {"voice": True}),
                                  ("video", "video/mp4", {}),
                                  ("sticker", "image/webp", {"animated": False})):
            with self.subTest(kind):
                data = os.urandom(40_000)
                obj = {"mime_type": mime, "data_base64": base64.b64encode(data).decode("ascii")}
                obj.update(extra)
                ans = s.sandbox.inbound_message({"phone_number_id": self.fx.phone_number_id,
                                                 "from": harness.recipient(), "type": kind, kind: obj})
                self.assert_content(ans["media_id"], data, mime)

    # --- refusals

    def test_image_over_5_mib_is_refused_before_graph(self):
        s = self.stack
        posts = len(self.media_posts())
        for label, size, mime in (("5 MiB + 1 jpeg", 5 * MIB + 1, "image/jpeg"), ("6 MB png", 6_000_000, "image/png")):
            with self.subTest(label):
                r = s.upload_media(self.fx, jpeg_bytes(size), mime, "big.jpg")
                err = self.assertError(r, 413, "media_too_large")
                self.assertIn("5", err["message"])
        # Other kinds have their own limits.
        r = s.upload_media(self.fx, os.urandom(500 * 1024 + 1), "image/webp", "big.webp")
        self.assertError(r, 413, "media_too_large")
        self.assertEqual(len(self.media_posts()), posts, "an oversize upload reached the sandbox")

    def test_unsupported_or_missing_file_is_400(self):
        s = self.stack
        posts = len(self.media_posts())
        for mime in ("application/x-msdownload", "image/gif", "text/html"):
            with self.subTest(mime):
                r = s.upload_media(self.fx, b"MZ" + os.urandom(1000), mime, "x.bin")
                err = self.assertError(r, 400, "invalid_field", field="file")
                self.assertEqual(err.get("field"), "file", r)
                self.assertIn("image/jpeg", err["message"], "the message should list the accepted types")
        # No file part.
        ctype, payload = harness.multipart_encode({"outlet_id": self.fx.outlet_id}, {})
        r = s.admin.request("POST", "/api/v1/media", raw=payload, headers={"Content-Type": ctype})
        self.assertError(r, 400, "invalid_field", field="file")
        # An empty file.
        r = s.upload_media(self.fx, b"", "image/jpeg", "empty.jpg")
        self.assertError(r, 400, "invalid_field", field="file")
        # Not multipart at all.
        r = s.admin.request("POST", "/api/v1/media", raw=b"{\"outlet_id\": \"x\"}",
                            headers={"Content-Type": "application/json"})
        self.assertError(r, 400, "invalid_multipart")
        r = s.admin.request("POST", "/api/v1/media", raw=b"--nope\r\nbroken",
                            headers={"Content-Type": "multipart/form-data; boundary=nope"})
        self.assertError(r, 400, "invalid_multipart")
        self.assertEqual(len(self.media_posts()), posts, "a refused upload reached the sandbox")

    def _oversize_head(self, chunked):
        boundary = "----wagate" + harness.rand_token(n=16)
        head = ("POST /api/v1/media HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: multipart/form-data; boundary=%s\r\n"
                % (self.stack.gateway.host, self.stack.gateway.port, self.stack.gateway.admin_key, boundary))
        preamble = ("--%s\r\nContent-Disposition: form-data; name=\"outlet_id\"\r\n\r\n%s\r\n"
                    "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.pdf\"\r\n"
                    "Content-Type: application/pdf\r\n\r\n" % (boundary, self.fx.outlet_id, boundary)).encode()
        return head, preamble

    def _zeros(self, total, chunk=1 << 20, chunked=False):
        """`total` body bytes in chunks of one reused buffer (never the whole body in memory)."""
        buf = b"\0" * chunk
        left = total
        while left > 0:
            n = min(chunk, left)
            piece = buf if n == chunk else buf[:n]
            yield (b"%x\r\n" % n + piece + b"\r\n") if chunked else piece
            left -= n
        if chunked:
            yield b"0\r\n\r\n"

    def test_body_over_100_mib_is_413_payload_too_large(self):
        s = self.stack
        posts = len(self.media_posts())
        total = UPLOAD_LIMIT + 1

        # Declared length over the limit: refused from the headers (we stop sending when it answers).
        # Measured in bytes, not seconds: what we got to send before the answer is at most what the
        # socket buffers hold (a few MiB), far from the 100 MiB a server reading the body would take.
        head, preamble = self._oversize_head(chunked=False)
        head = (head + "Content-Length: %d\r\n\r\n" % total).encode()
        status, resp, sent = harness.stream_request(
            s.gateway.host, s.gateway.port, head,
            self._chain(preamble, self._zeros(total - len(preamble))), timeout=120)
        self.assert_upload_limit_413(status, resp)
        self.assertLess(sent, total // 2, "the 413 came only after most of the body was sent")

        # Chunked, no declared length: refused while being read, once past the limit.
        head, preamble = self._oversize_head(chunked=True)
        head = (head + "Transfer-Encoding: chunked\r\n\r\n").encode()
        body = self._chain(b"%x\r\n" % len(preamble) + preamble + b"\r\n",
                           self._zeros(total - len(preamble), chunked=True))
        status, resp, sent = harness.stream_request(s.gateway.host, s.gateway.port, head, body, timeout=180)
        self.assert_upload_limit_413(status, resp)
        self.assertLessEqual(sent, total + 200 * 1024, "the gateway read far past its limit")

        self.assertEqual(len(self.media_posts()), posts, "an oversize body reached the sandbox")
        self.assertEqual(s.gateway.client(key=None).get("/healthz").status, 200)
        # And a normal upload still works afterwards.
        self.upload_ok(jpeg_bytes(10_000), "image/jpeg", "small.jpg")

    def assert_upload_limit_413(self, status, resp):
        self.assertEqual(status, 413, resp[:500])
        err = harness.raw_body_json(resp)["error"]
        self.assertEqual(err["code"], "payload_too_large", resp[:500])
        # Refused for the upload route's own limit, not the 1 MiB limit of other requests.
        self.assertTrue(str(UPLOAD_LIMIT) in err["message"] or "100 MiB" in err["message"],
                        "413 should name the upload limit: %r" % err)

    @staticmethod
    def _chain(first, rest):
        yield first
        yield from rest

    # --- lifecycle and isolation

    def test_delete_then_get_is_404(self):
        s = self.stack
        data = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
        j = self.upload_ok(data, "image/png", "pic.png")
        self.assert_metadata(j["id"], data, "image/png")
        r = s.admin.delete(self.path(j["id"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"deleted": True})
        self.assertError(s.admin.get(self.path(j["id"])), 404, "not_found")
        self.assertError(s.admin.get(self.path(j["id"], "/content")), 404, "not_found")
        self.assertError(s.admin.delete(self.path(j["id"])), 404, "not_found")
        # Ids that never existed, or are not media ids at all.
        for bad in ("999999999999999", "abc"):
            self.assertError(s.admin.get(self.path(bad)), 404, "not_found", msg=bad)
            self.assertError(s.admin.get(self.path(bad, "/content")), 404, "not_found", msg=bad)

    def test_another_tenants_key_gets_404(self):
        s = self.stack
        data = jpeg_bytes(30_000)
        j = self.upload_ok(data, "image/jpeg", "mine.jpg")
        other = s.client(self.other.api_key)
        posts = len(self.media_posts())
        # Naming our outlet with their key: as if it did not exist.
        self.assertError(other.get(self.path(j["id"])), 404, "not_found")
        self.assertError(other.get(self.path(j["id"], "/content")), 404, "not_found")
        self.assertError(other.delete(self.path(j["id"])), 404, "not_found")
        r = s.upload_media(self.fx, data, "image/jpeg", "theirs.jpg", client=other)
        self.assertError(r, 404, "not_found")
        self.assertEqual(len(self.media_posts()), posts, "an upload with another tenant's key reached Graph")
        # With their own outlet and our media id: Graph's owner check makes it unknown too.
        self.assertError(other.get(self.path(j["id"], outlet_id=self.other.outlet_id)), 404, "not_found")
        self.assertError(other.get(self.path(j["id"], "/content", self.other.outlet_id)), 404, "not_found")
        self.assertError(other.delete(self.path(j["id"], outlet_id=self.other.outlet_id)), 404, "not_found")
        # No key at all.
        self.assertError(s.gateway.client(key=None).get(self.path(j["id"])), 401, "unauthorized")
        # Still there for its owner.
        self.assert_metadata(j["id"], data, "image/jpeg")
        self.assert_content(j["id"], data, "image/jpeg")


if __name__ == "__main__":
    harness.main()
