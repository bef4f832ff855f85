-- wrk script for `make bench`: sends the same POST request on every
-- connection and writes wrk's summary as JSON when the run ends.
--
-- Environment (set by bench/measure.py):
--   BENCH_BODY_FILE      file whose bytes are the request body (required)
--   BENCH_CONTENT_TYPE   Content-Type of the body (default application/json)
--   BENCH_AUTHORIZATION  value of the Authorization header, if any. It comes
--                        from the environment so that tokens and passwords
--                        stay out of the process list.
--   BENCH_RESULT_FILE    where done() writes the JSON summary (required)

local function read_file(path)
   local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(path))
   local data = file:read("*a")
   file:close()
   return data
end

wrk.method = "POST"
wrk.body = read_file(os.getenv("BENCH_BODY_FILE"))
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
wrk.headers["Accept"] = "application/json"
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then
   wrk.headers["Authorization"] = authorization
end

-- Latency values are in microseconds, as wrk records them.
function done(summary, latency, requests)
   local out = assert(io.open(os.getenv("BENCH_RESULT_FILE"), "w"))
   local errors = summary.errors
   out:write(string.format(
      '{"duration_us":%d,"requests":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
      '"p50":%d,"p90":%d,"p99":%d,"p99_9":%d}}\n',
      summary.duration, summary.requests, summary.bytes,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout,
      latency.min, latency.mean, latency.max, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
   out:close()
end
