import { describe, expect, it } from 'vitest';
import { charLength, isUuid, isValidEmail, normalizeEmail, validateRegisterInput } from './account-input.ts';

const good = { email: '  Ann.Lee+shop@Example.COM ', password: 'correct horse', name: '  Ann Lee ' };

describe('register input', () => {
  it('normalizes email (trim, lower-case) and name (trim), keeps the password as typed', () => {
    const result = validateRegisterInput(good);
    expect(result).toEqual({ ok: true, value: { email: 'ann.lee+shop@example.com', password: 'correct horse', name: 'Ann Lee' } });
  });

  it.each([
    ['no at sign', 'ann.example.com'],
    ['no domain dot', 'ann@example'],
    ['empty local part', '@example.com'],
    ['double dot', 'ann..lee@example.com'],
    ['space inside', 'ann lee@example.com'],
    ['two at signs', 'a@b@example.com'],
    ['numeric TLD', 'ann@example.123'],
    ['too long', `${'a'.repeat(64)}@${'b'.repeat(190)}.com`],
    ['empty', '   '],
  ])('rejects an email with %s as INVALID_INPUT on input.email', (_label, email) => {
    const result = validateRegisterInput({ ...good, email });
    expect(result).toEqual({
      ok: false,
      errors: [{ code: 'INVALID_INPUT', field: ['input', 'email'], message: expect.any(String) }],
    });
  });

  it('accepts password lengths 8 and 256 and rejects 7 and 257 (in characters, not UTF-16 units)', () => {
    const ok = (password: string) => validateRegisterInput({ ...good, password }).ok;
    expect(ok('x'.repeat(8))).toBe(true);
    expect(ok('x'.repeat(256))).toBe(true);
    expect(ok('x'.repeat(7))).toBe(false);
    expect(ok('x'.repeat(257))).toBe(false);
    // 8 emoji are 16 UTF-16 units but 8 characters.
    expect(ok('😀'.repeat(8))).toBe(true);
    expect(ok('😀'.repeat(257))).toBe(false);
    const result = validateRegisterInput({ ...good, password: 'short' });
    expect(!result.ok && result.errors.map((e) => e.field)).toEqual([['input', 'password']]);
  });

  it('requires a name of 1..100 characters after trimming', () => {
    expect(validateRegisterInput({ ...good, name: '   ' }).ok).toBe(false);
    expect(validateRegisterInput({ ...good, name: 'n'.repeat(100) }).ok).toBe(true);
    expect(validateRegisterInput({ ...good, name: ` ${'n'.repeat(101)} ` }).ok).toBe(false);
  });

  it('reports every bad field at once', () => {
    const result = validateRegisterInput({ email: 'nope', password: '1', name: '' });
    expect(!result.ok && result.errors.map((e) => e.field?.join('.'))).toEqual(['input.email', 'input.password', 'input.name']);
  });

  it('never echoes the password in a message', () => {
    const result = validateRegisterInput({ ...good, password: 'sekret' });
    expect(JSON.stringify(result)).not.toContain('sekret');
  });
});

describe('helpers', () => {
  it('normalizeEmail trims and lower-cases', () => {
    expect(normalizeEmail(' A@B.Co ')).toBe('a@b.co');
  });
  it('isValidEmail accepts ordinary addresses', () => {
    expect(isValidEmail('first.last@sub.example.co.uk')).toBe(true);
    expect(isValidEmail("o'neil_x-y@example.org")).toBe(true);
  });
  it('charLength counts code points', () => {
    expect(charLength('a😀b')).toBe(3);
  });
  it('isUuid', () => {
    expect(isUuid('3f2b8f52-0a43-4d4e-9a55-2b1c1d7e9f00')).toBe(true);
    expect(isUuid('3f2b8f52-0a43-4d4e-9a55-2b1c1d7e9f0')).toBe(false);
    expect(isUuid("1' or '1'='1")).toBe(false);
  });
});
