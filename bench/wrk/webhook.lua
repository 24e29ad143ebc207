-- wrk script: signed webhook ingest, POST /webhooks/whatsapp with X-Hub-Signature-256.
--
-- The bodies are Meta-shaped `statuses` payloads (one status each, for message ids the gateway does
-- not know), generated and signed (HMAC-SHA256 with the outlet's app secret) beforehand by
-- bench/lib/bench.py into a Lua data file whose path is given in BENCH_WEBHOOK_DATA. The gateway and
-- the nginx ceiling receive byte-identical requests. Requests are pre-formatted once per thread.
--
-- done() prints one line "BENCH_RESULT {json}" that bench/lib/bench.py parses.

local data_file = os.getenv("BENCH_WEBHOOK_DATA")
if not data_file then
   error("BENCH_WEBHOOK_DATA is not set (path of the generated request data file)")
end
local data = dofile(data_file)

local reqs = {}
local count = 0
local idx = 0
local thread_no = 0

function setup(thread)
   thread_no = thread_no + 1
   thread:set("tid", thread_no)
end

function init(args)
   for i, r in ipairs(data.requests) do
      local h = {}
      for k, v in pairs(r.headers) do h[k] = v end
      reqs[i] = wrk.format("POST", data.path, h, r.body)
   end
   count = #reqs
   idx = (((tid or 1) - 1) * 7919) % count
end

function request()
   idx = idx % count + 1
   return reqs[idx]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"duration_us":%.0f,"requests":%.0f,"bytes":%.0f,' ..
      '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f},' ..
      '"latency_us":{"min":%.0f,"mean":%.1f,"stdev":%.1f,"max":%.0f,' ..
      '"p50":%.0f,"p90":%.0f,"p99":%.0f,"p999":%.0f}}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
