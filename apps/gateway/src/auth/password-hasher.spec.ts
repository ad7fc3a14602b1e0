import { scryptSync } from 'node:crypto';
import { DUMMY_HASH, hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from './password-hasher';

/** A hash in the stored format with the given parameters (how older gateways stored them). */
function legacyHash(password: string, N: number, r: number, p: number, keyLength = 64): string {
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync(password, salt, keyLength, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

describe('password hashing', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$3\$/);
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', stored)).resolves.toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('hashes with one of the settings OWASP lists as equal to N=2^17, r=8, p=1', () => {
    const owasp = [
      { N: 2 ** 17, r: 8, p: 1 },
      { N: 2 ** 16, r: 8, p: 2 },
      { N: 2 ** 15, r: 8, p: 3 },
      { N: 2 ** 14, r: 8, p: 5 },
      { N: 2 ** 13, r: 8, p: 10 },
    ];
    expect(owasp).toContainEqual(SCRYPT_PARAMS);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('never accepts anything against the dummy hash', async () => {
    await expect(verifyPassword('', DUMMY_HASH)).resolves.toBe(false);
  });

  it('still verifies a hash of the old parameters (N=2^14, p=1) and asks for a rehash', async () => {
    const old = legacyHash('old password 1', 2 ** 14, 8, 1);
    await expect(verifyPassword('old password 1', old)).resolves.toBe(true);
    await expect(verifyPassword('old password 2', old)).resolves.toBe(false);
    expect(needsRehash(old)).toBe(true);
  });

  it('refuses stored values outside the allowed parameters, whatever the password', async () => {
    const good = legacyHash('pw', 2 ** 14, 8, 1);
    const [scheme, n, r, p, salt, key] = good.split('$');
    const refused = [
      // An empty key part: the derived key of length 0 equals the stored one for every password.
      [scheme, n, r, p, salt, ''].join('$'),
      [scheme, n, r, p, '', key].join('$'),
      [scheme, n, r, p, salt, Buffer.alloc(8).toString('base64')].join('$'), // key too short
      legacyHash('pw', 2 ** 10, 8, 1), // N too small
      legacyHash('pw', 2 ** 14, 1, 1), // r too small
      [scheme, '16383', r, p, salt, key].join('$'), // N not a power of two
      [scheme, String(2 ** 22), r, p, salt, key].join('$'), // N too large (memory)
      [scheme, n, r, '0', salt, key].join('$'),
      [scheme, n, r, '99', salt, key].join('$'),
      [scheme, 'x', r, p, salt, key].join('$'),
      [scheme, n, r, p, salt, `${key}$extra`].join('$'),
      ['bcrypt', n, r, p, salt, key].join('$'),
      '',
    ];
    for (const stored of refused) {
      await expect(verifyPassword('pw', stored)).resolves.toBe(false);
      await expect(verifyPassword('', stored)).resolves.toBe(false);
    }
    await expect(verifyPassword('pw', good)).resolves.toBe(true);
  });
});
