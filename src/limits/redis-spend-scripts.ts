/**
 * Reserves spend against every subject at once (KEYS: each subject's day key then month key; ARGV: usd, day TTL,
 * month TTL, epsilon, then each subject's daily and monthly budget, "" for none). Either every counter is raised
 * by usd or none is; returns 0, or {subject index (1-based), 0 for day | 1 for month} of the first budget that refused.
 */
export const reserveSpendScript = `
local usd = tonumber(ARGV[1])
local epsilon = tonumber(ARGV[4])
for i = 1, #KEYS do
  local limit = ARGV[4 + i]
  if limit ~= "" then
    local spent = tonumber(redis.call("GET", KEYS[i]) or "0")
    if spent + usd > tonumber(limit) + epsilon then return { math.floor((i + 1) / 2), (i + 1) % 2 } end
  end
end
for i = 1, #KEYS do
  redis.call("INCRBYFLOAT", KEYS[i], ARGV[1])
  redis.call("EXPIRE", KEYS[i], (i % 2 == 1) and ARGV[2] or ARGV[3])
end
return 0
`;
