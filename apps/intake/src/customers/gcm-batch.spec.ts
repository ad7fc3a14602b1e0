import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { GcmBatchEncryptor } from './gcm-batch';

/** IV, tag and ciphertext of each value as the batch encryptor laid them out. */
function batchParts(key: Buffer, values: string[], ivs: Buffer, aads?: string[]): Buffer[] {
  const { bytes, starts, ends } = new GcmBatchEncryptor(key).encrypt(values, ivs, aads);
  return values.map((_, i) => bytes.subarray(starts[i], ends[i]));
}

function nodeParts(key: Buffer, value: string, iv: Buffer, aad?: string): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/** A random string of `length` UTF-16 units: ASCII, Chinese, emoji (surrogate pairs), NUL and controls. */
function randomText(length: number): string {
  const pieces = ['a', 'Z', '9', '@', '.', '\u0000', '\n', '王', '伟', '€', '😀', 'é'];
  let text = '';
  while (text.length < length) text += pieces[randomInt(pieces.length)];
  return text;
}

describe('GcmBatchEncryptor (decision 0016)', () => {
  it('gives the NIST SP 800-38D test vectors 13 and 14 (AES-256, zero key and IV)', () => {
    const key = Buffer.alloc(32);
    const [empty, zeros] = batchParts(key, ['', '\u0000'.repeat(16)], Buffer.alloc(24));
    expect(empty.subarray(12).toString('hex')).toBe('530f8afbc74536b9a963b4f1c4cb738b');
    expect(zeros.subarray(12, 28).toString('hex')).toBe('d0d1c8a799996bf0265b98b5d48ab919');
    expect(zeros.subarray(28).toString('hex')).toBe('cea7403d4d606b6e074ec5d3baf39d18');
  });

  it("is byte for byte Node's aes-256-gcm on 5,000 random values of 0 to 200 characters", () => {
    const key = randomBytes(32);
    const values = Array.from({ length: 5000 }, (_, i) => randomText(i < 201 ? i : randomInt(201)));
    const ivs = randomBytes(12 * values.length);
    const parts = batchParts(key, values, ivs);
    const differing = values.filter(
      (value, i) => !parts[i].equals(nodeParts(key, value, ivs.subarray(12 * i, 12 * i + 12))),
    );
    expect(differing).toEqual([]);
  });

  it("is byte for byte Node's aes-256-gcm with associated data of 0 to 100 characters", () => {
    const key = randomBytes(32);
    const values = Array.from({ length: 2000 }, () => randomText(randomInt(120)));
    const aads = values.map((_, i) => randomText(i % 101));
    const ivs = randomBytes(12 * values.length);
    const parts = batchParts(key, values, ivs, aads);
    const differing = values.filter(
      (value, i) => !parts[i].equals(nodeParts(key, value, ivs.subarray(12 * i, 12 * i + 12), aads[i])),
    );
    expect(differing).toEqual([]);
  });

  it('refuses a key that is not 32 bytes and IVs that do not match the values', () => {
    expect(() => new GcmBatchEncryptor(randomBytes(16))).toThrow('32-byte key');
    expect(() => new GcmBatchEncryptor(randomBytes(32)).encrypt(['a', 'b'], randomBytes(12))).toThrow(
      'one 12-byte IV per value',
    );
  });
});
