-- The authorization-code flow through a pushed request (RFC 9126) for a user with an
-- SSO session: push the parameters, GET the authorization endpoint with only the
-- request_uri and the session cookie, take the code from the redirect, redeem it with
-- PKCE. A flow is complete when the token endpoint answers 200.
--   wrk -s parflow.lua URL -- PAR_PATH PAR_BODY AUTHORIZE_PREFIX COOKIE TOKEN_PATH
--                             AUTHORIZATION REDIRECT_URI VERIFIER
-- AUTHORIZE_PREFIX ends in "request_uri=", the URN is appended to it.
dofile("common.lua")
local par_path, par_body, authorize, cookie, token_path, auth, redirect, verifier
local uris, codes = {}, {}

function init(args)
  par_path, par_body, authorize, cookie, token_path, auth, redirect, verifier =
    args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8]
  flows = 0
end

function request()
  local code = table.remove(codes)
  if code then return redeem(token_path, auth, code, redirect, verifier) end
  local uri = table.remove(uris)
  if uri then
    return wrk.format("GET", authorize .. uri, { ["Cookie"] = cookie })
  end
  return wrk.format("POST", par_path,
    { ["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded" },
    par_body)
end

function response(status, headers, body)
  if status == 201 then
    local uri = body:match('"request_uri"%s*:%s*"([^"]+)"')
    if uri then table.insert(uris, uri) end
  elseif not take_code(status, headers, codes) and status == 200 then
    flows = flows + 1
  end
end
