-- The authorization-code flow for a user with an SSO session: GET the authorization
-- endpoint with the session cookie, take the code from the redirect, redeem it with
-- PKCE. A flow is complete when the token endpoint answers 200.
--   wrk -s codeflow.lua URL -- AUTHORIZE_PATH COOKIE TOKEN_PATH AUTHORIZATION REDIRECT_URI VERIFIER
dofile("common.lua")
local authorize, cookie, token_path, auth, redirect, verifier
local codes = {}

function init(args)
  authorize, cookie, token_path, auth, redirect, verifier =
    args[1], args[2], args[3], args[4], args[5], args[6]
  flows = 0
end

function request()
  local code = table.remove(codes)
  if code then return redeem(token_path, auth, code, redirect, verifier) end
  return wrk.format("GET", authorize, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  if not take_code(status, headers, codes) and status == 200 then
    flows = flows + 1
  end
end
