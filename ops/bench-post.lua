-- wrk script for ops/bench: POSTs one sealed age file (binary) over and over and counts how
-- many answers were really "201 Created" (a durably committed report).
--
--   wrk -t2 -c64 -d20s --latency -s ops/bench-post.lua \
--       'http://127.0.0.1:PORT/api/v1/submissions?partner=cav-milano' -- report.age
--
-- The body file is the first script argument (after `--`), or $APPRODO_BENCH_BODY.
-- done() prints machine-readable lines starting with "approdo:" that ops/bench parses.

local threads = {}

-- Runs in the main Lua state once per thread: keep the handles so done() can read the counts.
function setup(thread)
   table.insert(threads, thread)
end

-- Runs in each thread's Lua state before wrk formats the request.
function init(args)
   local path = args[1] or os.getenv("APPRODO_BENCH_BODY")
   if not path then
      error("ops/bench-post.lua: give the age file after `--` or in APPRODO_BENCH_BODY")
   end
   local f = assert(io.open(path, "rb"))
   local body = f:read("*a")
   f:close()
   wrk.method = "POST"
   if os.getenv("APPRODO_BENCH_MULTIPART") then
      -- ops/bench-peers: the same file as a browser's multipart upload (OnionShare's form).
      local boundary = "approdo-bench-7c1f0b6a"
      wrk.body = "--" .. boundary .. "\r\n"
         .. 'Content-Disposition: form-data; name="file[]"; filename="report.age"\r\n'
         .. "Content-Type: application/octet-stream\r\n\r\n"
         .. body .. "\r\n--" .. boundary .. "--\r\n"
      wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
   else
      wrk.body = body
      wrk.headers["Content-Type"] = "application/octet-stream"
   end
   -- The status that means "stored": 201 for approdo, 200 for OnionShare's upload-ajax.
   ok_status = tonumber(os.getenv("APPRODO_BENCH_OK") or "201")
   created = 0
   other = {}
end

function response(status, headers, body)
   if status == ok_status then
      created = created + 1
   else
      local k = tostring(status)
      other[k] = (other[k] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total_created = 0
   local statuses = {}
   for _, thread in ipairs(threads) do
      total_created = total_created + (thread:get("created") or 0)
      local o = thread:get("other") or {}
      for k, v in pairs(o) do
         statuses[k] = (statuses[k] or 0) + v
      end
   end
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("approdo: created %d\n", total_created))
   io.write(string.format("approdo: requests %d\n", summary.requests))
   io.write(string.format("approdo: seconds %.3f\n", seconds))
   io.write(string.format("approdo: created_per_s %.1f\n", total_created / seconds))
   for _, p in ipairs({ 50, 90, 99, 99.9 }) do
      io.write(string.format("approdo: latency_p%s_ms %.2f\n", tostring(p), latency:percentile(p) / 1000))
   end
   io.write(string.format("approdo: latency_max_ms %.2f\n", latency.max / 1000))
   local non = 0
   for k, v in pairs(statuses) do
      io.write(string.format("approdo: status %s %d\n", k, v))
      non = non + v
   end
   io.write(string.format("approdo: non201 %d\n", non))
   io.write(string.format("approdo: socket_errors connect=%d read=%d write=%d timeout=%d\n",
      e.connect, e.read, e.write, e.timeout))
end
