#include "spend_scripts.h"

namespace octo::spend::detail {

const char kReserveScript[] = R"lua(
local now = tonumber(ARGV[1])
local est_usd = tonumber(ARGV[3])
local est_tokens = tonumber(ARGV[4])
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then return {-1, i} end
end
for i, key in ipairs(KEYS) do
  local limit_usd = tonumber(ARGV[4 + 2 * i])
  local limit_tokens = tonumber(ARGV[5 + 2 * i])
  local fields = redis.call('HGETALL', key)
  local usd, tokens = 0, 0
  for j = 1, #fields, 2 do
    local name, value = fields[j], fields[j + 1]
    if name == 'usd' then
      usd = usd + tonumber(value)
    elseif name == 'tokens' then
      tokens = tokens + tonumber(value)
    elseif string.sub(name, 1, 2) == 'h:' then
      local u, t, expires = string.match(value, '^(%S+) (%S+) (%S+)$')
      if tonumber(expires) < now then
        redis.call('HDEL', key, name)
      else
        usd = usd + tonumber(u)
        tokens = tokens + tonumber(t)
      end
    end
  end
  if limit_usd >= 0 and usd + est_usd > limit_usd then
    return {0, i, 'usd', string.format('%.17g', usd)}
  end
  if limit_tokens >= 0 and tokens + est_tokens > limit_tokens then
    return {0, i, 'tokens', string.format('%.17g', tokens)}
  end
end
local hold = ARGV[3] .. ' ' .. ARGV[4] .. ' ' .. ARGV[5]
for _, key in ipairs(KEYS) do redis.call('HSET', key, 'h:' .. ARGV[2], hold) end
return {1}
)lua";

const char kSeedScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'usd', ARGV[1], 'tokens', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
)lua";

const char kSettleScript[] = R"lua(
local usd = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('HDEL', key, 'h:' .. ARGV[1])
    if usd > 0 then redis.call('HINCRBYFLOAT', key, 'usd', ARGV[2]) end
    if tokens > 0 then redis.call('HINCRBY', key, 'tokens', ARGV[3]) end
  end
end
return 1
)lua";

}  // namespace octo::spend::detail
