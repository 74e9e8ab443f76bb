import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@limitedcart/common';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface TokenOptions {
  sub?: string;
  roles?: string[];
  /** Seconds from now; negative makes an expired token. */
  expiresIn?: number;
  /** Sign with a key the JWKS does not publish. */
  foreignKey?: boolean;
}

export interface TestJwks {
  url: string;
  sign(options?: TokenOptions): Promise<string>;
  /** A structurally valid token with `alg: none` and no signature. */
  unsigned(options?: TokenOptions): string;
  close(): Promise<void>;
}

function claims(options: TokenOptions) {
  return { roles: options.roles ?? ['CUSTOMER'] };
}

/** users' side of auth for tests: an ES256 key pair and a JWKS endpoint publishing its public half. */
export async function startTestJwks(): Promise<TestJwks> {
  const kid = `test-${Math.random().toString(36).slice(2)}`;
  const own = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const foreign = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(own.publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  async function sign(options: TokenOptions = {}): Promise<string> {
    const key: CryptoKey = options.foreignKey ? foreign.privateKey : own.privateKey;
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn ?? 900;
    return new SignJWT(claims(options))
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid })
      .setSubject(options.sub ?? 'user-1')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(expiresIn < 0 ? now + expiresIn - 60 : now)
      .setExpirationTime(now + expiresIn)
      .sign(key);
  }

  function unsigned(options: TokenOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = { ...claims(options), sub: options.sub ?? 'user-1', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 900 };
    return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
  }

  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign,
    unsigned,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Flips one character of the payload: the signature no longer matches. */
export function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.roles = ['ADMIN'];
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
