// Lua run atomically by Redis, so replicas sharing one Redis share one exact count. Time comes from the Redis
// server (TIME), not from each replica's clock, unless a test passes one. Per subject there are three keys: the
// request window and the token window (hashes: one field per one-second bucket, `o` = the oldest bucket that may
// still count, `s` = the sum; see docs/adr/0004-bucketed-sliding-window-limits.md) and the concurrency leases (zset
// lease → lapse time). One key per request records the bucket and amount of its token reservation until it settles.
// Every call does constant work: it touches only buckets that left the window since the last call, and walks the
// window's buckets only to compute a wait.

const windowFunctions = `
local window, width = tonumber(ARGV[2]), tonumber(ARGV[3])
local span = window / width
local now = tonumber(ARGV[1])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local cur = math.floor(now / width)
`;

/**
 * KEYS: the reservation key, then 3 per subject (request window, token window, concurrency leases).
 * ARGV: now ms (-1 = Redis TIME), window ms, bucket ms, lease, tokens, lease ms, then rpm, tpm, concurrency per
 * subject (0 = none). Returns admitted (1/0), kind, subject index, wait ms, then rpm, remaining, reset ms, tpm,
 * remaining, reset ms of the first subject.
 */
export const acquireScript = `${windowFunctions}
local lease, tokens, leaseMs = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local n = (#KEYS - 1) / 3
-- Drops the buckets that left the window and skips empty ones; returns {oldest, sum}.
local function advance(key)
  local head = redis.call('HMGET', key, 'o', 's')
  local oldest, sum = tonumber(head[1]), tonumber(head[2]) or 0
  if oldest == nil or cur - oldest > 2 * span then
    redis.call('DEL', key)
    return {cur, 0}
  end
  local start = oldest
  while oldest < cur do
    local value = tonumber(redis.call('HGET', key, oldest) or '0')
    if value ~= 0 and oldest >= cur - span then break end
    if value ~= 0 then sum = sum - value end
    redis.call('HDEL', key, oldest)
    oldest = oldest + 1
  end
  if oldest ~= start then redis.call('HSET', key, 'o', oldest, 's', sum) end
  return {oldest, sum}
end
-- Milliseconds until the sum falls to target or below (a whole window when it never does).
local function wait(key, state, target)
  local sum = state[2]
  if sum <= target then return 0 end
  for bucket = state[1], state[1] + span do
    sum = sum - tonumber(redis.call('HGET', key, bucket) or '0')
    if sum <= target then return (bucket + 1) * width + window - now end
  end
  return window
end
local function add(key, state, amount)
  state[2] = state[2] + amount
  redis.call('HSET', key, 'o', state[1], 's', state[2])
  redis.call('HINCRBY', key, math.max(cur, state[1]), amount)
  redis.call('PEXPIRE', key, window + 2 * width)
end
local requests, reserved = {}, {}
for i = 0, n - 1 do
  local rpm, tpm = tonumber(ARGV[7 + i * 3]), tonumber(ARGV[8 + i * 3])
  if rpm > 0 then requests[i] = advance(KEYS[2 + i * 3]) end
  if tpm > 0 then reserved[i] = advance(KEYS[3 + i * 3]) end
  if tonumber(ARGV[9 + i * 3]) > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[4 + i * 3], '-inf', now) end
end
local function describe(reserving)
  local rpm, tpm = tonumber(ARGV[7]), tonumber(ARGV[8])
  local out = {rpm, 0, 0, tpm, 0, 0}
  if rpm > 0 then
    out[2] = math.max(0, rpm - requests[0][2])
    out[3] = wait(KEYS[2], requests[0], math.max(0, requests[0][2] - 1))
  end
  if tpm > 0 then
    out[5] = math.max(0, tpm - reserved[0][2])
    out[6] = wait(KEYS[3], reserved[0], math.max(0, tpm - reserving))
  end
  return out
end
for i = 0, n - 1 do
  local rpm, tpm, conc = tonumber(ARGV[7 + i * 3]), tonumber(ARGV[8 + i * 3]), tonumber(ARGV[9 + i * 3])
  if rpm > 0 and requests[i][2] >= rpm then
    return {0, 'requests', i, wait(KEYS[2 + i * 3], requests[i], rpm - 1), unpack(describe(tokens))}
  end
  if tpm > 0 and reserved[i][2] + tokens > tpm then
    local after = window
    if tokens <= tpm then after = wait(KEYS[3 + i * 3], reserved[i], tpm - tokens) end
    return {0, 'tokens', i, after, unpack(describe(tokens))}
  end
  if conc > 0 and redis.call('ZCARD', KEYS[4 + i * 3]) >= conc then
    return {0, 'concurrency', i, 1000, unpack(describe(tokens))}
  end
end
local reserves = false
for i = 0, n - 1 do
  if requests[i] then add(KEYS[2 + i * 3], requests[i], 1) end
  if reserved[i] and tokens > 0 then
    add(KEYS[3 + i * 3], reserved[i], tokens)
    reserves = true
  end
  if tonumber(ARGV[9 + i * 3]) > 0 then
    redis.call('ZADD', KEYS[4 + i * 3], now + leaseMs, lease)
    redis.call('PEXPIRE', KEYS[4 + i * 3], leaseMs)
  end
end
if reserves then redis.call('SET', KEYS[1], cur .. ':' .. tokens, 'PX', window + 2 * width) end
return {1, '', 0, 0, unpack(describe(0))}
`;

/**
 * KEYS: the reservation key, then 2 per subject (token window, concurrency leases). ARGV: now ms (-1 = Redis TIME),
 * window ms, bucket ms, lease, actual tokens (-1 = keep the reservation). Corrects the bucket the reservation went to.
 */
export const settleScript = `${windowFunctions}
local lease, actual = ARGV[4], tonumber(ARGV[5])
local record = redis.call('GET', KEYS[1])
local bucket, reserved
if record then
  redis.call('DEL', KEYS[1])
  local b, r = string.match(record, '^(%d+):(%d+)$')
  bucket, reserved = tonumber(b), tonumber(r)
end
for i = 0, (#KEYS - 1) / 2 - 1 do
  local tk, ck = KEYS[2 + i * 2], KEYS[3 + i * 2]
  redis.call('ZREM', ck, lease)
  local oldest = tonumber(redis.call('HGET', tk, 'o') or '')
  if bucket and actual >= 0 and oldest and bucket >= oldest and bucket >= cur - span then
    local value = tonumber(redis.call('HGET', tk, bucket) or '0')
    local delta = math.max(actual - reserved, -value)
    if delta ~= 0 then
      redis.call('HINCRBY', tk, bucket, delta)
      redis.call('HINCRBY', tk, 's', delta)
    end
  end
end
return 1
`;
