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

-- The few HTML escapes the sign-in template uses in a URL.
function unescape_html(s)
  return (s:gsub("&#x2f;", "/"):gsub("&#x3d;", "="):gsub("&amp;", "&"))
end

-- Percent-encodes a form field value.
function form_encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- The token request that redeems `code` with PKCE, as the code-flow scripts send it.
function redeem(token_path, auth, code, redirect, verifier)
  return wrk.format("POST", token_path,
    { ["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. redirect ..
    "&code_verifier=" .. verifier)
end

-- Takes the code from a redirect to the client into `codes`; true for a redirect.
function take_code(status, headers, codes)
  if status ~= 302 and status ~= 303 then return false end
  local location = header(headers, "location") or ""
  local code = location:match("[?&]code=([^&#]+)")
  if code then table.insert(codes, code) end
  return true
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
