import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdmissionKeys } from '../admission-keys.ts';
import { ADMISSION_SCRIPTS, ADMISSION_SCRIPTS_VERSION } from '../admission-scripts.ts';

// The scripts' hash for each key-layout version. Changed a script? Bump ADMISSION_SCRIPTS_VERSION (its keys
// move to a new prefix, rebuilt from PostgreSQL at start) and add the new hash here; never edit an old entry.
const PINNED: Record<string, string> = {
  v1: '50a582a2d00323916cbd89d63645f6674f10e633',
  v2: 'c46a6226bc7c9eae48ca4df5fea0fc018fa45dfc',
};

describe('admission scripts version', () => {
  it('matches the pinned hash of the scripts', () => {
    const hash = createHash('sha1').update(ADMISSION_SCRIPTS.join('\n--\n')).digest('hex');
    expect(PINNED[ADMISSION_SCRIPTS_VERSION]).toBe(hash);
  });

  it('puts the version into every key', () => {
    const keys = new AdmissionKeys('lc:');
    for (const key of [keys.stock('p'), keys.pending('p'), keys.taken('p', 'c'), keys.order('o'), keys.settles(), keys.ready()]) {
      expect(key.startsWith(`lc:gate:${ADMISSION_SCRIPTS_VERSION}:`)).toBe(true);
    }
  });
});
