import { createCipheriv, createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { GcmBatchEncryptor } from './gcm-batch';
import { PiiCipher, PiiDecryptError, type PiiPlace } from './pii-cipher';

const KEY_SPEC = `k1:${randomBytes(32).toString('base64')}`;

const contactOf = (rowId: string): PiiPlace => ({ column: 'customer_contacts.value_enc', rowId });

/** The stored form's fields with one of them replaced by `change` (base64 in, base64 out). */
function alter(stored: string, field: 1 | 2 | 3, change: (bytes: Buffer) => Buffer): string {
  const parts = stored.split(':');
  parts[field] = change(Buffer.from(parts[field], 'base64')).toString('base64');
  return parts.join(':');
}

describe('PiiCipher (X1, decision 0017)', () => {
  const cipher = new PiiCipher(KEY_SPEC, 'k1', randomBytes(32));
  const worker = new PiiCipher(KEY_SPEC, 'k1', randomBytes(32), { batch: true });
  const values = ['+8613800138000', 'z.li@example.com', '王小明', '', '😀'.repeat(40)];
  const items = values.map((value) => ({ value, place: contactOf(randomUUID()) }));

  it('stores values that decrypt at their place, each bound, with the key id and its own IV', () => {
    for (const encrypting of [cipher, worker]) {
      const stored = encrypting.encryptMany(items);
      expect(stored.map((s, i) => cipher.decrypt(s, items[i].place))).toEqual(values);
      expect(stored.every((s) => PiiCipher.keyIdOf(s) === 'k1' && PiiCipher.isBound(s))).toBe(true);
      expect(new Set(stored.map((s) => s.split(':')[1])).size).toBe(values.length);
      expect(encrypting.encryptMany([])).toEqual([]);
    }
    expect(worker.usesBatchEncryptor).toBe(true);
    expect(cipher.usesBatchEncryptor).toBe(false);
  });

  it('encrypts single values through node:crypto, batches in workers through the self-tested encryptor', () => {
    const spy = jest.spyOn(GcmBatchEncryptor.prototype, 'encrypt');
    try {
      cipher.encrypt('+8613800138000', contactOf(randomUUID()));
      cipher.encryptMany(items);
      expect(spy).not.toHaveBeenCalled();
      worker.encryptMany(items);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('falls back to node:crypto when the batch encryptor differs from OpenSSL at start', () => {
    const reasons: string[] = [];
    const broken = jest.spyOn(GcmBatchEncryptor.prototype, 'encrypt').mockImplementation(function (
      this: GcmBatchEncryptor,
      plaintexts,
      ivs,
      aads,
    ) {
      broken.mockRestore();
      const out = GcmBatchEncryptor.prototype.encrypt.call(this, plaintexts, ivs, aads);
      out.bytes[out.starts[7] + 12] ^= 1; // one tag bit of one value
      return out;
    });
    const fallback = new PiiCipher(KEY_SPEC, 'k1', randomBytes(32), {
      batch: true,
      onSelfTestFailure: (reason) => reasons.push(reason),
    });
    expect(reasons).toEqual([expect.stringContaining('differs from OpenSSL')]);
    expect(fallback.usesBatchEncryptor).toBe(false);
    const [stored] = fallback.encryptMany([items[0]]);
    expect(cipher.decrypt(stored, items[0].place)).toBe(values[0]);
  });

  it('refuses an altered ciphertext or tag, a truncated tag, and an IV of another length', () => {
    const place = contactOf(randomUUID());
    const stored = cipher.encrypt('+8613800138000', place);
    const flip = (bytes: Buffer) => {
      bytes[0] ^= 1;
      return bytes;
    };
    expect(() => cipher.decrypt(alter(stored, 3, flip), place)).toThrow(PiiDecryptError);
    expect(() => cipher.decrypt(alter(stored, 2, flip), place)).toThrow(PiiDecryptError);
    for (const length of [4, 8, 12, 15]) {
      expect(() =>
        cipher.decrypt(
          alter(stored, 2, (tag) => tag.subarray(0, length)),
          place,
        ),
      ).toThrow('IV or tag length');
    }
    expect(() =>
      cipher.decrypt(
        alter(stored, 1, (iv) => Buffer.concat([iv, iv])),
        place,
      ),
    ).toThrow('IV or tag length');
  });

  it('refuses a ciphertext read from another row or column, with an error that holds no value', () => {
    const id = randomUUID();
    const stored = cipher.encrypt('王小明', { column: 'customers.name_enc', rowId: id });
    for (const place of [
      { column: 'customers.name_enc', rowId: randomUUID() },
      { column: 'customers.id_number_enc', rowId: id },
      { column: 'customer_contacts.value_enc', rowId: id },
    ] as const) {
      let error: unknown;
      try {
        cipher.decrypt(stored, place);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(PiiDecryptError);
      expect((error as Error).message).not.toMatch(/王小明/);
      expect((error as Error).message).not.toContain(stored.split(':')[3]);
    }
    // Stripping the marker to pass it off as an old unbound value does not help: the tag covers the place.
    expect(() =>
      cipher.decrypt(stored.replace('k1+2:', 'k1:'), { column: 'customers.name_enc', rowId: id }),
    ).toThrow(PiiDecryptError);
  });

  it('still reads values stored before the binding (no associated data), wherever they are', () => {
    const key = Buffer.from(KEY_SPEC.split(':')[1], 'base64');
    const iv = randomBytes(12);
    const old = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([old.update('+8613800138000', 'utf8'), old.final()]);
    const stored = ['k1', iv, old.getAuthTag(), body].map((p) => p.toString('base64')).join(':');
    expect(PiiCipher.isBound(stored)).toBe(false);
    expect(cipher.decrypt(stored, contactOf(randomUUID()))).toBe('+8613800138000');
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
