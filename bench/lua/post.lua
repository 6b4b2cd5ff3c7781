-- The same POST on every request: wrk -s post.lua URL -- PATH BODY AUTHORIZATION CONTENT_TYPE
dofile("common.lua")
local path, body, auth, ctype

function init(args)
  path, body, auth, ctype = args[1], args[2], args[3], args[4]
  flows = 0
end

function request()
  local headers = { ["Content-Type"] = ctype }
  if auth and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("POST", path, headers, body)
end

function response(status)
  if status == 200 then flows = flows + 1 end
end
