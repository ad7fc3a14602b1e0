import { createCipheriv, createDecipheriv, createHash, hash, randomFillSync } from 'node:crypto';
import { DEV_PII_HMAC_KEY, DEV_PII_KEYS, type IntakeEnv } from '../intake.env';
import { GcmBatchEncryptor } from './gcm-batch';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's random source at a time (4,096). */
const IV_POOL_BYTES = IV_BYTES * 4096;
const SHA256_BLOCK = 64;

/**
 * X1: contacts are stored encrypted (AES-256-GCM, the key id kept with each value so keys can rotate) and
 * found through a keyed hash (HMAC-SHA256), never by their plaintext.
 * Stored form: `<keyId>:<iv b64>:<tag b64>:<ciphertext b64>`.
 */
export class PiiCipher {
  private readonly keys = new Map<string, Buffer>();
  /**
   * Random IVs drawn from a pool refilled 4,096 at a time: `randomBytes(12)` per value cost more than the
   * encryption itself (~6 µs), which mattered for bulk imports. Each IV is still 96 fresh random bits.
   */
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;
  /** The active key's batch encryptor (its GHASH tables), made on the first batch. */
  private batch: GcmBatchEncryptor | null = null;

  /**
   * HMAC-SHA256 (RFC 2104) as two one-shot SHA-256 digests over the key XOR ipad / opad blocks, computed
   * once (decision 0016): `createHmac` costs a key object and four native calls per value, and a bulk
   * import hashes three values per customer. `inner` is ipad-key followed by room for the message; `outer`
   * is opad-key followed by the inner digest. pii-cipher.spec.ts compares with `createHmac`.
   */
  private inner: Buffer;
  private readonly outer: Buffer;

  constructor(
    keySpec: string,
    private readonly activeKeyId: string,
    hmacKey: Buffer,
  ) {
    const key = Buffer.alloc(SHA256_BLOCK);
    (hmacKey.length > SHA256_BLOCK ? createHash('sha256').update(hmacKey).digest() : hmacKey).copy(key);
    this.inner = Buffer.alloc(SHA256_BLOCK + 256);
    this.outer = Buffer.alloc(SHA256_BLOCK + 32);
    for (let i = 0; i < SHA256_BLOCK; i++) {
      this.inner[i] = key[i] ^ 0x36;
      this.outer[i] = key[i] ^ 0x5c;
    }
    for (const pair of keySpec.split(',')) {
      const [id, b64] = pair.split(':');
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`PII key ${id} must be 32 bytes (base64 of 32 random bytes)`);
      this.keys.set(id, key);
    }
    if (!this.keys.has(activeKeyId)) throw new Error(`PII_ACTIVE_KEY ${activeKeyId} is not among PII_KEYS`);
  }

  /** The key id new values are encrypted with (PII_ACTIVE_KEY). */
  get activeKey(): string {
    return this.activeKeyId;
  }

  /** The key id a stored value was encrypted with. */
  static keyIdOf(stored: string): string {
    return stored.slice(0, stored.indexOf(':'));
  }

  encrypt(plaintext: string): string {
    return this.encryptMany([plaintext])[0];
  }

  /**
   * `encrypt` of many values at once (decision 0016): one native AES call for the whole batch (imports,
   * `pii:rotate`) instead of a cipher object per value. Each value gets its own random IV.
   */
  encryptMany(plaintexts: readonly string[]): string[] {
    if (plaintexts.length === 0) return [];
    this.batch ??= new GcmBatchEncryptor(this.keys.get(this.activeKeyId)!);
    const { bytes, starts, ends } = this.batch.encrypt(plaintexts, this.nextIvs(plaintexts.length));
    const stored = new Array<string>(plaintexts.length);
    for (let i = 0; i < plaintexts.length; i++) {
      const at = starts[i];
      stored[i] =
        `${this.activeKeyId}:${bytes.toString('base64', at, at + IV_BYTES)}:` +
        `${bytes.toString('base64', at + IV_BYTES, at + IV_BYTES + TAG_BYTES)}:` +
        bytes.toString('base64', at + IV_BYTES + TAG_BYTES, ends[i]);
    }
    return stored;
  }

  decrypt(stored: string): string {
    const [keyId, iv, tag, ciphertext] = stored.split(':');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`PII key ${keyId} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }

  /** `count` fresh IVs, back to back: from the pool, or drawn at once for a batch larger than it. */
  private nextIvs(count: number): Buffer {
    const bytes = count * IV_BYTES;
    if (bytes > IV_POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(bytes));
    if (this.ivOffset + bytes > this.ivPool.length) {
      this.ivPool = randomFillSync(Buffer.allocUnsafe(IV_POOL_BYTES));
      this.ivOffset = 0;
    }
    const ivs = this.ivPool.subarray(this.ivOffset, this.ivOffset + bytes);
    this.ivOffset += bytes;
    return ivs;
  }

  /** Binary form for files (import uploads): `<keyId length><keyId><iv><tag><ciphertext>`. */
  encryptBytes(plain: Buffer): Buffer {
    const iv = this.nextIvs(1);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv);
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    const keyId = Buffer.from(this.activeKeyId, 'utf8');
    return Buffer.concat([Buffer.from([keyId.length]), keyId, iv, cipher.getAuthTag(), ciphertext]);
  }

  decryptBytes(stored: Buffer): Buffer {
    const keyIdEnd = 1 + stored[0];
    const keyId = stored.subarray(1, keyIdEnd).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`PII key ${keyId} is not configured`);
    const iv = stored.subarray(keyIdEnd, keyIdEnd + IV_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(stored.subarray(keyIdEnd + IV_BYTES, keyIdEnd + IV_BYTES + 16));
    return Buffer.concat([decipher.update(stored.subarray(keyIdEnd + IV_BYTES + 16)), decipher.final()]);
  }

  /** Keyed hash of a normalised value, scoped by kind so a phone and an e-mail never collide. */
  lookupHash(kind: string, normalised: string): string {
    const message = `${kind}\u0000${normalised}`;
    if (SHA256_BLOCK + message.length * 3 > this.inner.length) {
      const larger = Buffer.alloc(SHA256_BLOCK + message.length * 3); // UTF-8: at most 3 bytes per unit
      this.inner.copy(larger, 0, 0, SHA256_BLOCK);
      this.inner = larger;
    }
    const length = this.inner.write(message, SHA256_BLOCK, 'utf8');
    hash('sha256', this.inner.subarray(0, SHA256_BLOCK + length), 'buffer').copy(this.outer, SHA256_BLOCK);
    return hash('sha256', this.outer, 'hex');
  }
}

/** The cipher configured by PII_KEYS / PII_ACTIVE_KEY / PII_HMAC_KEY; the dev keys are refused in production. */
export function piiCipherFromEnv(env: IntakeEnv): PiiCipher {
  if (
    env.NODE_ENV === 'production' &&
    (env.PII_KEYS === DEV_PII_KEYS || env.PII_HMAC_KEY === DEV_PII_HMAC_KEY)
  ) {
    throw new Error('PII_KEYS and PII_HMAC_KEY must be set in production (the defaults are for development)');
  }
  return new PiiCipher(env.PII_KEYS, env.PII_ACTIVE_KEY, Buffer.from(env.PII_HMAC_KEY, 'base64'));
}
