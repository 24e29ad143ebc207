#!/usr/bin/env node
// Drives a Cloud API endpoint (wagate's sandbox) with a published SDK, @kapso/whatsapp-cloud-api, used as
// its README documents it and unchanged: the only thing pointed elsewhere is its `baseUrl` constructor
// option. Every operation goes through the SDK; nothing here builds a Graph request itself.
//
//   node cloud_api_client.js --base-url http://127.0.0.1:PORT --token TOKEN --phone-number-id ID \
//        --waba-id ID --to +628123456789 [--graph-version v23.0] [--template NAME] [--template-language en_US]
//        [--image FILE.png] [--document FILE.pdf] [--out-dir DIR] [--page-limit N] [--bad-token TOKEN] OP...
//
// Each option may instead come from the environment as CLOUD_API_<NAME> (CLOUD_API_BASE_URL, ...).
// OPs run in the order given (uploads before the sends that use their ids); `all` runs every one.
// One JSON object per line on stdout for each OP:
//   {"op", "ok": true, "result": <what the SDK returned>, ...extra}
//   {"op", "ok": false, "error": {"name","message","httpStatus","code","type","errorSubcode","details",
//                                 "fbtraceId","category","raw"}}   (the SDK's GraphApiError fields)
// Exit code 0 whatever the operations' outcomes; 2 on a usage error.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { WhatsAppClient, GraphApiError } = require("@kapso/whatsapp-cloud-api");

const OPTIONS = {
  "base-url": null,
  token: null,
  "phone-number-id": null,
  "waba-id": null,
  to: null,
  "graph-version": "v23.0",
  template: "sdk_order_ready",
  "template-language": "en_US",
  image: null,
  document: null,
  "out-dir": null,
  "page-limit": "3",
  "bad-token": "not-the-sandbox-token",
};

const ALL_OPS = [
  "text",
  "upload_image",
  "upload_document",
  "image",
  "document",
  "template",
  "interactive_buttons",
  "interactive_list",
  "media_info",
  "download_image",
  "download_document",
  "download_image_default_auth",
  "templates",
  "error_unknown_template",
  "error_unknown_media",
  "error_upload_untyped",
  "error_text_too_long",
  "error_bad_token",
];

function usage(message) {
  process.stderr.write(`cloud_api_client.js: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {};
  for (const [name, def] of Object.entries(OPTIONS)) {
    const env = process.env["CLOUD_API_" + name.toUpperCase().replace(/-/g, "_")];
    opts[name] = env !== undefined && env !== "" ? env : def;
  }
  const ops = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!(name in OPTIONS)) usage(`unknown option --${name}`);
      if (eq > 0) opts[name] = a.slice(eq + 1);
      else if (i + 1 < argv.length) opts[name] = argv[++i];
      else usage(`--${name} needs a value`);
    } else if (a === "all") {
      ops.push(...ALL_OPS);
    } else if (ALL_OPS.includes(a)) {
      ops.push(a);
    } else {
      usage(`unknown operation ${a} (known: all, ${ALL_OPS.join(", ")})`);
    }
  }
  for (const required of ["base-url", "token", "phone-number-id", "waba-id", "to"]) {
    if (!opts[required]) usage(`--${required} is required`);
  }
  if (ops.length === 0) usage("no operation given");
  return { opts, ops };
}

function errorFields(e) {
  if (e instanceof GraphApiError) {
    return {
      name: e.name,
      message: e.message,
      httpStatus: e.httpStatus,
      code: e.code,
      type: e.type,
      errorSubcode: e.errorSubcode ?? null,
      details: e.details ?? null,
      fbtraceId: e.fbtraceId ?? null,
      category: e.category ?? null,
      raw: e.raw ?? null,
    };
  }
  return { name: (e && e.name) || "Error", message: String((e && e.message) || e) };
}

function emit(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function sha256(bytes) {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

async function main() {
  const { opts, ops } = parseArgs(process.argv.slice(2));
  const client = new WhatsAppClient({
    baseUrl: opts["base-url"],
    accessToken: opts.token,
    graphVersion: opts["graph-version"],
  });
  const phoneNumberId = opts["phone-number-id"];
  const to = opts.to;
  const state = {};

  const readFile = (option) => {
    if (!opts[option]) throw new Error(`--${option} is required for this operation`);
    return fs.readFileSync(opts[option]);
  };
  const need = (key, op) => {
    if (!state[key]) throw new Error(`${op} needs ${key}: run its upload operation first`);
    return state[key];
  };
  const download = async (op, mediaId, auth) => {
    const input = { mediaId, phoneNumberId, as: "response" };
    if (auth) input.auth = auth;
    const res = await client.media.download(input);
    const bytes = Buffer.from(await res.arrayBuffer());
    const extra = {
      status: res.status,
      content_type: res.headers.get("content-type"),
      length: bytes.length,
      sha256: sha256(bytes),
    };
    if (res.ok && opts["out-dir"]) {
      extra.file = path.join(opts["out-dir"], `${op}-${mediaId}.bin`);
      fs.writeFileSync(extra.file, bytes);
    }
    if (!res.ok) extra.body = bytes.toString("utf8").slice(0, 2000);
    return { result: null, extra };
  };

  const handlers = {
    text: async () =>
      client.messages.sendText({ phoneNumberId, to, body: "Hello from the SDK", bizOpaqueCallbackData: "sdk-text" }),

    upload_image: async () => {
      const bytes = readFile("image");
      const result = await client.media.upload({
        phoneNumberId,
        type: "image/png",
        file: new Blob([bytes], { type: "image/png" }),
        fileName: "pixel.png",
      });
      state.image_id = result.id;
      return { result, extra: { sha256: sha256(bytes), length: bytes.length } };
    },

    upload_document: async () => {
      const bytes = readFile("document");
      const result = await client.media.upload({
        phoneNumberId,
        type: "application/pdf",
        file: new Blob([bytes], { type: "application/pdf" }),
        fileName: "invoice.pdf",
      });
      state.document_id = result.id;
      return { result, extra: { sha256: sha256(bytes), length: bytes.length } };
    },

    image: async () =>
      client.messages.sendImage({
        phoneNumberId,
        to,
        image: { id: need("image_id", "image"), caption: "An image from the SDK" },
        bizOpaqueCallbackData: "sdk-image",
      }),

    document: async () =>
      client.messages.sendDocument({
        phoneNumberId,
        to,
        document: { id: need("document_id", "document"), caption: "Your invoice", filename: "invoice.pdf" },
        bizOpaqueCallbackData: "sdk-document",
      }),

    template: async () =>
      client.messages.sendTemplate({
        phoneNumberId,
        to,
        template: {
          name: opts.template,
          language: { code: opts["template-language"] },
          components: [{ type: "body", parameters: [{ type: "text", text: "Ana" }] }],
        },
        bizOpaqueCallbackData: "sdk-template",
      }),

    interactive_buttons: async () =>
      client.messages.sendInteractiveButtons({
        phoneNumberId,
        to,
        bodyText: "Confirm your delivery slot?",
        footerText: "Reply with a button",
        buttons: [
          { id: "slot-yes", title: "Yes" },
          { id: "slot-change", title: "Change" },
        ],
        bizOpaqueCallbackData: "sdk-buttons",
      }),

    interactive_list: async () =>
      client.messages.sendInteractiveList({
        phoneNumberId,
        to,
        bodyText: "Pick a delivery option",
        buttonText: "Options",
        sections: [
          {
            title: "Delivery",
            rows: [
              { id: "std", title: "Standard", description: "3-5 days" },
              { id: "exp", title: "Express", description: "Next day" },
            ],
          },
        ],
        bizOpaqueCallbackData: "sdk-list",
      }),

    media_info: async () => client.media.get({ mediaId: need("image_id", "media_info"), phoneNumberId }),

    download_image: async () => download("download_image", need("image_id", "download_image"), "always"),

    download_document: async () => download("download_document", need("document_id", "download_document"), "always"),

    // The SDK's default (`auth: "auto"`) sends no bearer token to hosts other than Kapso's.
    download_image_default_auth: async () =>
      download("download_image_default_auth", need("image_id", "download_image_default_auth"), null),

    templates: async () => {
      const limit = parseInt(opts["page-limit"], 10);
      const pages = [];
      let after;
      for (let i = 0; i < 100; i++) {
        const page = await client.templates.list({ businessAccountId: opts["waba-id"], limit, after });
        const names = (page.data || []).map((t) => t.name);
        const paging = page.paging || null;
        pages.push({ names, paging });
        emit({ op: "templates_page", ok: true, page: i, result: page });
        const next = paging && paging.cursors && paging.cursors.after;
        if (!paging || !paging.next || !next) break;
        after = next;
      }
      return { pages: pages.length, names: pages.flatMap((p) => p.names) };
    },

    error_unknown_template: async () =>
      client.messages.sendTemplate({
        phoneNumberId,
        to,
        template: { name: "no_such_template", language: { code: opts["template-language"] } },
      }),

    error_unknown_media: async () =>
      client.messages.sendImage({ phoneNumberId, to, image: { id: "1234567890123456" } }),

    // The file as bytes: the SDK wraps them in a Blob without a type, so the file part goes out as
    // application/octet-stream, which Meta refuses whatever `type` says.
    error_upload_untyped: async () =>
      client.media.upload({ phoneNumberId, type: "image/png", file: readFile("image"), fileName: "pixel.png" }),

    error_text_too_long: async () => client.messages.sendText({ phoneNumberId, to, body: "x".repeat(4097) }),

    error_bad_token: async () => {
      const other = new WhatsAppClient({
        baseUrl: opts["base-url"],
        accessToken: opts["bad-token"],
        graphVersion: opts["graph-version"],
      });
      return other.messages.sendText({ phoneNumberId, to, body: "Hello with a wrong token" });
    },
  };

  for (const op of ops) {
    try {
      const out = await handlers[op]();
      if (out && typeof out === "object" && "extra" in out && "result" in out) {
        emit({ op, ok: true, result: out.result, ...out.extra });
      } else {
        emit({ op, ok: true, result: out });
      }
    } catch (e) {
      emit({ op, ok: false, error: errorFields(e) });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`cloud_api_client.js: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
