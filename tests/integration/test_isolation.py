"""Tenant isolation, admin-only operations, key revocation, and secrets never shown or logged.

Acceptance point 8 of issue 2 (and the secrets rules of the admin API).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

NOT_VISIBLE = (404,)  # api.md: another tenant's ids answer 404 exactly like unknown ids


class IsolationTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.stack = s = self.start_stack(sandbox_args=["--mps", "0"])
        self.a = s.default_fixture()
        self.b = s.default_fixture()
        self.ka = s.client(self.a.api_key, record=s.admin_record)
        self.kb = s.client(self.b.api_key, record=s.admin_record)
        r = s.send(self.b, "B's secret business", client=self.kb)
        self.assertEqual(r.status, 200, r)
        self.b_msg = r.json()["message_id"]
        r = s.send(self.a, "A's message", client=self.ka)
        self.assertEqual(r.status, 200, r)
        self.a_msg = r.json()["message_id"]

    def assertHidden(self, r, what):
        self.assertError(r, NOT_VISIBLE, "not_found", msg=what)
        self.assertNotIn(self.b.tenant["name"].encode(), r.body)

    def test_a_cannot_send_as_b(self):
        s, a, b = self.stack, self.a, self.b
        before = len(s.sandbox.requests())
        cases = {
            "B's tenant and outlet": {"tenant_id": b.tenant_id, "outlet_id": b.outlet_id},
            "own tenant, B's outlet": {"tenant_id": a.tenant_id, "outlet_id": b.outlet_id},
            "no tenant, B's outlet": {"outlet_id": b.outlet_id},
            "B's tenant, own outlet": {"tenant_id": b.tenant_id, "outlet_id": a.outlet_id},
        }
        for name, ids in cases.items():
            with self.subTest(case=name):
                body = {"to": "+628123456789", "message": "spoof", "message_type": "text"}
                body.update(ids)
                for asynchronous in (False, True):
                    body["async"] = asynchronous
                    r = self.ka.post("/api/v1/messages/send", body)
                    self.assertError(r, (403, 404), ("not_found", "forbidden"), msg=name)
        self.assertEqual(len(s.sandbox.requests()), before, "nothing may reach the Cloud API")
        self.assertEqual(s.admin.get("/api/v1/tenants/%s" % b.tenant_id).json()["used_this_month"], 1)

    def test_a_cannot_read_b_messages(self):
        for path in ("/api/v1/messages/%s" % self.b_msg, "/api/v1/messages/%s/status" % self.b_msg):
            self.assertHidden(self.ka.get(path), path)
            # hidden exactly like an id that does not exist
            ghost = path.replace(self.b_msg, "no-such-message-id")
            self.assertEqual(self.ka.get(path).json()["error"]["code"], self.ka.get(ghost).json()["error"]["code"])
        # but B and the admin can
        self.assertEqual(self.kb.get("/api/v1/messages/%s" % self.b_msg).status, 200)
        self.assertEqual(self.stack.admin.get("/api/v1/messages/%s" % self.b_msg).status, 200)

    def test_a_lists_only_its_own_messages(self):
        r = self.ka.get("/api/v1/messages")
        self.assertEqual(r.status, 200, r)
        ids = [m["message_id"] for m in r.json()["messages"]]
        self.assertIn(self.a_msg, ids)
        self.assertNotIn(self.b_msg, ids)
        self.assertTrue(all(m["tenant_id"] == self.a.tenant_id for m in r.json()["messages"]))
        r = self.ka.get("/api/v1/messages?outlet_id=%s" % self.b.outlet_id)
        if r.status == 200:
            self.assertEqual(r.json()["messages"], [])
        else:
            self.assertHidden(r, "list with B's outlet")
        self.assertNotIn(self.b_msg.encode(), r.body)

    def test_a_cannot_see_b_tenant_outlets_or_keys(self):
        b = self.b
        for path in ("/api/v1/tenants/%s" % b.tenant_id,
                     "/api/v1/tenants/%s/outlets" % b.tenant_id,
                     "/api/v1/tenants/%s/outlets/%s" % (b.tenant_id, b.outlet_id),
                     "/api/v1/tenants/%s/outlets/%s" % (self.a.tenant_id, b.outlet_id),
                     "/api/v1/tenants/%s/api-keys" % b.tenant_id):
            with self.subTest(path=path):
                self.assertHidden(self.ka.get(path), path)

    def test_lists_show_only_own_data(self):
        a = self.a
        r = self.ka.get("/api/v1/tenants")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([t["id"] for t in r.json()["tenants"]], [a.tenant_id])
        r = self.ka.get("/api/v1/tenants/%s" % a.tenant_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["id"], a.tenant_id)
        r = self.ka.get("/api/v1/tenants/%s/outlets" % a.tenant_id)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([o["id"] for o in r.json()["outlets"]], [a.outlet_id])
        r = self.ka.get("/api/v1/tenants/%s/outlets/%s" % (a.tenant_id, a.outlet_id))
        self.assertEqual(r.status, 200, r)
        r = self.ka.get("/api/v1/tenants/%s/api-keys" % a.tenant_id)
        self.assertEqual(r.status, 200, r)
        keys = r.json()["api_keys"]
        self.assertEqual([k["id"] for k in keys], [a.key["id"]])
        self.assertNotIn("key", keys[0], "the clear key is shown only once")
        # the admin sees both tenants
        ids = {t["id"] for t in self.stack.admin.get("/api/v1/tenants").json()["tenants"]}
        self.assertLessEqual({a.tenant_id, self.b.tenant_id}, ids)

    def test_tenant_key_cannot_call_admin_operations(self):
        a, b = self.a, self.b
        outlet_body = {"name": "x", "phone_number_id": harness.rand_phone_number_id(), "waba_id": "1",
                       "access_token": "t", "app_secret": "s", "verify_token": "v", "display_phone_number": "+1555"}
        own = [
            ("POST", "/api/v1/tenants", {"name": "evil", "monthly_quota": None}),
            ("POST", "/api/v1/tenants/%s/outlets" % a.tenant_id, outlet_body),
            ("POST", "/api/v1/tenants/%s/api-keys" % a.tenant_id, {"name": "more"}),
            ("DELETE", "/api/v1/tenants/%s/api-keys/%s" % (a.tenant_id, a.key["id"]), None),
            ("DELETE", "/api/v1/tenants/%s/outlets/%s" % (a.tenant_id, a.outlet_id), None),
            ("DELETE", "/api/v1/tenants/%s" % a.tenant_id, None),
        ]
        for method, path, body in own:
            with self.subTest(method=method, path=path):
                self.assertError(self.ka.request(method, path, body=body), 403, "forbidden", msg=path)
        other = [
            ("POST", "/api/v1/tenants/%s/outlets" % b.tenant_id, outlet_body),
            ("POST", "/api/v1/tenants/%s/api-keys" % b.tenant_id, {"name": "steal"}),
            ("DELETE", "/api/v1/tenants/%s/api-keys/%s" % (b.tenant_id, b.key["id"]), None),
            ("DELETE", "/api/v1/tenants/%s/outlets/%s" % (b.tenant_id, b.outlet_id), None),
            ("DELETE", "/api/v1/tenants/%s" % b.tenant_id, None),
        ]
        for method, path, body in other:
            with self.subTest(method=method, path=path):
                self.assertError(self.ka.request(method, path, body=body), (403, 404), ("forbidden", "not_found"),
                                 msg=path)
        # everything is still there and A's key still works
        self.assertEqual(self.stack.admin.get("/api/v1/tenants/%s" % b.tenant_id).status, 200)
        self.assertEqual(self.kb.get("/api/v1/tenants/%s/outlets/%s" % (b.tenant_id, b.outlet_id)).status, 200)
        self.assertEqual(self.stack.admin.get("/api/v1/tenants/%s/outlets/%s" % (a.tenant_id, a.outlet_id)).status,
                         200)
        self.assertEqual(len(self.stack.admin.get("/api/v1/tenants/%s/api-keys" % a.tenant_id).json()["api_keys"]),
                         1)
        self.assertEqual(self.kb.get("/api/v1/messages/%s" % self.b_msg).status, 200)

    def test_deleted_key_stops_working_at_once(self):
        s, a = self.stack, self.a
        k2 = s.create_api_key(a.tenant_id, name="second")
        c2 = s.client(k2["key"])
        self.assertEqual(c2.get("/api/v1/tenants/%s" % a.tenant_id).status, 200)
        r = s.admin.delete("/api/v1/tenants/%s/api-keys/%s" % (a.tenant_id, k2["id"]))
        self.assertEqual(r.status, 204, r)
        self.assertError(c2.get("/api/v1/tenants/%s" % a.tenant_id), 401, "unauthorized")
        self.assertError(s.send(a, "after revoke", client=c2), 401, "unauthorized")
        # the other key of the same tenant is unaffected
        self.assertEqual(self.ka.get("/api/v1/tenants/%s" % a.tenant_id).status, 200)
        ids = [k["id"] for k in s.admin.get("/api/v1/tenants/%s/api-keys" % a.tenant_id).json()["api_keys"]]
        self.assertNotIn(k2["id"], ids)

    def test_unknown_or_malformed_keys_are_401(self):
        s = self.stack
        c = s.gateway.client(key=None)
        for hdr in (None, "Bearer", "Bearer ", "Bearer nonsense", "Basic " + self.a.api_key,
                    "Bearer " + self.a.api_key + "x", "Bearer " + self.a.api_key[:-1],
                    "Bearer " + self.a.key["prefix"], "bearer-" + s.gateway.admin_key):
            with self.subTest(auth=hdr):
                headers = {"Authorization": hdr} if hdr is not None else None
                r = c.request("GET", "/api/v1/tenants", headers=headers)
                self.assertError(r, 401, "unauthorized")
                r = c.request("POST", "/api/v1/messages/send", body=s.send_body(self.a, "x"), headers=headers)
                self.assertError(r, 401, "unauthorized")

    def test_deleted_tenant_and_outlet(self):
        s = self.stack
        c = s.default_fixture()
        kc = s.client(c.api_key)
        r = s.send(c, "before delete", client=kc)
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        r = s.admin.delete("/api/v1/tenants/%s/outlets/%s" % (c.tenant_id, c.outlet_id))
        self.assertEqual(r.status, 204, r)
        self.assertError(s.send(c, "no outlet", client=kc), 404, "not_found")
        r = s.admin.delete("/api/v1/tenants/%s" % c.tenant_id)
        self.assertEqual(r.status, 204, r)
        self.assertError(s.admin.get("/api/v1/tenants/%s" % c.tenant_id), 404, "not_found")
        self.assertError(kc.get("/api/v1/tenants/%s" % c.tenant_id), 401, "unauthorized")
        # messages stay in history
        self.assertEqual(s.admin.get("/api/v1/messages/%s" % mid).status, 200)


class LifecycleTest(harness.WagateTestCase):
    def test_queued_messages_of_a_deleted_outlet_fail_and_are_never_sent(self):
        # a retry budget (6) a slow test cannot exhaust before the delete: the deletion is what fails it
        s = self.start_stack(sandbox_args=["--mps", "0"], gateway_sets={"engine.retry_max_attempts": 6})
        fx = s.default_fixture()
        s.sandbox.faults(fail_rate=1.0)
        r = s.send(fx, "orphan", asynchronous=True)
        self.assertEqual(r.status, 202, r)
        mid = r.json()["message_id"]
        harness.wait_until(lambda: len(s.sandbox.requests_for(mid)) >= 1, 60, msg="first attempt")
        self.assertEqual(s.admin.delete("/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id)).status, 204)
        s.sandbox.faults(fail_rate=0.0)
        st = s.wait_status(mid, ("failed",), timeout=60)
        self.assertIsNotNone(st["failed_at"], st)
        self.assertEqual(s.sandbox.accepted_by_biz().get(mid, 0), 0)

    def test_phone_number_id_is_free_again_after_its_outlet_is_deleted(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        pnid = fx.phone_number_id
        self.assertEqual(s.admin.delete("/api/v1/tenants/%s/outlets/%s" % (fx.tenant_id, fx.outlet_id)).status, 204)
        o2, sec2 = s.create_outlet(fx.tenant_id, phone_number_id=pnid)
        fx2 = harness.Fixture(fx.tenant, o2, fx.key, sec2)
        r = s.send(fx2, "new outlet, same number")
        self.assertEqual(r.status, 200, r)
        s.wait_status(r.json()["message_id"], "read", timeout=60)
        # and after deleting the whole tenant, another tenant may take the number
        self.assertEqual(s.admin.delete("/api/v1/tenants/%s" % fx.tenant_id).status, 204)
        t = s.create_tenant()
        o3, _ = s.create_outlet(t["id"], phone_number_id=pnid)
        self.assertEqual(o3["phone_number_id"], pnid)


class SecretsTest(harness.WagateTestCase):
    def test_secrets_never_in_responses_logs_or_store(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        record = s.admin_record
        t = s.create_tenant(name="SecretCo")
        access = harness.rand_token("EAAGclearAccessToken")
        app_secret = s.sandbox.app_secret  # must match the sandbox to verify its webhooks
        verify = harness.rand_token("clearVerifyToken")
        o, _ = s.create_outlet(t["id"], access_token=access, app_secret=app_secret, verify_token=verify)
        # masked, not clear
        self.assertNotEqual(o["access_token"], access)
        self.assertTrue(o["access_token"].startswith("****"), o)
        self.assertEqual(o["access_token"], "****" + access[-4:], o)
        k = s.create_api_key(t["id"], name="crm")
        self.assertLessEqual({"id", "name", "key", "prefix", "created_at"}, set(k))
        self.assertTrue(k["key"].startswith(k["prefix"]), k)
        kc = s.client(k["key"], record=record)
        fx = harness.Fixture(t, o, k, {})
        # exercise everything that might echo a secret
        r = s.send(fx, "secret test", client=kc)
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        s.wait_status(mid, "read", timeout=60)
        for c in (s.admin, kc):
            c.get("/api/v1/tenants")
            c.get("/api/v1/tenants/%s" % t["id"])
            c.get("/api/v1/tenants/%s/outlets" % t["id"])
            c.get("/api/v1/tenants/%s/outlets/%s" % (t["id"], o["id"]))
            c.get("/api/v1/tenants/%s/api-keys" % t["id"])
            c.get("/api/v1/messages/%s" % mid)
            c.get("/api/v1/messages?outlet_id=%s" % o["id"])
        # a conflicting outlet echoes nothing either
        r = s.admin.post("/api/v1/tenants/%s/outlets" % t["id"],
                         {"name": "dup", "phone_number_id": o["phone_number_id"], "waba_id": "1",
                          "access_token": access, "app_secret": app_secret, "verify_token": verify,
                          "display_phone_number": "+15550783881"})
        self.assertError(r, 409, "conflict")
        r = s.admin.post("/api/v1/tenants/%s/outlets" % t["id"],
                         {"name": "bad", "phone_number_id": 5, "access_token": access, "app_secret": app_secret,
                          "verify_token": verify})
        self.assertError(r, 400, "invalid_field")
        s.admin.get("/metrics")
        self.assertGreater(len(record), 15)
        clear = {"access_token": access, "app_secret": app_secret, "verify_token": verify}
        for resp in record:
            for name, value in clear.items():
                self.assertNotIn(value.encode(), resp.body, "%s in clear in %r" % (name, resp))
        api_key_in = [resp for resp in record if k["key"].encode() in resp.body]
        self.assertEqual(len(api_key_in), 1, "the API key is shown exactly once (at creation)")

        # never in the log (also after a restart, which loads and decrypts the outlets)
        s.gateway.kill9()
        s.gateway.restart()
        self.assertEqual(s.send(fx, "after restart", client=kc).status, 200)
        s.gateway.stop()
        log = s.gateway.log_text()
        self.assertTrue(log.strip(), "the gateway logs something")
        for name, value in dict(clear, api_key=k["key"], admin_key=s.gateway.admin_key).items():
            self.assertNotIn(value, log, "%s appears in the gateway log" % name)

        # stored encrypted: no clear secret in any file of the data directory
        for root, _, files in os.walk(s.gateway.data_dir):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    data = fh.read()
                for name, value in dict(clear, api_key=k["key"]).items():
                    self.assertNotIn(value.encode(), data, "%s in clear in %s" % (name, f))


if __name__ == "__main__":
    harness.main()
