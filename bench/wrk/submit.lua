-- wrk script: queue a fixed number of async sends through POST /api/v1/messages/send, as fast as the
-- gateway accepts them (bench/engine.sh uses it to build the engine's backlog).
--
-- Settings come from a Lua data file whose path is in BENCH_SUBMIT_DATA (written by
-- bench/lib/engine.py):
--   return { key = "...", tenant_id = "...", outlets = { "out_...", ... }, total = N,
--            first_number = 23456789, priority = "transactional", done_dir = "/path" }
-- Message i (0 <= i < total) goes to outlets[i % #outlets + 1] and to the distinct recipient
-- +49151 followed by (first_number + i * 7919) mod 10^8 (8 digits; 7919 is coprime to 10^8, so the
-- total recipients are all different). Thread t sends the messages i = t-1, t-1+T, t-1+2T, ...
--
-- wrk has no "stop after N requests": once a thread has its share of answers it calls
-- wrk.thread:stop() and creates the file done_dir/done.<t>; the driver sends SIGINT to wrk when all
-- threads are done (wrk's main thread otherwise sleeps the whole -d duration). Connections that are
-- still busy after the share was handed out send GET /healthz, which creates nothing.
--
-- done() prints one line "BENCH_SUBMIT {json}" with the accepted (202) and refused counts.

local data_file = os.getenv("BENCH_SUBMIT_DATA")
if not data_file then
   error("BENCH_SUBMIT_DATA is not set (path of the generated settings file)")
end
local cfg = dofile(data_file)

local threads = {}
local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
   table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state)
local my_next = 0      -- next message index of this thread
local step = 1
local share = 0        -- how many messages this thread sends
local issued = 0
ok = 0
refused = 0
other = 0
local finished = false
local headers = nil
local healthz = nil
local prefix = nil

function init(args)
   -- tid is set by setup(); the number of threads comes from the data file (wrk -t must match)
   step = cfg.threads
   my_next = (tid or 1) - 1
   if my_next < cfg.total then
      share = math.floor((cfg.total - 1 - my_next) / step) + 1
   end
   headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. cfg.key }
   healthz = wrk.format("GET", "/healthz", {}, nil)
   if share == 0 then mark_done() end
end

function mark_done()
   if finished then return end
   finished = true
   local f = io.open(cfg.done_dir .. "/done." .. tostring(tid or 1), "w")
   if f then f:write(string.format("%d %d %d\n", ok, refused, other)); f:close() end
   wrk.thread:stop()
end

local first_call = true

function request()
   -- wrk calls request() once right after init() in its first thread to check the script
   -- (script_verify_request) and throws that request away: the first call of every thread is a
   -- harmless GET /healthz, so no message index is lost
   if first_call then
      first_call = false
      return healthz
   end
   if issued >= share then
      return healthz
   end
   local i = my_next
   my_next = my_next + step
   issued = issued + 1
   local outlet = cfg.outlets[(i % #cfg.outlets) + 1]
   local number = (cfg.first_number + i * 7919) % 100000000
   local body = string.format(
      '{"tenant_id":"%s","outlet_id":"%s","conversation_id":"engine-bench-%d","to":"+49151%08d",' ..
      '"message":"Engine benchmark message %d: your order is ready for pickup.","message_type":"text",' ..
      '"priority":"%s","async":true}',
      cfg.tenant_id, outlet, i % 9973, number, i, cfg.priority)
   return wrk.format("POST", "/api/v1/messages/send", headers, body)
end

function response(status, hdrs, body)
   if status == 202 then
      ok = ok + 1
   elseif status == 200 then
      -- a /healthz answer of a connection that was still busy
   elseif status >= 400 then
      refused = refused + 1
      if refused <= 3 then io.stderr:write("submit: HTTP " .. status .. ": " .. tostring(body) .. "\n") end
   else
      other = other + 1
   end
   if not finished and ok + refused >= share then mark_done() end
end

function done(summary, latency, requests)
   local tok, tref, toth = 0, 0, 0
   for _, t in ipairs(threads) do
      tok = tok + (t:get("ok") or 0)
      tref = tref + (t:get("refused") or 0)
      toth = toth + (t:get("other") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_SUBMIT {"accepted":%d,"refused":%d,"other":%d,"requests":%.0f,"duration_us":%.0f,' ..
      '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}}\n',
      tok, tref, toth, summary.requests, summary.duration,
      e.connect, e.read, e.write, e.status, e.timeout))
end
