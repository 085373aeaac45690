-- For wrk: cast votes in a conversation as its participants would, each with their own signed
-- cookie, and keep track of which vote each answer was for, so that benchmarks/vote_submit.py
-- can check every one of them in the database afterwards. Prints the results as one JSON line.
--
--   wrk -t N -c N ... -s benchmarks/vote.lua URL -- MODE <vote path> <pairs file> <csrf token> <referer> N
--
-- Run it with as many threads as connections: each thread then has one connection, so the answer
-- that comes back is always to the one vote that thread has outstanding.
--
-- The pairs file (written by vote_submit.py) has "P S" on its first line, then P lines, each the
-- Cookie header of one participant (CSRF cookie and signed participant cookie), then S statement ids.
--
-- MODE DISTINCT: request i of thread t (both from 0) is number g = i * N + t over all threads, and
-- votes as participant g % P on statement g // P, value ((g % P) + (g // P)) % 3 - 1: no two
-- requests vote on the same pair, and the value can be worked out from the pair.
-- MODE SAME: every request votes on one of the first 4 participants x the last 4 statements, over
-- and over, changing its vote: many requests on the same pairs at once.

local mode, path, pairs_file, token, referer, nthreads
local cookies, statements = {}, {}
local P, S = 0, 0

-- Read back by done() through thread:get, so global.
sent = 0 -- requests built by this thread
pending = -1 -- the request waiting for its answer, or -1
unanswered = {} -- requests whose answer never came (wrk's check call, socket errors)
odd = {} -- "request:status" for answers other than 303
statuses = {}

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode, path, pairs_file, token, referer, nthreads = args[1], args[2], args[3], args[4], args[5], tonumber(args[6])
  local file = assert(io.open(pairs_file, "r"))
  P, S = file:read("*n", "*n")
  file:read("*l")
  for n = 1, P do
    cookies[n] = file:read("*l")
  end
  for n = 1, S do
    statements[n] = file:read("*l")
  end
  file:close()
end

function request()
  if pending >= 0 then
    table.insert(unanswered, pending)
  end
  local i = sent
  sent = sent + 1
  pending = i
  local participant, statement, value
  if mode == "DISTINCT" then
    local g = i * nthreads + id
    participant, statement = g % P, math.floor(g / P)
    value = (participant + statement) % 3 - 1
  else
    local g = i * nthreads + id
    participant, statement = g % 4, S - 1 - math.floor(g / 4) % 4
    value = (i + id) % 3 - 1
  end
  local body = "statement=" .. statements[statement + 1] .. "&vote=" .. value .. "&csrfmiddlewaretoken=" .. token
  local headers = {
    ["Host"] = wrk.headers["Host"],
    ["X-Forwarded-Proto"] = "https",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookies[participant + 1],
    ["Referer"] = referer,
  }
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if pending >= 0 and status ~= 303 then
    table.insert(odd, pending .. ":" .. status)
  end
  pending = -1
end

local function json_list(values, quoted)
  local parts = {}
  for _, value in ipairs(values) do
    table.insert(parts, quoted and ('"' .. value .. '"') or tostring(value))
  end
  return "[" .. table.concat(parts, ", ") .. "]"
end

function done(summary, latency, requests)
  local counts, per_thread = {}, {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      counts[tostring(code)] = (counts[tostring(code)] or 0) + n
    end
    table.insert(per_thread, string.format(
      '{"id": %d, "sent": %d, "pending": %d, "unanswered": %s, "odd": %s}',
      thread:get("id"), thread:get("sent"), thread:get("pending"),
      json_list(thread:get("unanswered"), false), json_list(thread:get("odd"), true)
    ))
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d, "status_errors": %d, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %.0f, '
      .. '"max": %d}, "statuses": {%s}, "threads": [%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    table.concat(parts, ", "), table.concat(per_thread, ", ")
  ))
end
