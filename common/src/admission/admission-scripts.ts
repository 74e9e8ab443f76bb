/**
 * The gate's Lua scripts. They and the key layout (admission-keys.ts) are one versioned unit: any change to
 * a script or to what a key holds must bump ADMISSION_SCRIPTS_VERSION, which moves every key to a new prefix
 * (admission-scripts.spec.ts pins the scripts' hash to the version so a silent change fails the build).
 *
 * Order record (hash): `c` customer id, `s` state `pending` (admitted, not yet held by inventory), `settled`
 * (held or sold) or `ended` (released: a tombstone without lines), `l:<productId>` quantity. Counters: stock
 * tokens, pending units per product, taken units per (product, customer). Invariants kept by every script:
 * taken = sum of the customer's live records, pending = sum of pending records; a pending or settled record
 * exists exactly while its units are out of the token pool. A record of any state means "this order id was
 * admitted once", so a retry is answered from PostgreSQL and a first request never is (a refusal costs one call).
 */
export const ADMISSION_SCRIPTS_VERSION = 'v2';

/**
 * KEYS[1] order record, KEYS[2] ready marker; per line i (0-based): KEYS[3+3i] stock, KEYS[4+3i] taken,
 * KEYS[5+3i] pending. ARGV[1] customer id, ARGV[2] '1' when the caller has looked in PostgreSQL for an earlier
 * order with this id (then a gate without its ready marker may decide); per line: ARGV[3+3i] product id,
 * ARGV[4+3i] quantity, ARGV[5+3i] limit (-1 = none).
 * Returns {1} admitted, {2} admitted earlier (a record in any state: retry, twin, or ended order), {3} the gate
 * lost its data (no ready marker) and the caller has not checked PostgreSQL, {0, reason, productId} refused.
 * Checks every line before taking anything; limits are checked before stock for the whole order.
 */
export const ADMIT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {2}
end
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[2]) == 0 then
  return {3}
end
local n = (#KEYS - 2) / 3
for i = 0, n - 1 do
  local limit = tonumber(ARGV[5 + 3 * i])
  if limit >= 0 then
    local taken = tonumber(redis.call('GET', KEYS[4 + 3 * i]) or '0')
    if taken + tonumber(ARGV[4 + 3 * i]) > limit then
      return {0, 'LIMIT_EXCEEDED', ARGV[3 + 3 * i]}
    end
  end
end
for i = 0, n - 1 do
  local stock = tonumber(redis.call('GET', KEYS[3 + 3 * i]) or '-1')
  if stock < tonumber(ARGV[4 + 3 * i]) then
    return {0, 'OUT_OF_STOCK', ARGV[3 + 3 * i]}
  end
end
local record = {'c', ARGV[1], 's', 'pending'}
for i = 0, n - 1 do
  local qty = ARGV[4 + 3 * i]
  redis.call('DECRBY', KEYS[3 + 3 * i], qty)
  redis.call('INCRBY', KEYS[4 + 3 * i], qty)
  redis.call('INCRBY', KEYS[5 + 3 * i], qty)
  record[#record + 1] = 'l:' .. ARGV[3 + 3 * i]
  record[#record + 1] = qty
end
redis.call('HSET', KEYS[1], unpack(record))
return {1}
`;

/**
 * KEYS[1] order record. ARGV[1] key prefix, ARGV[2] '1' to forget the order id (its order was never recorded, so
 * a retry must decide again), else the record becomes an `ended` tombstone. The line keys come from the record,
 * so they are built inside the script (undeclared keys: fine on one Redis node, not on a cluster).
 * Returns 1 if released, 0 if nothing was held (no record, or a tombstone).
 */
export const RELEASE_LUA = `
local h = redis.call('HGETALL', KEYS[1])
local forget = ARGV[2] == '1'
if #h == 0 then
  return 0
end
if redis.call('HGET', KEYS[1], 's') == 'ended' then
  if forget then
    redis.call('DEL', KEYS[1])
  end
  return 0
end
local customer, state = '', ''
local lines = {}
for i = 1, #h, 2 do
  local field, value = h[i], h[i + 1]
  if field == 'c' then
    customer = value
  elseif field == 's' then
    state = value
  elseif string.sub(field, 1, 2) == 'l:' then
    lines[#lines + 1] = {string.sub(field, 3), tonumber(value)}
  end
end
local p = ARGV[1]
for _, line in ipairs(lines) do
  local product, qty = line[1], line[2]
  redis.call('INCRBY', p .. 'stock:' .. product, qty)
  local takenKey = p .. 'taken:' .. product .. ':' .. customer
  if redis.call('DECRBY', takenKey, qty) <= 0 then
    redis.call('DEL', takenKey)
  end
  if state == 'pending' then
    local pendingKey = p .. 'pending:' .. product
    if redis.call('DECRBY', pendingKey, qty) <= 0 then
      redis.call('DEL', pendingKey)
    end
  end
end
redis.call('DEL', KEYS[1])
if not forget then
  redis.call('HSET', KEYS[1], 's', 'ended')
end
return 1
`;

/**
 * KEYS[1] order record, KEYS[2] settles hash. ARGV[1] key prefix (pending keys built inside, as in release).
 * Moves a pending record to settled: its units leave `pending` and are added to the monotonic settle fence.
 * Returns 1 if settled now, 0 if no record or already settled.
 */
export const SETTLE_LUA = `
if redis.call('HGET', KEYS[1], 's') ~= 'pending' then
  return 0
end
local h = redis.call('HGETALL', KEYS[1])
for i = 1, #h, 2 do
  local field = h[i]
  if string.sub(field, 1, 2) == 'l:' then
    local product, qty = string.sub(field, 3), tonumber(h[i + 1])
    local pendingKey = ARGV[1] .. 'pending:' .. product
    if redis.call('DECRBY', pendingKey, qty) <= 0 then
      redis.call('DEL', pendingKey)
    end
    redis.call('HINCRBY', KEYS[2], product, qty)
  end
end
redis.call('HSET', KEYS[1], 's', 'settled')
return 1
`;

/**
 * KEYS[1] settles hash; per product i: KEYS[2+2i] stock, KEYS[3+2i] pending.
 * ARGV per product: ARGV[1+3i] product id, ARGV[2+3i] available in PostgreSQL, ARGV[3+3i] settled units read
 * before PostgreSQL was read (the fence). Sets tokens = max(0, available - pending - settledSinceFence):
 * a settle that ran after the fence may be for a hold PostgreSQL's figure did not include yet, so it is
 * subtracted (at worst too few tokens until the next run, never too many). Returns {before, after} pairs
 * (before = -1 when the key was absent).
 */
export const RECONCILE_LUA = `
local out = {}
local n = (#KEYS - 1) / 2
for i = 0, n - 1 do
  local product = ARGV[1 + 3 * i]
  local pending = tonumber(redis.call('GET', KEYS[3 + 2 * i]) or '0')
  local window = tonumber(redis.call('HGET', KEYS[1], product) or '0') - tonumber(ARGV[3 + 3 * i])
  if window < 0 then
    window = 0
  end
  local target = tonumber(ARGV[2 + 3 * i]) - pending - window
  if target < 0 then
    target = 0
  end
  local before = tonumber(redis.call('GET', KEYS[2 + 2 * i]) or '-1')
  redis.call('SET', KEYS[2 + 2 * i], target)
  out[#out + 1] = before
  out[#out + 1] = target
end
return out
`;

/** KEYS[1] stock. ARGV[1] delta. Adds tokens, never going below zero. Returns the new count. */
export const ADD_STOCK_LUA = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v < 0 then
  redis.call('SET', KEYS[1], 0)
  return 0
end
return v
`;

/**
 * Recreates the record of a live order that Redis lost (after a flush), so taken/pending and a later release
 * are exact again. KEYS[1] order record; per line i: KEYS[2+2i] taken, KEYS[3+2i] pending.
 * ARGV[1] customer id, ARGV[2] '1' if inventory already holds it (settled) else '0'; per line: ARGV[3+2i]
 * product id, ARGV[4+2i] quantity. Stock tokens are not touched (the stock rebuild derives them).
 * Returns 1 if restored, 0 if the record already exists.
 */
export const RESTORE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local held = ARGV[2] == '1'
local state = 'pending'
if held then
  state = 'settled'
end
local record = {'c', ARGV[1], 's', state}
local n = (#KEYS - 1) / 2
for i = 0, n - 1 do
  local qty = ARGV[4 + 2 * i]
  redis.call('INCRBY', KEYS[2 + 2 * i], qty)
  if not held then
    redis.call('INCRBY', KEYS[3 + 2 * i], qty)
  end
  record[#record + 1] = 'l:' .. ARGV[3 + 2 * i]
  record[#record + 1] = qty
end
redis.call('HSET', KEYS[1], unpack(record))
return 1
`;

/** Every script, in a fixed order: what the version pin hashes. */
export const ADMISSION_SCRIPTS = [ADMIT_LUA, RELEASE_LUA, SETTLE_LUA, RECONCILE_LUA, ADD_STOCK_LUA, RESTORE_LUA];
