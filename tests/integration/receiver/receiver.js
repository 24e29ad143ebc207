'use strict';
// The application side of wagate's outgoing events, for integration tests and benchmarks: it receives
// events and pre-send hook calls and verifies their signatures with the official `standardwebhooks`
// package, unchanged (package-lock.json pins it), so that "a Standard Webhooks receiver accepts our
// signatures" is checked by someone else's code rather than by our own reading of the spec.
//
//   node receiver.js --ready-file PATH [--secret whsec_...]... [--fast] [--max-items N]
//
// Routes (the control API is documented in README.md beside this file):
//   POST /hook/<name>      an event endpoint; answers per the endpoint's behaviour (default 200 "ok")
//   POST /presend/<name>   a pre-send hook; answers the configured JSON verdict (default allow)
//   /_control/...          behaviour, presend, secrets, received, stats, reset
//
// Timestamp tolerance: the package's verify() rejects a webhook-timestamp more than 5 minutes in the
// past ("Message timestamp too old") or in the future ("too new"). A retry that wagate sends later must
// therefore carry a fresh timestamp and signature; a resend of the original bytes after 5 minutes is
// recorded here as verified=false with that reason in verify_errors.
//
// Single-threaded (Node's event loop); all state below is owned by it.

const http = require('http');
const fs = require('fs');
const path = require('path');
const { Webhook, WebhookVerificationError } = require('standardwebhooks');

const MAX_BODY = 16 << 20; // larger than any event wagate sends; a bigger body is a bug worth a 413

function parseArgs(argv) {
  const opts = { secrets: [], readyFile: null, fast: false, maxItems: 200000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--secret') opts.secrets.push(next());
    else if (a === '--ready-file') opts.readyFile = next();
    else if (a === '--fast') opts.fast = true;
    else if (a === '--max-items') opts.maxItems = Number(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.readyFile) throw new Error('--ready-file is required');
  if (!(opts.maxItems > 0)) throw new Error('--max-items must be a positive number');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// --- state

let secrets = []; // [{secret, hook: Webhook}], index = position in the list the test gave
let seq = 0; // never reset, so a test's since_seq stays meaningful across /_control/reset
let items = []; // recorded requests, oldest first; items[head..] are live
let head = 0;
let evicted = 0;
let behaviours = new Map(); // name or '*' -> {status, delay_ms, retry_after, fail_times, drop}
let verdicts = new Map(); // name or '*' -> {verdict, status, delay_ms, drop}
let stats = { hook: new Map(), presend: new Map() };

function setSecrets(list) {
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
    throw new Error('secrets must be a list of strings');
  }
  secrets = list.map((secret) => ({ secret, hook: new Webhook(secret) })); // throws on a bad secret
}

function counters(kind, name) {
  let c = stats[kind].get(name);
  if (!c) {
    c = { received: 0, verified: 0, failed_verification: 0, answered: {} };
    stats[kind].set(name, c);
  }
  return c;
}

// Verifies against every configured secret (not just until the first match) so that a rotation test
// sees exactly which secrets a multi-signature header satisfies.
function verify(body, headers) {
  const verifiedWith = [];
  const errors = [];
  secrets.forEach(({ hook }, index) => {
    try {
      hook.verify(body, headers);
      verifiedWith.push(index);
    } catch (e) {
      if (e instanceof WebhookVerificationError) errors.push(e.message);
      // verify() JSON-parses the payload only after the signature matched: a SyntaxError means a
      // correctly signed body that is not JSON (recorded as such, not as a bad signature).
      else if (e instanceof SyntaxError) verifiedWith.push(index);
      else errors.push(String(e && e.message));
    }
  });
  return { verified: verifiedWith.length > 0, verifiedWith, errors };
}

function record(item) {
  item.seq = ++seq;
  items.push(item);
  if (items.length - head > opts.maxItems) {
    head++;
    evicted++;
  }
  // Compact now and then rather than shift() per item (O(n) on a large array).
  if (head > 65536 && head * 2 > items.length) {
    items = items.slice(head);
    head = 0;
  }
}

// The answer for one hook request; consumes one of `fail_times` (then the endpoint is back to default).
function hookAnswer(name) {
  const key = behaviours.has(name) ? name : behaviours.has('*') ? '*' : null;
  if (key === null) return { status: 200, delay_ms: 0, drop: false, retry_after: null };
  const b = behaviours.get(key);
  if (b.fail_times !== null) {
    b.fail_times--;
    if (b.fail_times <= 0) behaviours.delete(key);
  }
  return b;
}

function presendAnswer(name) {
  return verdicts.get(name) || verdicts.get('*') ||
    { verdict: { action: 'allow' }, status: 200, delay_ms: 0, drop: false };
}

// --- HTTP plumbing

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res, status, body, headers = {}) {
  const isText = typeof body === 'string';
  const data = Buffer.from(isText ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': isText ? 'text/plain' : 'application/json',
    'content-length': data.length,
    ...headers,
  });
  res.end(data);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseJson(buf) {
  try {
    return { ok: true, value: JSON.parse(buf.toString('utf8')) };
  } catch (e) {
    return { ok: false, value: buf.toString('utf8') };
  }
}

// --- event and pre-send routes

async function onSigned(kind, name, req, res) {
  const body = await readBody(req);
  const v = verify(body, req.headers);
  const c = counters(kind, name);
  c.received++;
  if (v.verified) c.verified++;
  else c.failed_verification++;

  if (opts.fast && kind === 'hook') {
    c.answered['200'] = (c.answered['200'] || 0) + 1;
    return send(res, 200, 'ok');
  }

  const answer = kind === 'hook' ? hookAnswer(name) : presendAnswer(name);
  const answered = answer.drop ? 'drop' : String(answer.status);
  c.answered[answered] = (c.answered[answered] || 0) + 1;
  const parsed = parseJson(body);
  record({
    kind,
    name,
    webhook_id: req.headers['webhook-id'] ?? null,
    timestamp: req.headers['webhook-timestamp'] ?? null, // as sent (a string of unix seconds)
    signature: req.headers['webhook-signature'] ?? null,
    verified: v.verified,
    verified_with: v.verifiedWith,
    verify_errors: v.errors,
    body: parsed.value,
    body_is_json: parsed.ok,
    headers: req.headers, // Node lower-cases names
    received_at_ms: Date.now(),
    answered,
  });

  if (answer.delay_ms > 0) await sleep(answer.delay_ms);
  if (answer.drop) return req.socket.destroy(); // no answer at all: the sender sees a reset connection
  if (kind === 'presend') return send(res, answer.status, answer.verdict);
  const headers = answer.retry_after != null ? { 'retry-after': String(answer.retry_after) } : {};
  return send(res, answer.status, answer.status < 300 ? 'ok' : `status ${answer.status}`, headers);
}

// --- control routes

function statsJson() {
  const obj = (m) => Object.fromEntries(m);
  return { hook: obj(stats.hook), presend: obj(stats.presend), kept: items.length - head, evicted, seq };
}

function received(q) {
  const since = Number(q.get('since_seq') || 0);
  const name = q.get('name');
  const kind = q.get('kind');
  const limit = q.has('limit') ? Number(q.get('limit')) : Infinity;
  // seqs are increasing: binary-search the first item after `since`.
  let lo = head;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].seq <= since) lo = mid + 1;
    else hi = mid;
  }
  const out = [];
  for (let i = lo; i < items.length && out.length < limit; i++) {
    const it = items[i];
    if ((name === null || it.name === name) && (kind === null || it.kind === kind)) out.push(it);
  }
  return { items: out, seq, evicted };
}

function behaviourOf(b) {
  const status = b.status ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error('status must be 100..599');
  return {
    status,
    delay_ms: Number(b.delay_ms || 0),
    retry_after: b.retry_after ?? null,
    fail_times: b.fail_times ?? null, // null: until changed
    drop: Boolean(b.drop),
  };
}

async function onControl(route, req, res, q) {
  const body = req.method === 'POST' ? await readBody(req) : Buffer.alloc(0);
  const j = body.length ? JSON.parse(body.toString('utf8')) : {};
  const name = () => {
    if (typeof j.name !== 'string' || !j.name) throw new Error('name is required');
    return j.name;
  };
  switch (`${req.method} ${route}`) {
    case 'POST behaviour': {
      const n = name();
      const b = behaviourOf(j);
      if (b.fail_times !== null && b.fail_times <= 0) behaviours.delete(n); // back to default
      else behaviours.set(n, b);
      return send(res, 200, { name: n, behaviour: behaviours.get(n) || null });
    }
    case 'POST presend': {
      const n = name();
      const verdict = j.verdict ?? { action: 'allow' };
      const status = j.status ?? 200;
      verdicts.set(n, { verdict, status, delay_ms: Number(j.delay_ms || 0), drop: Boolean(j.drop) });
      return send(res, 200, { name: n, presend: verdicts.get(n) });
    }
    case 'POST secrets':
      setSecrets(j.secrets);
      return send(res, 200, { secrets: secrets.length });
    case 'GET received':
      return send(res, 200, received(q));
    case 'GET stats':
      return send(res, 200, statsJson());
    case 'POST reset': // secrets are configuration and stay; seq goes on
      items = [];
      head = 0;
      evicted = 0;
      behaviours = new Map();
      verdicts = new Map();
      stats = { hook: new Map(), presend: new Map() };
      return send(res, 200, { seq });
    default:
      return send(res, 404, { error: `no route ${req.method} /_control/${route}` });
  }
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://receiver');
  const [, top, rest] = url.pathname.match(/^\/([^/]+)\/(.+)$/) || [];
  try {
    if (req.method === 'POST' && (top === 'hook' || top === 'presend')) {
      return await onSigned(top, decodeURIComponent(rest), req, res);
    }
    if (top === '_control') return await onControl(rest, req, res, url.searchParams);
    return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  } catch (e) {
    if (!res.headersSent && !req.socket.destroyed) send(res, e.status || 400, { error: String(e.message) });
  }
}

// --- start-up

setSecrets(opts.secrets);
const server = http.createServer((req, res) => {
  handle(req, res);
});
// Keep connections open for as long as a test or benchmark runs: with Node's 5 s default, a sender
// reusing a pooled connection just as the receiver closes it sees a spurious failure (and a retry).
server.keepAliveTimeout = 10 * 60 * 1000;
server.headersTimeout = server.keepAliveTimeout + 1000; // must exceed keepAliveTimeout
server.requestTimeout = 0; // delay_ms may hold a request for a long time on purpose

server.listen(0, '127.0.0.1', () => {
  const { address, port } = server.address();
  const tmp = `${opts.readyFile}.tmp`;
  fs.writeFileSync(tmp, `${address}:${port}\n`);
  fs.renameSync(tmp, opts.readyFile); // the test never reads a half-written file
  console.log(`events receiver listening on ${address}:${port} (${secrets.length} secrets, ` +
    `fast=${opts.fast}, max items ${opts.maxItems}, ${path.basename(__filename)})`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    console.log(`events receiver stopping on ${sig}`);
    process.exit(0);
  });
}
