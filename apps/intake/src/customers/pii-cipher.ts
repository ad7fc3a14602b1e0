import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  randomBytes,
  randomFillSync,
  randomInt,
} from 'node:crypto';
import { DEV_PII_HMAC_KEY, DEV_PII_KEYS, type IntakeEnv } from '../intake.env';
import { GcmBatchEncryptor } from './gcm-batch';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's random source at a time (4,096). */
const IV_POOL_BYTES = IV_BYTES * 4096;
const SHA256_BLOCK = 64;
/**
 * Marks the stored form bound to its row and column (decision 0017): `<keyId>+2:...`. Key ids are
 * `[A-Za-z0-9_-]+` (intake.env), so the marker cannot be part of one. Values without it were written before
 * the binding and carry no associated data; `pii:rotate` rewrites them.
 */
const BOUND_MARKER = '+2';

/** The encrypted columns. A ciphertext is bound to one of them and to its row's id. */
export type PiiColumn = 'customers.name_enc' | 'customers.id_number_enc' | 'customer_contacts.value_enc';

/** Where a ciphertext lives: its column and the id of its row (customers.id, customer_contacts.id). */
export interface PiiPlace {
  column: PiiColumn;
  rowId: string;
}

/** A stored value that is malformed or does not authenticate for its place. Never carries the value. */
export class PiiDecryptError extends Error {
  override readonly name = 'PiiDecryptError';
}

/** The associated data of a place: `intake.<table>.<column>:<row id>`. */
function associatedData(place: PiiPlace): string {
  return `intake.${place.column}:${place.rowId}`;
}

/**
 * X1: contacts are stored encrypted (AES-256-GCM, the key id kept with each value so keys can rotate) and
 * found through a keyed hash (HMAC-SHA256), never by their plaintext.
 * Stored form: `<keyId>+2:<iv b64>:<tag b64>:<ciphertext b64>`, encrypted with the value's place
 * (`associatedData`) as GCM associated data, so a ciphertext copied to another row or column does not
 * decrypt (decision 0017). The older form `<keyId>:<iv>:<tag>:<ciphertext>` (no associated data) is still
 * read. Every single value goes through `node:crypto`; the batch encryptor (gcm-batch.ts) only where the
 * constructor was asked for it (the import worker threads) and only after it passed its self-test.
 */
export class PiiCipher {
  private readonly keys = new Map<string, Buffer>();
  /**
   * Random IVs drawn from a pool refilled 4,096 at a time: `randomBytes(12)` per value cost more than the
   * encryption itself (~6 µs), which mattered for bulk imports. Each IV is still 96 fresh random bits.
   */
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;
  /** The active key's batch encryptor: import workers only, and only once it matched OpenSSL. */
  private readonly batch: GcmBatchEncryptor | null = null;

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
    options: { batch?: boolean; onSelfTestFailure?: (reason: string) => void } = {},
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
    if (options.batch) {
      const batch = new GcmBatchEncryptor(this.keys.get(activeKeyId)!);
      const failure = batchSelfTest(batch, this.keys.get(activeKeyId)!);
      // On a difference the batch path is not used: node:crypto is the reference and stays correct, so
      // imports go on (slower) rather than stop; the failure is reported for someone to look at.
      if (failure === null) this.batch = batch;
      else options.onSelfTestFailure?.(failure);
    }
  }

  /** The key id new values are encrypted with (PII_ACTIVE_KEY). */
  get activeKey(): string {
    return this.activeKeyId;
  }

  /** Whether this cipher encrypts batches with the batch encryptor (import workers, self-test passed). */
  get usesBatchEncryptor(): boolean {
    return this.batch !== null;
  }

  /** The first field of values in the current form under the active key: what `pii:rotate` leaves alone. */
  get currentPrefix(): string {
    return `${this.activeKeyId}${BOUND_MARKER}`;
  }

  /** The key id a stored value was encrypted with. */
  static keyIdOf(stored: string): string {
    const field = stored.slice(0, stored.indexOf(':'));
    return field.endsWith(BOUND_MARKER) ? field.slice(0, -BOUND_MARKER.length) : field;
  }

  /** Whether a stored value is in the bound form (decision 0017). */
  static isBound(stored: string): boolean {
    return stored.slice(0, stored.indexOf(':')).endsWith(BOUND_MARKER);
  }

  /** One value, through node:crypto, bound to its place. */
  encrypt(plaintext: string, place: PiiPlace): string {
    const iv = this.nextIvs(1);
    const { tag, ciphertext } = gcmSeal(
      this.keys.get(this.activeKeyId)!,
      iv,
      plaintext,
      associatedData(place),
    );
    return `${this.currentPrefix}:${iv.toString('base64')}:${tag.toString('base64')}:${ciphertext.toString('base64')}`;
  }

  /**
   * `encrypt` of many values. In the import workers (self-test passed) one native AES call for the whole
   * batch (decision 0016); elsewhere, value by value through node:crypto. Each value gets its own random IV.
   */
  encryptMany(values: readonly { value: string; place: PiiPlace }[]): string[] {
    if (values.length === 0) return [];
    if (!this.batch) return values.map((v) => this.encrypt(v.value, v.place));
    const { bytes, starts, ends } = this.batch.encrypt(
      values.map((v) => v.value),
      this.nextIvs(values.length),
      values.map((v) => associatedData(v.place)),
    );
    const stored = new Array<string>(values.length);
    for (let i = 0; i < values.length; i++) {
      const at = starts[i];
      stored[i] =
        `${this.currentPrefix}:${bytes.toString('base64', at, at + IV_BYTES)}:` +
        `${bytes.toString('base64', at + IV_BYTES, at + IV_BYTES + TAG_BYTES)}:` +
        bytes.toString('base64', at + IV_BYTES + TAG_BYTES, ends[i]);
    }
    return stored;
  }

  /**
   * The plaintext of a stored value read from `place`. Refuses (PiiDecryptError, which names the place, never
   * the value) a malformed value, an IV that is not 12 bytes, a tag that is not 16 bytes (GCM would accept
   * shorter tags, which are easier to forge), and a bound value read from another row or column.
   */
  decrypt(stored: string, place: PiiPlace): string {
    const parts = stored.split(':');
    if (parts.length !== 4) throw new PiiDecryptError(`${place.column} of ${place.rowId}: malformed value`);
    const [field, ivText, tagText, ciphertext] = parts;
    const bound = field.endsWith(BOUND_MARKER);
    const keyId = bound ? field.slice(0, -BOUND_MARKER.length) : field;
    const key = this.keys.get(keyId);
    if (!key) throw new PiiDecryptError(`PII key ${keyId} is not configured`);
    const iv = strictBase64(ivText);
    const tag = strictBase64(tagText);
    const body = strictBase64(ciphertext);
    if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || body === null) {
      throw new PiiDecryptError(`${place.column} of ${place.rowId}: malformed value (IV or tag length)`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (bound) decipher.setAAD(Buffer.from(associatedData(place), 'utf8'));
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new PiiDecryptError(`${place.column} of ${place.rowId}: the value does not authenticate here`);
    }
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
    const { tag, ciphertext } = gcmSeal(this.keys.get(this.activeKeyId)!, iv, plain, null);
    const keyId = Buffer.from(this.activeKeyId, 'utf8');
    return Buffer.concat([Buffer.from([keyId.length]), keyId, iv, tag, ciphertext]);
  }

  decryptBytes(stored: Buffer): Buffer {
    const keyIdEnd = 1 + stored[0];
    const keyId = stored.subarray(1, keyIdEnd).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`PII key ${keyId} is not configured`);
    if (stored.length < keyIdEnd + IV_BYTES + TAG_BYTES) throw new PiiDecryptError('truncated file chunk');
    const iv = stored.subarray(keyIdEnd, keyIdEnd + IV_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(stored.subarray(keyIdEnd + IV_BYTES, keyIdEnd + IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(stored.subarray(keyIdEnd + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
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

/**
 * AES-256-GCM through node:crypto (OpenSSL), the one reference encryption: single values, file chunks and the
 * batch encryptor's self-test all use it. `aad` null: no associated data (file chunks).
 */
function gcmSeal(
  key: Buffer,
  iv: Buffer,
  plain: string | Buffer,
  aad: string | null,
): { tag: Buffer; ciphertext: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (aad !== null) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([
    typeof plain === 'string' ? cipher.update(plain, 'utf8') : cipher.update(plain),
    cipher.final(),
  ]);
  return { tag: cipher.getAuthTag(), ciphertext };
}

/** Base64 that round-trips exactly (Buffer.from silently skips bad characters), or null. */
function strictBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/**
 * The batch encryptor against OpenSSL (node:crypto) before it is used (decision 0017): fixed values at every
 * length around the block size, non-ASCII and empty ones, associated data of every length up to 3 blocks,
 * then random values and places, all under the key it will use. Null when every stored byte is equal; else
 * what differed (no value: the inputs are test data, but the message stays generic).
 */
export function batchSelfTest(batch: GcmBatchEncryptor, key: Buffer): string | null {
  const values: string[] = [];
  const aads: string[] = [];
  for (let length = 0; length <= 49; length++) {
    values.push('x'.repeat(length));
    aads.push('a'.repeat(length));
  }
  values.push('王小明', '+8613800138000', 'z.li@example.com', '\u0000😀é');
  aads.push('intake.customers.name_enc:00000000-0000-0000-0000-000000000000', '', 'b', 'c'.repeat(16));
  const pieces = ['a', '9', '@', '王', '😀', '\u0000', 'é'];
  for (let i = 0; i < 200; i++) {
    let value = '';
    const length = randomInt(0, 120);
    while (value.length < length) value += pieces[randomInt(pieces.length)];
    values.push(value);
    aads.push(`intake.customer_contacts.value_enc:${randomBytes(16).toString('hex')}`);
  }
  const ivs = randomBytes(IV_BYTES * values.length);
  const { bytes, starts, ends } = batch.encrypt(values, ivs, aads);
  for (let i = 0; i < values.length; i++) {
    const iv = ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES);
    const reference = gcmSeal(key, iv, values[i], aads[i]);
    const expected = Buffer.concat([iv, reference.tag, reference.ciphertext]);
    if (!expected.equals(bytes.subarray(starts[i], ends[i]))) {
      return `the batch AES-GCM differs from OpenSSL on self-test value ${i}`;
    }
  }
  return null;
}
