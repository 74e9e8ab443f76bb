import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKeyPairJwk, keyPairFromConfiguredJwk, publicJwkEntry, SigningKeyError, signingKeysFrom } from './signing-key.service.ts';

describe('signing keys', () => {
  it('generates P-256 (ES256) pairs whose kid is the public key thumbprint', async () => {
    const pair = await generateKeyPairJwk();
    expect(pair.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String) });
    expect(pair.privateJwk.d).toEqual(expect.any(String));
    expect(pair.kid).toBe(await calculateJwkThumbprint(pair.publicJwk));
  });

  it('publishes only the public part, with kid, alg and use', async () => {
    const pair = await generateKeyPairJwk();
    const keys = await signingKeysFrom(pair);
    expect(keys.alg).toBe('ES256');
    expect(keys.jwks.keys).toEqual([{ ...pair.publicJwk, kid: pair.kid, alg: 'ES256', use: 'sig' }]);
    expect(JSON.stringify(keys.jwks)).not.toContain(String(pair.privateJwk.d));
    expect(publicJwkEntry(pair)).not.toHaveProperty('d');
  });

  it('accepts a configured private JWK, keeping its kid or deriving one', async () => {
    const pair = await generateKeyPairJwk();
    const derived = await keyPairFromConfiguredJwk(JSON.stringify(pair.privateJwk));
    expect(derived.kid).toBe(pair.kid);
    const named = await keyPairFromConfiguredJwk(JSON.stringify({ ...pair.privateJwk, kid: 'prod-2025' }));
    expect(named.kid).toBe('prod-2025');
    expect(named.publicJwk).toEqual(pair.publicJwk);
  });

  it('keeps signing with a configured Ed25519 key (made before ES256 became the default), as EdDSA', async () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const keys = await signingKeysFrom(await keyPairFromConfiguredJwk(JSON.stringify({ ...ed, kid: 'old-1' })));
    expect(keys.alg).toBe('EdDSA');
    expect(keys.jwks.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: ed.x, kid: 'old-1', alg: 'EdDSA', use: 'sig' }]);
  });

  it('refuses unusable configured keys without echoing them', async () => {
    const pair = await generateKeyPairJwk();
    const secret = String(pair.privateJwk.d);
    const cases = [
      `{"kty":"EC","crv":"P-256","d":"${secret}"`, // not JSON
      JSON.stringify({ kty: 'RSA', n: 'x', e: 'AQAB', d: secret }),
      JSON.stringify({ ...pair.privateJwk, crv: 'P-384' }),
      JSON.stringify(pair.publicJwk), // no private part
      JSON.stringify({ ...pair.privateJwk, d: `${secret.slice(0, 10)}!!` }), // not a key
    ];
    for (const text of cases) {
      const error = await keyPairFromConfiguredJwk(text).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SigningKeyError);
      expect((error as Error).message).not.toContain(secret.slice(0, 10));
    }
  });
});
