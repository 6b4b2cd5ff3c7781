-- SCIM user PATCH as Entra ID sends it (Replace operations, a boolean as a string), each
-- thread going round its share of existing users with a new displayName each time.
--   wrk -s scim_patch.lua URL -- USERS_PATH AUTHORIZATION IDS_FILE THREADS
dofile("common.lua")
local base, auth
local ids = {}
local n = 0

function init(args)
  base, auth = args[1], args[2]
  local threads_total = tonumber(args[4])
  local i = 0
  for line in io.lines(args[3]) do
    if i % threads_total == id - 1 then table.insert(ids, line) end
    i = i + 1
  end
  flows = 0
end

function request()
  n = n + 1
  local user = ids[(n % #ids) + 1]
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' ..
    '{"op":"Replace","path":"displayName","value":"Bench ' .. id .. '-' .. n .. '"},' ..
    '{"op":"Replace","path":"active","value":"True"}]}'
  return wrk.format("PATCH", base .. user,
    { ["Authorization"] = auth, ["Content-Type"] = "application/scim+json" }, body)
end

function response(status)
  if status == 200 then flows = flows + 1 end
end
