/**
 * Lua scripts for the Redis velocity store. Each series has two sorted sets:
 *   <prefix><series>:e  events, member "<amount>:<id>", score = event time (ms)
 *   <prefix><series>:d  distinct values, member = value, score = last time seen (ms)
 * Running as scripts makes every call atomic and one round trip; all times are computed in
 * TypeScript and passed as decimal strings, so Lua's number formatting never touches them.
 * The three scripts share two functions, so their semantics cannot drift apart.
 */
const FUNCTIONS = `
-- Aggregates of nseries key pairs starting after KEYS[kb], with ARGV[ab + 1] = number of windows,
-- ARGV[ab + 2] = index of the widest, ARGV[ab + 2 + j] = start of window j (a window holds score > start).
-- One range read of the widest window gives count and sum for every window; distinct is a ZCOUNT.
-- Returns a flat list: for each series, for each window: count, sum, distinct.
local function query(kb, nseries, ab)
  local nw = tonumber(ARGV[ab + 1])
  local widest = ARGV[ab + 2 + tonumber(ARGV[ab + 2])]
  local froms = {}
  for j = 1, nw do froms[j] = tonumber(ARGV[ab + 2 + j]) end
  local out = {}
  for i = 1, nseries do
    local counts = {}
    local sums = {}
    for j = 1, nw do counts[j] = 0; sums[j] = 0 end
    local rows = redis.call('ZRANGE', KEYS[kb + 2 * i - 1], '(' .. widest, '+inf', 'BYSCORE', 'WITHSCORES')
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
      out[#out + 1] = redis.call('ZCOUNT', KEYS[kb + 2 * i], '(' .. ARGV[ab + 2 + j], '+inf')
    end
  end
  return out
end

-- Records nevents events into the key pairs after KEYS[kb]; ARGV[ab + 1] = cutoff, ARGV[ab + 2] =
-- TTL ms, then per event: at, member, hasDistinct ('1' or '0'), distinct value.
-- NX keeps the first record of a member (a retried write is a no-op); the distinct set is only
-- touched for new events, and GT keeps the latest time a value was seen.
local function record(kb, nevents, ab)
  local cutoff = ARGV[ab + 1]
  local ttl = ARGV[ab + 2]
  local ncut = tonumber(cutoff)
  for i = 1, nevents do
    local e = KEYS[kb + 2 * i - 1]
    local d = KEYS[kb + 2 * i]
    local base = ab + 2 + (i - 1) * 4
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
end
`;

/** KEYS: e1, d1, e2, d2, … (one pair per event)   ARGV: cutoff, ttlMs, then 4 per event. */
export const RECORD_SCRIPT = `${FUNCTIONS}
record(0, #KEYS / 2, 0)
return 1
`;

/** KEYS: e1, d1, … (one pair per series)   ARGV: nWindows, widestIndex, from1 … fromN. */
export const QUERY_SCRIPT = `${FUNCTIONS}
return query(0, #KEYS / 2, 0)
`;

/**
 * Aggregates as they were before the events, then the events, atomically: no other node's attempt
 * can slip between a decision's read and its record.
 * KEYS: the query pairs, then the record pairs.
 * ARGV: nQueryPairs, nWindows, widestIndex, from1 … fromN, cutoff, ttlMs, then 4 per event.
 */
export const QUERY_THEN_RECORD_SCRIPT = `${FUNCTIONS}
local nq = tonumber(ARGV[1])
local nw = tonumber(ARGV[2])
local out = query(0, nq, 1)
record(2 * nq, (#KEYS - 2 * nq) / 2, 3 + nw)
return out
`;
