-- Rotates through prepared requests, one per line of the file named by BENCH_REQUESTS:
--   METHOD <tab> PATH <tab> TOKEN or - <tab> JSON BODY or - <tab> "Header: value" or -
-- Thread t of BENCH_THREADS takes lines t+1, t+1+THREADS, … resuming where its previous
-- run stopped (BENCH_USED: lines each thread has used so far, comma-separated), so that no
-- line (no user of a write) is used twice and none is skipped; past the end it wraps and
-- counts `wrapped`.
-- A daily-quiz creation (POST /api/v1/quiz-sessions) is tagged with an X-Request-ID; its
-- reply (the app echoes the id) queues the submit of that session for the same user.
-- done() prints one line: BENCH_JSON {...}.

local threads, counter = {}, 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function split(line)
  local fields, start = {}, 1
  while true do
    local i = string.find(line, "\t", start, true)
    if not i then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, i - 1)
    start = i + 1
  end
end

function init(args)
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  local counts = {}
  for n in string.gmatch(os.getenv("BENCH_USED"), "%d+") do
    counts[#counts + 1] = tonumber(n)
  end
  lines = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    lines[#lines + 1] = split(line)
  end
  used, wrapped, statuses, pending, tokens, tag = counts[tid + 1], 0, {}, {}, {}, 0
end

local function headers_for(token, extra)
  local headers = {}
  if token ~= "-" then
    headers["Authorization"] = "Bearer " .. token
  end
  if extra ~= "-" then
    local name, value = string.match(extra, "^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  return headers
end

function request()
  if #pending > 0 then
    local submit = table.remove(pending, 1)
    return wrk.format("POST", submit.path, submit.headers, submit.body)
  end
  local index = tid + 1 + nthreads * used
  used = used + 1
  if index > #lines then
    wrapped = wrapped + 1
    index = (index - 1) % #lines + 1
  end
  local f = lines[index]
  local headers = headers_for(f[3], f[5])
  local body = nil
  if f[4] ~= "-" then
    body = f[4]
    headers["Content-Type"] = "application/json"
  end
  if f[1] == "POST" and f[2] == "/api/v1/quiz-sessions" then
    tag = tag + 1
    tokens[tag] = f[3]
    headers["X-Request-ID"] = "benchq-" .. tid .. "-" .. tag
  end
  return wrk.format(f[1], f[2], headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local id = headers["X-Request-ID"]
  if status ~= 201 or id == nil or string.sub(id, 1, 7) ~= "benchq-" then
    return
  end
  local n = tonumber(string.match(id, "(%d+)$"))
  local token = tokens[n]
  tokens[n] = nil
  local session = string.match(body, '"id":"([^"]+)","mode"')
  local answers = {}
  for question, option in string.gmatch(body, '"id":(%d+),"options":%[{"id":"([^"]+)"') do
    answers[#answers + 1] = string.format('{"question_id":%s,"option_ids":["%s"]}', question, option)
  end
  pending[#pending + 1] = {
    path = "/api/v1/quiz-sessions/" .. session .. "/submit",
    headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
    body = '{"answers":[' .. table.concat(answers, ",") .. "]}",
  }
end

function done(summary, latency, requests)
  local merged, used_by, wraps = {}, {}, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      merged[code] = (merged[code] or 0) + n
    end
    used_by[#used_by + 1] = thread:get("used")
    wraps = wraps + thread:get("wrapped")
  end
  local parts = {}
  for code, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%d":%d', code, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,'
      .. '"mean":%.1f},"statuses":{%s},"used":[%s],"wrapped":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ","), table.concat(used_by, ","), wraps))
end
