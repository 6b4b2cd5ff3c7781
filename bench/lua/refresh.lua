-- Refresh-token rotation: each thread keeps a pool of live refresh tokens (a family per
-- connection, and spares), spends one per request and puts back the rotated one.
--   wrk -s refresh.lua URL -- PATH AUTHORIZATION TOKENS_FILE THREADS
dofile("common.lua")
local path, auth
local tokens = {}

function init(args)
  path, auth = args[1], args[2]
  local threads_total = tonumber(args[4])
  local n = 0
  for line in io.lines(args[3]) do
    if n % threads_total == id - 1 then table.insert(tokens, line) end
    n = n + 1
  end
  flows = 0
end

function request()
  local token = table.remove(tokens)
  -- wrk builds one request per thread before it connects and never sends it; the
  -- spare tokens cover that. Should the pool still run dry, a harmless request keeps
  -- the connection busy without counting as a failed refresh.
  if token == nil then return wrk.format("GET", "/") end
  return wrk.format("POST", path,
    { ["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      table.insert(tokens, token)
      flows = flows + 1
    end
  end
end
