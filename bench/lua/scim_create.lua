-- SCIM user creation as Entra ID sends it: a new userName on every request.
--   wrk -s scim_create.lua URL -- PATH AUTHORIZATION RUN_PREFIX
dofile("common.lua")
local path, auth, prefix
local n = 0

function init(args)
  path, auth, prefix = args[1], args[2], args[3]
  flows = 0
end

function request()
  n = n + 1
  local user = prefix .. "-" .. id .. "-" .. n
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",' ..
    '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],' ..
    '"externalId":"ext-' .. user .. '","userName":"' .. user .. '@bench.example",' ..
    '"active":true,"displayName":"Bench User",' ..
    '"emails":[{"primary":true,"type":"work","value":"' .. user .. '@bench.example"}],' ..
    '"name":{"formatted":"Bench User","familyName":"User","givenName":"Bench"}}'
  return wrk.format("POST", path,
    { ["Authorization"] = auth, ["Content-Type"] = "application/scim+json" }, body)
end

function response(status)
  if status == 201 then flows = flows + 1 end
end
