"""A private RabbitMQ for the broker tests and benchmark: Debian's rabbitmq-server, started as this user
with its own data directory, node name, Erlang cookie and ephemeral ports (AMQP, distribution, epmd), so
it shares nothing with a system RabbitMQ and leaves nothing running. Standard library only; talking AMQP
goes through the `wagate-amqp` tool built beside the wagate binary (tools/amqp_tool.cpp).

    rabbit = PrivateRabbit(tmpdir).start()
    rabbit.publish("wagate.commands", [{"body": "...", "message_id": "..."}])   # default exchange
    rabbit.consume("wagate.commands.dead", count=3, timeout_s=10)                # acked, returned as dicts
    rabbit.restart()                                                             # same data, same ports
    rabbit.stop()
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
EPMD = "/usr/bin/epmd"


def amqp_tool():
    wagate = os.environ.get("WAGATE_BIN", "/work/main/build/wagate")
    return os.path.join(os.path.dirname(os.path.abspath(wagate)), "wagate-amqp")


def available():
    return os.path.exists(SERVER) and os.path.exists(amqp_tool())


def _free_port():
    # RabbitMQ's CLI tools listen on the distribution port + 10000 … + 10010 (35672-35682 by default):
    # stay out of that range.
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not 35600 <= port <= 35700 and port < 55000:
            return port


class PrivateRabbit:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "rabbitmq")
        self.port = _free_port()
        self.dist_port = _free_port()
        self.epmd_port = _free_port()
        self.node = "wagate-test-%d@localhost" % self.port
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    @property
    def url(self):
        return "amqp://guest:guest@127.0.0.1:%d/%%2f" % self.port

    def _env(self):
        env = dict(os.environ)
        env.update({
            "HOME": os.path.join(self.dir, "home"),  # the Erlang cookie lives here
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.dir, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.dir, "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.dir, "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": os.path.join(self.dir, "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(self.dir, "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": os.path.join(self.dir, "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": os.path.join(self.dir, "rabbitmq.pid"),
        })
        return env

    def start(self, timeout=120.0):
        for sub in ("home", "mnesia", "log"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        with open(os.path.join(self.dir, "enabled_plugins"), "w") as f:
            f.write("[].\n")
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w") as f:
            f.write("listeners.tcp.default = 127.0.0.1:%d\nloopback_users = none\n"
                    "disk_free_limit.absolute = 10MB\n" % self.port)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SERVER], env=self._env(), stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("rabbitmq-server exited with %s:\n%s" % (self.proc.returncode, self.tail()))
            if self._speaks_amqp():
                return self
            time.sleep(0.25)
        raise AssertionError("rabbitmq-server did not start within %.0f s:\n%s" % (timeout, self.tail()))

    def _speaks_amqp(self):
        """The listener is up and answers the protocol header with connection.start (a method frame)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                s.sendall(b"AMQP\x00\x00\x09\x01")
                return s.recv(1) == b"\x01"
        except OSError:
            return False

    def stop(self, grace=30.0):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # rabbitmq-server shuts down cleanly on TERM
            except OSError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # epmd daemonizes out of the server's session: stop ours (on our own port) explicitly.
        subprocess.run([EPMD, "-kill"], env=self._env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=10)
        self._wait_port_closed()

    def _wait_port_closed(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                return
            time.sleep(0.2)

    def restart(self):
        """The same node, data directory and ports: durable queues and persistent messages survive."""
        self.stop()
        return self.start()

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    # --- AMQP through wagate-amqp

    def publish(self, routing_key, messages, exchange="", timeout=300):
        """Publishes each {"body", "message_id"?, "headers"?} with confirms; returns the tool's summary."""
        lines = "".join(json.dumps(m) + "\n" for m in messages)
        r = subprocess.run([amqp_tool(), "publish", self.url, exchange, routing_key], input=lines.encode(),
                           capture_output=True, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError("publish failed: %s" % r.stderr.decode(errors="replace"))
        return json.loads(r.stdout)

    def consume(self, queue, count, timeout_s=10):
        """Up to `count` messages (acked), stopping after `timeout_s` seconds without one."""
        r = subprocess.run([amqp_tool(), "consume", self.url, queue, str(count), str(timeout_s)],
                           capture_output=True, timeout=timeout_s * 4 + count + 60)
        if r.returncode != 0:
            raise AssertionError("consume failed: %s" % r.stderr.decode(errors="replace"))
        return [json.loads(line) for line in r.stdout.decode().splitlines() if line.strip()]

    def bind(self, queue, exchange, pattern):
        r = subprocess.run([amqp_tool(), "bind", self.url, queue, exchange, pattern], capture_output=True,
                           timeout=60)
        if r.returncode != 0:
            raise AssertionError("bind failed: %s" % r.stderr.decode(errors="replace"))
