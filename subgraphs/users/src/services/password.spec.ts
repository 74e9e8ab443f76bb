import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyAgainstDummy, verifyPassword } from './password.ts';

describe('password hashing (scrypt)', () => {
  it('stores the parameters, a salt and the key, and never the password', async () => {
    const hash = await hashPassword('correct horse');
    const parts = hash.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(SCRYPT_PARAMS.N), String(SCRYPT_PARAMS.r), String(SCRYPT_PARAMS.p)]);
    expect(Buffer.from(parts[4]!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64url')).toHaveLength(32);
    expect(hash).not.toContain('correct horse');
    expect(SCRYPT_PARAMS).toEqual({ N: 16384, r: 8, p: 1 });
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash: the same password hashes differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('treats Unicode the same whatever its normalization form', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });

  it('returns false (does not throw) for malformed or dangerous stored hashes', async () => {
    const good = await hashPassword('pw-123456');
    const [, , r, p, salt, key] = good.split('$');
    for (const stored of [
      '',
      'bcrypt$2b$10$abc',
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, // N beyond the cap: would burn memory and CPU
      `scrypt$16384$${r}$${p}$$${key}`, // no salt
      `scrypt$16384$${r}$${p}$${salt}`,
    ]) {
      expect(await verifyPassword('pw-123456', stored)).toBe(false);
    }
  });

  it('verifies hashes made with other parameters, and flags them for rehash', async () => {
    const good = await hashPassword('pw-123456');
    expect(needsRehash(good)).toBe(false);
    // Same salt and key, but a claim of N=1024 gives a different key: must not verify.
    const [, , r, p, salt, key] = good.split('$');
    const other = `scrypt$1024$${r}$${p}$${salt}$${key}`;
    expect(needsRehash(other)).toBe(true);
    expect(await verifyPassword('pw-123456', other)).toBe(false);
  });

  it('the dummy check always fails and costs about as much as a real one', async () => {
    const hash = await hashPassword('pw-123456');
    await verifyAgainstDummy('warm-up'); // the dummy hash is made once
    // Interleaved, so both see the same machine load (other test files run in parallel).
    let real = 0;
    let dummy = 0;
    for (let i = 0; i < 6; i++) {
      let start = performance.now();
      await verifyPassword('wrong-password', hash);
      real += performance.now() - start;
      start = performance.now();
      await verifyAgainstDummy('wrong-password');
      dummy += performance.now() - start;
    }
    expect(await verifyAgainstDummy('pw-123456')).toBe(false);
    expect(dummy / real).toBeGreaterThan(0.4);
    expect(dummy / real).toBeLessThan(2.5);
  });
});
