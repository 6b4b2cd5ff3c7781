-- A password sign-in followed by a TOTP code (latchkey only): the authorization
-- request, the sign-in form, the POST that checks the password with argon2id, the
-- second-step page, and the POST of the code. A flow is complete when that POST
-- redirects back with an authorization code.
--   wrk -s login_totp.lua URL -- AUTHORIZE_PATH PASSWORD CODES_FILE THREADS
-- CODES_FILE holds "username step code" lines (bench.py computes them from each
-- account's secret). A code is accepted once per account and time step, so each
-- thread keeps its share of the accounts and signs each in at most once per step.
dofile("common.lua")
local authorize, password
local steps = {}
local users = {}
local codes = {}
local last_step = {}
local next_user = 1
local user_of = {}
local step_cookie_of = {}

function init(args)
  authorize, password = args[1], args[2]
  local threads_total = tonumber(args[4])
  local owner = {}
  local n = 0
  for line in io.lines(args[3]) do
    local user, step, code = line:match("^(%S+) (%d+) (%d+)$")
    if owner[user] == nil then
      owner[user] = n % threads_total == id - 1
      if owner[user] then
        table.insert(users, user)
        codes[user] = {}
        last_step[user] = -1
      end
      n = n + 1
    end
    if owner[user] then codes[user][tonumber(step)] = code end
  end
  flows = 0
end

local function decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function now_step()
  return math.floor(os.time() / 30)
end

-- The next account not yet signed in during this time step; when every one has been
-- (too few accounts for the rate), the next in turn, whose code the server refuses:
-- that shows as an error in the report rather than as a silently lower rate.
local function pick_user()
  local step = now_step()
  for _ = 1, #users do
    local user = users[next_user]
    next_user = next_user % #users + 1
    if last_step[user] < step then
      last_step[user] = step
      return user
    end
  end
  local user = users[next_user]
  next_user = next_user % #users + 1
  return user
end

local function set_cookie(headers)
  return (header(headers, "set-cookie") or ""):match("^([^;]+)")
end

function request()
  local step = table.remove(steps, 1)
  if step == nil then
    return wrk.format("GET", authorize)
  elseif step.kind == "get" then
    return wrk.format("GET", step.path, step.cookie and { ["Cookie"] = step.cookie } or nil)
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
      table.insert(steps, { kind = "get", path = location:gsub("^https://[^/]+", "") })
    elseif location:find("/mfa?", 1, true) then
      local request_id = decode(location:match("[?&]request=([^&]+)") or "")
      local step_cookie = set_cookie(headers)
      step_cookie_of[request_id] = step_cookie
      table.insert(steps, { kind = "get", path = location, cookie = step_cookie })
    end
    return
  end
  if status ~= 200 then return end
  local csrf = body:match('name="csrf" value="([^"]+)"')
  local request_id = body:match('name="request" value="([^"]+)"')
  local action = body:match('<form method="post" action="([^"]+)"')
  local cookie = set_cookie(headers)
  if not (csrf and request_id and action and cookie) then return end
  request_id = unescape_html(request_id)
  local fields = "csrf=" .. form_encode(unescape_html(csrf)) .. "&request=" .. form_encode(request_id)
  if body:find('name="password"', 1, true) then
    local user = pick_user()
    user_of[request_id] = user
    table.insert(steps, {
      kind = "post", path = unescape_html(action), cookie = cookie,
      body = fields .. "&username=" .. form_encode(user) .. "&password=" .. form_encode(password),
    })
  elseif body:find('name="code"', 1, true) and user_of[request_id] then
    local user, step = user_of[request_id], now_step()
    if step > last_step[user] then last_step[user] = step end
    local code = codes[user][step] or "000000"
    local step_cookie = step_cookie_of[request_id]
    user_of[request_id], step_cookie_of[request_id] = nil, nil
    table.insert(steps, {
      kind = "post", path = unescape_html(action), cookie = cookie .. "; " .. (step_cookie or ""),
      body = fields .. "&code=" .. code,
    })
  end
end
