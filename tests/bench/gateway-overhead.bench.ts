// The gateway's own CPU per request, with nothing else on the machine's clock: the real gateway process (main.ts) over
// a stub subgraph that answers placeOrder's refusal at once. It prints CPU µs per request for `{ __typename }`,
// placeOrder with tokens the gateway has verified before, placeOrder with a new token each (as in a drop), and an
// admitted placeOrder (the order in the answer), so a
// change to the gateway's path can be measured in seconds instead of a whole drop.
//   node tests/bench/gateway-overhead.bench.ts [--requests 20000] [--connections 100] [--stub-delay-ms 0] [--cpu-prof <dir>]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../common/src/auth/tokens.ts';
import { REPO_ROOT } from '../../scripts/lib/stack.ts';
import { operation } from '../lib/operations.ts';
import { cpuSnapshot } from './lib/cpu-usage.ts';
import { graphqlOk, httpLoad } from './lib/http-load.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '100' },
    // How long the stub takes to answer, so requests wait in the gateway as they do behind a busy orders.
    'stub-delay-ms': { type: 'string', default: '0' },
    'cpu-prof': { type: 'string' },
  },
});
const N = Number(values.requests);
const CONNECTIONS = Number(values.connections);
const GATEWAY_PORT = 4210;
const STUB_DELAY_MS = Number(values['stub-delay-ms']);

const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM);
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: TOKEN_ALGORITHM, use: 'sig' }] };
const sign = (sub: string) =>
  new SignJWT({ roles: ['CUSTOMER'] })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'bench', typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('1h')
    .setJti(randomUUID())
    .sign(privateKey);

// The stub: every subgraph and the JWKS. placeOrder answers OUT_OF_STOCK, the drop's commonest answer, except for
// ADMITTED_PRODUCT: then the order, as orders answers an admitted one.
const refusal = JSON.stringify({
  data: { placeOrder: { order: null, userErrors: [{ code: 'OUT_OF_STOCK', field: ['input', 'items', '0', 'quantity'], message: 'Not enough stock is left for this quantity.' }] } },
});
const ADMITTED_PRODUCT = randomUUID();
const money = (amount: string) => ({ amount, currencyCode: 'USD' });
const admitted = JSON.stringify({
  data: {
    placeOrder: {
      order: {
        id: randomUUID(),
        status: 'PENDING',
        total: money('120.00'),
        items: [{ quantity: 1, product: { __typename: 'Product', id: ADMITTED_PRODUCT, name: 'The drop' }, unitPrice: money('120.00'), lineTotal: money('120.00') }],
      },
      userErrors: [],
    },
  },
});
const stub = createServer((req, res) => {
  if (req.url === '/.well-known/jwks.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  if (req.url?.startsWith('/health')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  let request = '';
  req.setEncoding('utf8').on('data', (chunk: string) => (request += chunk));
  const answer = () => {
    const text = request.includes(ADMITTED_PRODUCT) ? admitted : refusal;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };
  req.on('end', () => (STUB_DELAY_MS > 0 ? setTimeout(answer, STUB_DELAY_MS) : answer()));
});
await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;

const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  GATEWAY_PORT: String(GATEWAY_PORT),
  REDIS_PREFIX: `lc:bench-gw:${randomUUID().slice(0, 8)}:`,
  JWKS_URL: `${stubUrl}/.well-known/jwks.json`,
  ...Object.fromEntries(['USERS', 'PRODUCTS', 'INVENTORY', 'ORDERS', 'PAYMENTS'].map((s) => [`${s}_URL`, `${stubUrl}/graphql`])),
  ...(values['cpu-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}` } : {}),
};
const gateway = spawn(`${REPO_ROOT}node_modules/.bin/node`, [`${REPO_ROOT}gateway/src/main.ts`], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const url = `http://127.0.0.1:${GATEWAY_PORT}/graphql`;
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${GATEWAY_PORT}/health/live`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300) throw new Error('the gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const PLACE_ORDER = operation('PlaceOrder');
  const placeBody = () => JSON.stringify({ query: PLACE_ORDER, variables: { input: { items: [{ productId: randomUUID(), quantity: 1 }], idempotencyKey: randomUUID() } } });
  const warmTokens = await Promise.all(Array.from({ length: 200 }, () => sign(randomUUID())));
  const coldTokens = await Promise.all(Array.from({ length: N }, () => sign(randomUUID())));
  const refused = (_i: number, _s: number, text: string) => (text.includes('OUT_OF_STOCK') ? null : text.slice(0, 120));

  const measure = async (label: string, body: (i: number) => string, token: (i: number) => string, check = graphqlOk) => {
    const before = cpuSnapshot({ gateway: gateway.pid });
    const run = await httpLoad({ url, connections: CONNECTIONS, amount: N, body, headers: (i) => ({ authorization: `Bearer ${token(i)}` }), check });
    const cpu = (cpuSnapshot({ gateway: gateway.pid }).get('gateway') ?? 0) - (before.get('gateway') ?? 0);
    if (run.errors) throw new Error(`${label}: ${run.errors} errors ${JSON.stringify(run.errorReasons)}`);
    const rps = (N / run.durationMs) * 1000;
    console.log(`${label.padEnd(44)} ${Math.round(rps).toString().padStart(6)}/s   gateway CPU ${((cpu / N) * 1e6).toFixed(0).padStart(5)} µs per request`);
  };
  // Warm-up: JIT, query plans, pooled sockets.
  await httpLoad({ url, connections: CONNECTIONS, amount: 3000, body: placeBody, headers: (i) => ({ authorization: `Bearer ${warmTokens[i % 200]}` }), check: refused });
  console.log(`gateway over a stub subgraph (answering after ${STUB_DELAY_MS} ms), ${N} requests per row, ${CONNECTIONS} in flight`);
  await measure('{ __typename }', () => '{"query":"{ __typename }"}', (i) => warmTokens[i % 200]!);
  await measure('placeOrder, tokens seen before', placeBody, (i) => warmTokens[i % 200]!, refused);
  await measure('placeOrder, a new token each (the drop)', placeBody, (i) => coldTokens[i]!, refused);
  const admitBody = () => JSON.stringify({ query: PLACE_ORDER, variables: { input: { items: [{ productId: ADMITTED_PRODUCT, quantity: 1 }], idempotencyKey: randomUUID() } } });
  const answered = (_i: number, _s: number, text: string) => (text.includes('"PENDING"') ? null : text.slice(0, 120));
  await measure('placeOrder admitted, tokens seen before', admitBody, (i) => warmTokens[i % 200]!, answered);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))?.[1];
  console.log(`gateway resident memory after the runs: ${(Number(rss) / 1024).toFixed(0)} MB`);
  if (process.env.HEAP_SNAPSHOT) {
    gateway.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 15_000));
  }
} finally {
  gateway.kill('SIGTERM');
  await new Promise((r) => gateway.once('exit', r));
  stub.close();
  stub.closeAllConnections();
}
