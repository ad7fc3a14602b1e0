import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { PiiCipher } from './pii-cipher';

const KEY_SPEC = `k1:${randomBytes(32).toString('base64')}`;

describe('PiiCipher.encryptMany (X1)', () => {
  const cipher = new PiiCipher(KEY_SPEC, 'k1', randomBytes(32));

  it('stores values that decrypt to the plaintexts, each with the key id and its own IV', () => {
    const values = ['+8613800138000', 'z.li@example.com', '王小明', '', '😀'.repeat(40)];
    const stored = cipher.encryptMany(values);
    expect(stored.map((s) => cipher.decrypt(s))).toEqual(values);
    expect(stored.every((s) => PiiCipher.keyIdOf(s) === 'k1')).toBe(true);
    expect(new Set(stored.map((s) => s.split(':')[1])).size).toBe(values.length);
    expect(cipher.encryptMany([])).toEqual([]);
  });

  it('gives a value that fails to decrypt when its ciphertext or tag is altered', () => {
    const [stored] = cipher.encryptMany(['+8613800138000']);
    const [keyId, iv, tag, body] = stored.split(':');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] ^= 1;
      return bytes.toString('base64');
    };
    expect(() => cipher.decrypt([keyId, iv, tag, flip(body)].join(':'))).toThrow();
    expect(() => cipher.decrypt([keyId, iv, flip(tag), body].join(':'))).toThrow();
  });
});

describe('PiiCipher.lookupHash (X1)', () => {
  it('is HMAC-SHA256 of kind, NUL and value, as createHmac computes it, for keys of any length', () => {
    for (const keyLength of [24, 32, 64, 65, 100]) {
      const key = randomBytes(keyLength);
      const cipher = new PiiCipher(KEY_SPEC, 'k1', key);
      const values = ['', '+8613800138000', 'z.li@example.com', '王小明', '😀'.repeat(randomInt(1, 200))];
      for (const value of values) {
        expect(cipher.lookupHash('phone', value)).toBe(
          createHmac('sha256', key).update(`phone\u0000${value}`).digest('hex'),
        );
      }
    }
  });
});
