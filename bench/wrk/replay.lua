-- wrk script: replays pre-generated POST requests, cycling over them. Used for every load of the
-- benchmarks (async sends, signed webhooks, the Graph-shaped ceiling), so the gateway and the nginx
-- ceiling receive byte-identical requests from identical load-generator code.
--
-- BENCH_DATA names a Lua data file written by bench/lib (bench.write_lua_data):
--   return { path = "/default/path", requests = { { path = "/optional/own/path", headers = {...}, body = "..." }, ... } }
-- A request may name its own `method` (default POST; a GET has no body).
-- Every request is formatted once per wrk thread in init(), so wrk spends no time building requests.
-- done() prints one line "BENCH_RESULT {json}" that bench/lib parses.

local data_file = os.getenv("BENCH_DATA")
if not data_file then
   error("BENCH_DATA is not set (path of the generated request data file)")
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
      reqs[i] = wrk.format(r.method or data.method or "POST", r.path or data.path, h, r.body)
   end
   count = #reqs
   -- each thread starts at a different place in the list
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
