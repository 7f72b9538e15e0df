-- wrk script of the load section (bench/load.py). Read from the environment:
--   LOAD_METHOD (GET), LOAD_BODY_FILE (request body), LOAD_CONTENT_TYPE,
--   LOAD_AUTH: one "Header: value" per wrk thread, separated by "\n" (thread i takes line i,
--   cycling), LOAD_PATHS: one path per thread the same way (else wrk's URL),
--   LOAD_DEVICE=1: a new survey device cookie per request (one answer per device), with the
--   CSRF cookie given in LOAD_COOKIE.
-- Prints one JSON line with req/s, p50/p95/p99 (ms), errors and the non-2xx statuses.
local threads = {}
local counter = 0

local function lines(s)
  local t = {}
  for line in string.gmatch(s or "", "[^\n]+") do t[#t + 1] = line end
  return t
end

function setup(thread)
  counter = counter + 1
  thread:set("idx", counter)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("LOAD_METHOD") or "GET"
  local file = os.getenv("LOAD_BODY_FILE")
  body = nil
  if file and file ~= "" then
    local fh = io.open(file, "rb")
    body = fh:read("*a")
    fh:close()
  end
  headers = {}
  local ctype = os.getenv("LOAD_CONTENT_TYPE")
  if ctype and ctype ~= "" then headers["Content-Type"] = ctype end
  local auth = lines(os.getenv("LOAD_AUTH"))
  if #auth > 0 then
    local line = auth[((idx - 1) % #auth) + 1]
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  local paths = lines(os.getenv("LOAD_PATHS"))
  path = #paths > 0 and paths[((idx - 1) % #paths) + 1] or wrk.path
  device = os.getenv("LOAD_DEVICE") == "1"
  cookie = os.getenv("LOAD_COOKIE") or ""
  seq = 0
  bad = 0
  math.randomseed(idx * 7919 + os.time())
end

function request()
  if device then
    seq = seq + 1
    headers["Cookie"] = string.format("%s; survey_device=load-%d-%d-%d", cookie, idx, seq,
      math.random(1, 1000000000))
  elseif cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format(method, path, headers, body)
end

function response(status, hdrs, resp_body)
  if status < 200 or status > 299 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  local non2xx = 0
  for _, t in ipairs(threads) do non2xx = non2xx + (t:get("bad") or 0) end
  io.write(string.format(
    'JSON {"rps": %.2f, "p50": %.3f, "p95": %.3f, "p99": %.3f, "requests": %d, ' ..
    '"errors": %d, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, errors + non2xx, non2xx, errors))
end
