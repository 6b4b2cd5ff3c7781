-- A password sign-in from scratch (latchkey only): the authorization request, the
-- sign-in form (its CSRF cookie and fields), then the POST that checks the password
-- with argon2id. A flow is complete when the POST redirects back with a code.
--   wrk -s login.lua URL -- AUTHORIZE_PATH USERNAME PASSWORD
dofile("common.lua")
local authorize, username, password
local steps = {}

function init(args)
  authorize, username, password = args[1], args[2], args[3]
  flows = 0
end

function request()
  local step = table.remove(steps, 1)
  if step == nil then
    return wrk.format("GET", authorize)
  elseif step.kind == "form" then
    return wrk.format("GET", step.path)
  end
  return wrk.format("POST", step.path,
    { ["Cookie"] = step.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" },
    step.body)
end

function response(status, headers, body)
  local location = header(headers, "location") or ""
  if status == 302 or status == 303 then
    if location:find("code=", 1, true) then
      flows = flows + 1
    elseif location:find("/login", 1, true) then
      table.insert(steps, { kind = "form", path = location:gsub("^https://[^/]+", "") })
    end
  elseif status == 200 and body:find('name="csrf"', 1, true) then
    local csrf = body:match('name="csrf" value="([^"]+)"')
    local request_id = body:match('name="request" value="([^"]+)"')
    local action = body:match('<form method="post" action="([^"]+)"')
    local cookie = (header(headers, "set-cookie") or ""):match("^([^;]+)")
    if csrf and request_id and action and cookie then
      table.insert(steps, {
        kind = "post", path = unescape_html(action), cookie = cookie,
        body = "csrf=" .. form_encode(csrf) .. "&request=" .. form_encode(request_id) ..
          "&username=" .. form_encode(username) .. "&password=" .. form_encode(password),
      })
    end
  end
end
