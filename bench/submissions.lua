-- wrk script for bench/submissions.ts --client wrk: the same two reports as the Node client
-- (online material with two links; an abuse report in Urdu naming a district), each with its
-- own Idempotency-Key, and a count of the 201 answers that carry a receipt. Prints one JSON line.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  created = 0
  failed = 0
  sequence = 0
  prefix = string.format("%s-%d-%d", args[1] or "bench", id, math.random(1, 1000000000))
end

function request()
  sequence = sequence + 1
  local n = prefix .. "-" .. sequence
  local body
  if sequence % 2 == 0 then
    body = '{"kind":"online_material","language":"en","urls":["https://example.com/bench/' .. n ..
      '","https://example.org/mirror/' .. n .. '"],"site":"a video site","reporterRelationship":"other"}'
  else
    body = '{"kind":"abuse","language":"ur","description":"ہمسایہ بچے کو تنگ کرتا ہے، وہ روز اسکول کے راستے میں کھڑا ہوتا ہے (' .. n ..
      ')","province":"punjab","district":"ملتان","childAgeBand":"6-10","childSex":"girl","abuserRelationship":"neighbour","inDangerNow":true}'
  end
  return wrk.format("POST", "/api/v1/reports", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = n,
  }, body)
end

function response(status, headers, body)
  if status == 201 and string.find(body, '"receipt":"%d+"') then
    created = created + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local created, failed = 0, 0
  for _, thread in ipairs(threads) do
    created = created + thread:get("created")
    failed = failed + thread:get("failed")
  end
  io.write(string.format(
    '{"created":%d,"failed":%d,"durationUs":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d}\n',
    created, failed, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
