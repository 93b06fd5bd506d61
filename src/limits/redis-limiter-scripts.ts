// Lua run atomically by Redis, so replicas sharing one Redis share one exact count. Time comes from the Redis
// server (TIME), not from each replica's clock. Per subject there are four keys: the request log (zset of
// lease → time), the token log (zset lease → time), token amounts (hash lease → tokens, plus field `_sum`) and
// the concurrency leases (zset lease → lapse time).

/** KEYS: 4 per subject. ARGV: window ms, lease, tokens, lease ms, then rpm, tpm, concurrency per subject (0 = none). */
export const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local lease = ARGV[2]
local tokens = tonumber(ARGV[3])
local leaseMs = tonumber(ARGV[4])
local n = #KEYS / 4
local function token_wait(tk, th, sum, target)
  if sum <= target then return 0 end
  local entries = redis.call('ZRANGE', tk, 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    sum = sum - tonumber(redis.call('HGET', th, entries[i]) or '0')
    if sum <= target then return tonumber(entries[i + 1]) + window - now end
  end
  return window
end
local function describe(i, reserving)
  local rk, tk, th = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3]
  local rpm, tpm = tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3])
  local out = {rpm, 0, 0, tpm, 0, 0}
  if rpm > 0 then
    local count = redis.call('ZCARD', rk)
    out[2] = math.max(0, rpm - count)
    local oldest = redis.call('ZRANGE', rk, 0, 0, 'WITHSCORES')
    if #oldest > 0 then out[3] = tonumber(oldest[2]) + window - now end
  end
  if tpm > 0 then
    local sum = tonumber(redis.call('HGET', th, '_sum') or '0')
    out[5] = math.max(0, tpm - sum)
    out[6] = token_wait(tk, th, sum, math.max(0, tpm - reserving))
  end
  return out
end
for i = 0, n - 1 do
  local rk, tk, th, ck = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  redis.call('ZREMRANGEBYSCORE', rk, '-inf', now - window)
  local old = redis.call('ZRANGEBYSCORE', tk, '-inf', now - window)
  for _, member in ipairs(old) do
    local amount = tonumber(redis.call('HGET', th, member) or '0')
    redis.call('HINCRBY', th, '_sum', -amount)
    redis.call('HDEL', th, member)
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', tk, '-inf', now - window) end
  redis.call('ZREMRANGEBYSCORE', ck, '-inf', now)
end
for i = 0, n - 1 do
  local rk, tk, th, ck = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  local rpm, tpm, conc = tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3]), tonumber(ARGV[7 + i * 3])
  if rpm > 0 then
    local count = redis.call('ZCARD', rk)
    if count >= rpm then
      local nth = redis.call('ZRANGE', rk, count - rpm, count - rpm, 'WITHSCORES')
      return {0, 'requests', i, tonumber(nth[2]) + window - now, unpack(describe(0, tokens))}
    end
  end
  if tpm > 0 then
    local sum = tonumber(redis.call('HGET', th, '_sum') or '0')
    if sum + tokens > tpm then
      local wait = window
      if tokens <= tpm then wait = token_wait(tk, th, sum, tpm - tokens) end
      return {0, 'tokens', i, wait, unpack(describe(0, tokens))}
    end
  end
  if conc > 0 and redis.call('ZCARD', ck) >= conc then
    return {0, 'concurrency', i, 1000, unpack(describe(0, tokens))}
  end
end
for i = 0, n - 1 do
  local rk, tk, th, ck = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  local conc = tonumber(ARGV[7 + i * 3])
  redis.call('ZADD', rk, now, lease)
  redis.call('PEXPIRE', rk, window)
  if tokens > 0 then
    redis.call('ZADD', tk, now, lease)
    redis.call('HSET', th, lease, tokens)
    redis.call('HINCRBY', th, '_sum', tokens)
    redis.call('PEXPIRE', tk, window)
    redis.call('PEXPIRE', th, window)
  end
  if conc > 0 then
    redis.call('ZADD', ck, now + leaseMs, lease)
    redis.call('PEXPIRE', ck, leaseMs)
  end
end
return {1, '', 0, 0, unpack(describe(0, 0))}
`;

/** KEYS: 2 per subject (token amounts, concurrency leases). ARGV: lease, actual tokens (-1 = keep the reservation). */
export const settleScript = `
local lease = ARGV[1]
local actual = tonumber(ARGV[2])
for i = 0, #KEYS / 2 - 1 do
  local th, ck = KEYS[i * 2 + 1], KEYS[i * 2 + 2]
  redis.call('ZREM', ck, lease)
  if actual >= 0 then
    local reserved = redis.call('HGET', th, lease)
    if reserved then
      redis.call('HSET', th, lease, actual)
      redis.call('HINCRBY', th, '_sum', actual - tonumber(reserved))
    end
  end
end
return 1
`;
