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
  if code then
    return wrk.format("POST", token_path,
      { ["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded" },
      "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. redirect ..
      "&code_verifier=" .. verifier)
  end
  return wrk.format("GET", authorize, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  if status == 302 or status == 303 then
    local location = header(headers, "location") or ""
    local code = location:match("[?&]code=([^&#]+)")
    if code then table.insert(codes, code) end
  elseif status == 200 then
    flows = flows + 1
  end
end
