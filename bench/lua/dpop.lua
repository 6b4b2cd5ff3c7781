-- A POST with a fresh DPoP proof on every request: each thread reads its own file of
-- proofs made beforehand (bench/proofs.mjs), one line per request.
--   wrk -s dpop.lua URL -- PATH BODY AUTHORIZATION PROOFS_PREFIX
dofile("common.lua")
local path, body, auth, proofs

function init(args)
  path, body, auth = args[1], args[2], args[3]
  proofs = assert(io.open(args[4] .. "-" .. id .. ".txt", "r"))
  flows = 0
end

function request()
  local proof = proofs:read("*l")
  -- A used proof is refused, so a run that outlasts its proofs sends a request that
  -- counts as no token (and as a status error, which the report shows).
  if proof == nil then return wrk.format("GET", "/") end
  return wrk.format("POST", path,
    { ["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded", ["DPoP"] = proof },
    body)
end

function response(status)
  if status == 200 then flows = flows + 1 end
end
