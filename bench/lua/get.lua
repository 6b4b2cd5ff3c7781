-- The same GET on every request: wrk -s get.lua URL -- PATH [AUTHORIZATION]
dofile("common.lua")
local path, auth

function init(args)
  path, auth = args[1], args[2]
  flows = 0
end

function request()
  local headers = {}
  if auth and auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", path, headers)
end

function response(status)
  if status == 200 then flows = flows + 1 end
end
