-- wrk script: the ceiling of the engine's aggregate dispatch benchmark. POSTs what the gateway POSTs
-- to Graph — /{version}/{phone_number_id}/messages with a bearer token and a real message body taken
-- from the gateway's store — to the canned nginx upstream, cycling over the benchmark's outlets.
--
-- BENCH_GRAPH_DATA names a Lua data file written by bench/lib/engine.py:
--   return { requests = { { path = "/v24.0/1065.../messages", token = "...", body = "{...}" }, ... } }
-- done() prints one line "BENCH_RESULT {json}" (the same format as send_async.lua).

local data_file = os.getenv("BENCH_GRAPH_DATA")
if not data_file then
   error("BENCH_GRAPH_DATA is not set (path of the generated request data file)")
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
      reqs[i] = wrk.format("POST", r.path, {
         ["Content-Type"] = "application/json",
         ["Authorization"] = "Bearer " .. r.token,
      }, r.body)
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
