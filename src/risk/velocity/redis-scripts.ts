/**
 * Lua scripts for the Redis velocity store. Each series has two sorted sets:
 *   <prefix><series>:e  events, member "<amount>:<id>", score = event time (ms)
 *   <prefix><series>:d  distinct values, member = value, score = last time seen (ms)
 * Running as scripts makes every record and every query atomic and one round trip; all times are
 * computed in TypeScript and passed as decimal strings, so Lua's number formatting never touches them.
 */

/**
 * KEYS: e1, d1, e2, d2, …   ARGV: cutoff, ttlMs, then per key pair: at, member, hasDistinct, value.
 * NX keeps the first record of a member (a retried write is a no-op); the distinct set is only
 * touched for new events, and GT keeps the latest time a value was seen.
 */
export const RECORD_SCRIPT = `
local cutoff = ARGV[1]
local ttl = ARGV[2]
local ncut = tonumber(cutoff)
for i = 1, #KEYS / 2 do
  local e = KEYS[2 * i - 1]
  local d = KEYS[2 * i]
  local base = 2 + (i - 1) * 4
  local at = ARGV[base + 1]
  -- Trim first, so whether a member still exists (and NX applies) depends only on the cutoff.
  redis.call('ZREMRANGEBYSCORE', e, '-inf', cutoff)
  redis.call('ZREMRANGEBYSCORE', d, '-inf', cutoff)
  if tonumber(at) > ncut then
    local added = redis.call('ZADD', e, 'NX', at, ARGV[base + 2])
    if added == 1 and ARGV[base + 3] == '1' then
      redis.call('ZADD', d, 'GT', at, ARGV[base + 4])
    end
  end
  redis.call('PEXPIRE', e, ttl)
  redis.call('PEXPIRE', d, ttl)
end
return 1
`;

/**
 * KEYS: e1, d1, …   ARGV: nWindows, widestIndex, from1 … fromN  (a window holds score > from).
 * One range read of the widest window gives count and sum for every window; distinct is a ZCOUNT.
 * Returns a flat list: for each series, for each window: count, sum, distinct.
 */
export const QUERY_SCRIPT = `
local nw = tonumber(ARGV[1])
local widest = ARGV[2 + tonumber(ARGV[2])]
local froms = {}
for j = 1, nw do froms[j] = tonumber(ARGV[2 + j]) end
local out = {}
for i = 1, #KEYS / 2 do
  local counts = {}
  local sums = {}
  for j = 1, nw do counts[j] = 0; sums[j] = 0 end
  local rows = redis.call('ZRANGE', KEYS[2 * i - 1], '(' .. widest, '+inf', 'BYSCORE', 'WITHSCORES')
  for k = 1, #rows, 2 do
    local amount = tonumber(string.match(rows[k], '^(%-?%d+):'))
    local at = tonumber(rows[k + 1])
    for j = 1, nw do
      if at > froms[j] then
        counts[j] = counts[j] + 1
        sums[j] = sums[j] + amount
      end
    end
  end
  for j = 1, nw do
    out[#out + 1] = counts[j]
    out[#out + 1] = sums[j]
    out[#out + 1] = redis.call('ZCOUNT', KEYS[2 * i], '(' .. ARGV[2 + j], '+inf')
  end
end
return out
`;
