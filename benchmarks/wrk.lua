-- For wrk: send the same request again and again, or, for a story, a new valid anonymous story
-- each time; count the answers by status code, and print the results as one JSON line.
--
--   wrk ... -s benchmarks/wrk.lua URL -- GET /health/
--   wrk ... -s benchmarks/wrk.lua URL -- STORY /services/<slug>/tell-us/ <cookie header> <csrf token> <referer>

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local mode, path, cookie, token, referer
local sent = 0
statuses = {}

function init(args)
  mode, path, cookie, token, referer = args[1], args[2], args[3], args[4], args[5]
  wrk.headers["X-Forwarded-Proto"] = "https"
  if mode == "STORY" then
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Cookie"] = cookie
    wrk.headers["Referer"] = referer
  end
end

local text = "I+rang+on+a+Monday+and+got+through+after+twenty+minutes.+"
  .. "The+person+I+spoke+to+explained+what+would+happen+next,+and+it+did."

function request()
  if mode ~= "STORY" then
    return wrk.format("GET", path)
  end
  sent = sent + 1
  local body = "rating_overall=4&listened=partly&title=Load+test+story&text=" .. text
    .. "&rating_access=3&rating_respect=5&rating_outcome="
    .. "&author_email=teller-" .. id .. "-" .. sent .. "%40bench.example&author_name="
    .. "&csrfmiddlewaretoken=" .. token
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      counts[tostring(code)] = (counts[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d, "status_errors": %d, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %.0f, '
      .. '"max": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    table.concat(parts, ", ")
  ))
end
