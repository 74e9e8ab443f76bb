import { describe, expect, it } from 'vitest';
import { ConfigError, databaseName, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.ports).toEqual({ gateway: 4000, users: 4001, products: 4002, inventory: 4003, orders: 4004, payments: 4005 });
    expect(config.paymentWindowSeconds).toBe(600);
    expect(config.cartTtlSeconds).toBe(3600);
    expect(config.paymentProviderDelayMs).toBe(1000);
    expect(config.storeCurrency).toBe('USD');
    expect(config.admin).toBeNull();
    expect(config.subgraphUrls.orders).toBe('http://127.0.0.1:4004/graphql');
    expect(config.jwksUrl).toBe('http://127.0.0.1:4001/.well-known/jwks.json');
    expect(databaseName(config, 'users')).toBe('limitedcart_users');
  });

  it('reads values and splits broker lists', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093', USERS_PORT: '5001', ADMIN_EMAIL: ' Boss@Example.COM', ADMIN_PASSWORD: 'long enough' });
    expect(config.kafkaBrokers).toEqual(['a:9092', 'b:9093']);
    expect(config.ports.users).toBe(5001);
    expect(config.jwksUrl).toBe('http://127.0.0.1:5001/.well-known/jwks.json');
    expect(config.admin?.email).toBe('boss@example.com');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it.each([
    ['PAYMENT_WINDOW_SECONDS', 'soon'],
    ['GATEWAY_PORT', '70000'],
    ['USERS_PORT', '-1'],
    ['DATABASE_URL', 'mysql://x'],
    ['KAFKA_BROKERS', 'no-port'],
    ['STORE_CURRENCY', 'dollars'],
    ['NODE_ENV', 'staging'],
  ])('names the bad variable %s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'short';
    try {
      loadConfig({ PAYMENT_WEBHOOK_SECRET: secret, ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'pw' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('PAYMENT_WEBHOOK_SECRET');
      expect((error as Error).message).not.toContain(`"${secret}"`);
      expect((error as Error).message).not.toMatch(/\bpw\b/);
    }
  });

  it('requires the admin account, a real webhook secret and a real internal auth secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_EMAIL/);
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: '12345678' })).toThrow(/PAYMENT_WEBHOOK_SECRET/);
    const admin = { NODE_ENV: 'production', ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: '12345678', PAYMENT_WEBHOOK_SECRET: 'a-real-secret-of-length' };
    expect(() => loadConfig(admin)).toThrow(/INTERNAL_AUTH_SECRET/);
    const config = loadConfig({ ...admin, INTERNAL_AUTH_SECRET: 'another-real-secret' });
    expect(config.production).toBe(true);
  });

  it('wants ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.co' })).toThrow(/together/);
  });
});
