import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );

/**
 * scrypt from Node's crypto (memory-hard, no native add-on to build); parameters stored with each hash.
 * N=2^15, r=8, p=3 is one of OWASP's equivalent settings to N=2^17, r=8, p=1 (the same work per hash) at a
 * quarter of the memory: 32 MiB per hash, so the four libuv threads hashing during a burst of logins hold
 * 128 MiB, not 512 MiB, of a gateway pod's memory (decision 0018).
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

/**
 * What a stored hash may ask for. A stored string outside these bounds is refused without hashing: an empty or
 * short key would compare equal to almost nothing it should (an empty one to anything), tiny parameters would
 * make a hash cheap to crack, huge ones would let one row exhaust memory or CPU.
 */
const ALLOWED = {
  N: { min: 2 ** 14, max: 2 ** 20 },
  r: { min: 8, max: 32 },
  p: { min: 1, max: 16 },
  saltBytes: { min: 16, max: 64 },
  keyBytes: { min: 32, max: 64 },
  /** 128·N·r bytes of memory per hash. */
  memoryBytes: 256 * 1024 * 1024,
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface StoredHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_LENGTH);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: memoryFor(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** True when `password` matches `stored`; false for a wrong password and for any stored value out of bounds. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const { N, r, p, salt, key: expected } = parsed;
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: memoryFor(N, r) });
  return timingSafeEqual(key, expected);
}

/** A hash made with other parameters than today's: rehash it after a successful login. */
export function needsRehash(stored: string): boolean {
  const parsed = parseStored(stored);
  return (
    !parsed ||
    parsed.N !== SCRYPT_PARAMS.N ||
    parsed.r !== SCRYPT_PARAMS.r ||
    parsed.p !== SCRYPT_PARAMS.p ||
    parsed.key.length !== KEY_LENGTH ||
    parsed.salt.length < SALT_LENGTH
  );
}

function parseStored(stored: string): StoredHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, key] = parts;
  const numbers = [n, r, p].map((text) => (/^[1-9]\d{0,7}$/.test(text) ? Number(text) : NaN));
  const [N, R, P] = numbers;
  if (!within(N, ALLOWED.N) || (N & (N - 1)) !== 0) return null;
  if (!within(R, ALLOWED.r) || !within(P, ALLOWED.p)) return null;
  if (128 * N * R > ALLOWED.memoryBytes) return null;
  if (!BASE64.test(salt) || !BASE64.test(key)) return null;
  const saltBytes = Buffer.from(salt, 'base64');
  const keyBytes = Buffer.from(key, 'base64');
  if (!within(saltBytes.length, ALLOWED.saltBytes) || !within(keyBytes.length, ALLOWED.keyBytes)) return null;
  return { N, r: R, p: P, salt: saltBytes, key: keyBytes };
}

function within(value: number, range: { min: number; max: number }): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** Node refuses scrypt above `maxmem` (32 MiB by default, about 128·N·r): room for the asked parameters. */
function memoryFor(N: number, r: number): number {
  return 2 * 128 * N * r;
}

/** Hash compared against when the e-mail is unknown, so both paths take the same time (today's parameters). */
export const DUMMY_HASH = `scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$${Buffer.alloc(SALT_LENGTH).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;
