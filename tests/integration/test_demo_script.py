"""The README's first command (scripts/demo.sh) works as written: it starts the gateway with the sandbox
and a demo tenant, prints a curl command, and that command sends a message that reaches `read`. It runs
the binary under test (WAGATE_BIN, which demo.sh uses instead of building one)."""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(path):
    with open(path) as f:
        return f.read()


class DemoScriptTest(unittest.TestCase):
    def test_demo_prints_a_command_that_sends_a_message_to_read(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, WAGATE_DEMO_DATA=os.path.join(tmp, "demo-data"),
                       WAGATE_DEMO_LISTEN="127.0.0.1:%d" % free_port(),
                       WAGATE_DEMO_SANDBOX="127.0.0.1:%d" % free_port())
            out_path = os.path.join(tmp, "demo.out")
            with open(out_path, "w") as out:
                proc = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "demo.sh")], env=env, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            try:
                deadline = time.monotonic() + 240  # builds the binary first when WAGATE_BIN is not set
                text = ""
                while time.monotonic() < deadline and "Press Ctrl-C" not in text:
                    self.assertIsNone(proc.poll(), "demo.sh exited early:\n" + read(out_path))
                    time.sleep(0.2)
                    text = read(out_path)
                self.assertIn("Press Ctrl-C", text, text)
                # The printed send command, run exactly as a newcomer would paste it.
                m = re.search(r"(curl -s -X POST .*?message_type\":\"text\"\}')", text, re.S)
                self.assertIsNotNone(m, text)
                command = m.group(1).replace("\\\n", " ")
                sent = json.loads(subprocess.check_output(["bash", "-c", command], timeout=90))
                self.assertEqual(sent["status"], "sent", sent)
                self.assertTrue(sent["whatsapp_message_id"].startswith("wamid."), sent)
                key = re.search(r"Bearer (wgk_[0-9a-f]+)", text).group(1)
                url = re.search(r"running on (http://[0-9.:]+)", text).group(1)
                status = None
                until = time.monotonic() + 60
                while time.monotonic() < until:
                    req = urllib.request.Request("%s/api/v1/messages/%s/status" % (url, sent["message_id"]),
                                                 headers={"Authorization": "Bearer " + key})
                    status = json.loads(urllib.request.urlopen(req, timeout=30).read())
                    if status["status"] == "read":
                        break
                    time.sleep(0.2)
                self.assertEqual(status["status"], "read", status)
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)


if __name__ == "__main__":
    unittest.main()
