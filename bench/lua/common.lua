-- Shared by every scenario script: thread bookkeeping and the JSON report that
-- bench.py reads from wrk's last line of output.
threads = {}
done_flows = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- A header's value whatever its case (hyper sends lower case, node often does not).
function header(headers, name)
  for k, v in pairs(headers) do
    if string.lower(k) == name then return v end
  end
  return nil
end

function done(summary, latency, requests)
  local flows = 0
  for _, t in ipairs(threads) do flows = flows + (t:get("flows") or 0) end
  io.write(string.format(
    '\nRESULT {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f, "flows": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, flows))
end
