import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LuaScript } from '../lua-script.ts';
import { deletePrefix, testRedis, uniquePrefix } from './redis-test-helpers.ts';

const redis = testRedis();
const base = uniquePrefix('lua');

afterAll(async () => {
  await deletePrefix(redis, base);
  await redis.quit();
});

describe('LuaScript', () => {
  it('falls back to EVAL on NOSCRIPT, then runs by sha', async () => {
    // A body no server has seen: the first EVALSHA must fail with NOSCRIPT.
    const script = new LuaScript(`-- ${randomUUID()}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`);
    expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
    expect(await script.run(redis, [`${base}n`], [2])).toBe(2);
    expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
    expect(await script.run(redis, [`${base}n`], [3])).toBe(5);
  });

  it('passes script errors through', async () => {
    const script = new LuaScript(`return redis.call('INCRBY', KEYS[1], 'x')`);
    await expect(script.run(redis, [`${base}m`], [])).rejects.toThrow(/not an integer/);
  });
});
