import { createCipheriv } from 'node:crypto';

/**
 * AES-256-GCM (NIST SP 800-38D) for many short values at once, byte for byte what `crypto`'s
 * `aes-256-gcm` gives for the same key, IV, associated data and plaintext. Used ONLY by the import worker
 * threads, and only after PiiCipher's start-up self-test found it equal to OpenSSL (decision 0017); every
 * other write goes through `node:crypto`. Why it exists (decision 0016): through Node, every value costs a
 * cipher object, a key schedule and four native calls, and a bulk import encrypts three values per customer.
 * Here the AES part of a whole batch is ONE native call: the counter blocks of every value go through
 * AES-256-ECB (OpenSSL, AES-NI) and become the keystream; the plaintexts are XORed with it, and GHASH, a
 * multiplication in GF(2^128) by the fixed hash key H, runs in JavaScript with tables computed once per key.
 * That GHASH is NOT constant time (table lookups indexed by secret state): acceptable only because it runs
 * inside intake's own worker threads, over a file the caller uploaded, where no attacker can time it.
 * Decryption stays with Node's `aes-256-gcm`, which checks every tag: a value written here that was not
 * exact GCM would fail to decrypt, never decrypt to something else.
 *
 * Limits: 96-bit IVs (J0 = IV || 0^31 || 1), values and associated data shorter than 64 GiB (the 32-bit
 * counter never wraps).
 */
export class GcmBatchEncryptor {
  /** GHASH tables: entry 256 * j + b holds (byte b at position j) · H, as 4 big-endian words. */
  private readonly table: Uint32Array;
  /** GHASH state of the value being tagged. */
  private readonly y = new Uint32Array(4);

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
    const ecb = createCipheriv('aes-256-ecb', key, null);
    ecb.setAutoPadding(false);
    const h = ecb.update(Buffer.alloc(16));
    this.table = ghashTable(h);
  }

  /**
   * Encrypts each plaintext (UTF-8) under its IV, `ivs` holding 12 bytes per value, authenticating its
   * associated data (`aads[i]`, UTF-8; none when `aads` is omitted). Returns, per value, its IV, tag and
   * ciphertext as offsets into one buffer (`iv` at `start`, tag at `start + 12`, ciphertext at
   * `start + 28` up to `end`).
   */
  encrypt(
    plaintexts: readonly string[],
    ivs: Buffer,
    aads?: readonly string[],
  ): { bytes: Buffer; starts: Uint32Array; ends: Uint32Array } {
    const count = plaintexts.length;
    if (ivs.length !== count * IV_BYTES) throw new Error('one 12-byte IV per value');
    if (aads && aads.length !== count) throw new Error('one associated data per value');
    // Associated data of every value, back to back.
    const aadStarts = new Uint32Array(count + 1);
    let aadBytes: Buffer = EMPTY;
    if (aads) {
      let room = 0;
      for (const aad of aads) room += aad.length * 3;
      aadBytes = Buffer.allocUnsafe(room);
      let written = 0;
      for (let i = 0; i < count; i++) {
        aadStarts[i] = written;
        written += aadBytes.write(aads[i], written, 'utf8');
      }
      aadStarts[count] = written;
    }
    let capacity = 0;
    for (const text of plaintexts) capacity += HEADER + text.length * 3; // UTF-8: at most 3 bytes per UTF-16 unit
    const bytes = Buffer.allocUnsafe(capacity);
    const starts = new Uint32Array(count);
    const ends = new Uint32Array(count);
    // Plaintexts laid out after their IV and room for the tag; counter blocks counted.
    let offset = 0;
    let blocks = 0;
    for (let i = 0; i < count; i++) {
      starts[i] = offset;
      ivs.copy(bytes, offset, i * IV_BYTES, (i + 1) * IV_BYTES);
      const length = bytes.write(plaintexts[i], offset + HEADER, 'utf8');
      offset += HEADER + length;
      ends[i] = offset;
      blocks += 1 + Math.ceil(length / 16);
    }
    // Counter blocks: J0 (for the tag), then inc32(J0), inc32^2(J0)... (for the plaintext).
    const counters = Buffer.allocUnsafe(blocks * 16);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const n = 1 + Math.ceil((ends[i] - starts[i] - HEADER) / 16);
      for (let c = 1; c <= n; c++) {
        bytes.copy(counters, at, starts[i], starts[i] + IV_BYTES);
        counters.writeUInt32BE(c, at + IV_BYTES);
        at += 16;
      }
    }
    const ecb = createCipheriv('aes-256-ecb', this.key, null);
    ecb.setAutoPadding(false);
    const stream = ecb.update(counters);
    ecb.final();
    at = 0;
    for (let i = 0; i < count; i++) {
      const ivAt = starts[i];
      const dataAt = ivAt + HEADER;
      const length = ends[i] - dataAt;
      const tagMask = at;
      at += 16;
      for (let k = 0; k < length; k++) bytes[dataAt + k] ^= stream[at + k];
      at += Math.ceil(length / 16) * 16;
      const aadAt = aadStarts[i];
      const aadLength = aads ? aadStarts[i + 1] - aadAt : 0;
      this.tag(aadBytes, aadAt, aadLength, bytes, dataAt, length, stream, tagMask, ivAt + IV_BYTES);
    }
    return { bytes, starts, ends };
  }

  /** GHASH_H(A, C) XOR E(J0), written at `out` (A: the associated data, C: the ciphertext). */
  private tag(
    aad: Buffer,
    aadFrom: number,
    aadLength: number,
    bytes: Buffer,
    from: number,
    length: number,
    mask: Buffer,
    maskAt: number,
    out: number,
  ): void {
    const y = this.y;
    y.fill(0);
    this.absorb(aad, aadFrom, aadLength);
    this.absorb(bytes, from, length);
    // Length block: 64 bits of associated data length, 64 bits of ciphertext length, in bits.
    const aadBits = aadLength * 8;
    const bits = length * 8;
    y[0] ^= Math.floor(aadBits / 0x100000000);
    y[1] ^= aadBits;
    y[2] ^= Math.floor(bits / 0x100000000);
    y[3] ^= bits;
    multiply(this.table, y);
    for (let w = 0; w < 4; w++)
      bytes.writeUInt32BE((y[w] ^ mask.readUInt32BE(maskAt + 4 * w)) >>> 0, out + 4 * w);
  }

  /** Y := (Y XOR block) · H for each 16-byte block of `length` bytes at `from`, the last zero-padded. */
  private absorb(bytes: Buffer, from: number, length: number): void {
    const y = this.y;
    const end = from + length;
    for (let p = from; p < end; p += 16) {
      if (end - p >= 16) {
        y[0] ^= bytes.readUInt32BE(p);
        y[1] ^= bytes.readUInt32BE(p + 4);
        y[2] ^= bytes.readUInt32BE(p + 8);
        y[3] ^= bytes.readUInt32BE(p + 12);
      } else {
        for (let k = 0; p + k < end; k++) y[k >> 2] ^= bytes[p + k] << (24 - 8 * (k & 3));
      }
      multiply(this.table, y);
    }
  }
}

const EMPTY = Buffer.alloc(0);
const IV_BYTES = 12;
/** IV and tag before each ciphertext in the output buffer. */
const HEADER = IV_BYTES + 16;

/** Y := Y · H, Y as 4 big-endian words: the XOR of one table entry per byte of Y. */
function multiply(t: Uint32Array, y: Uint32Array): void {
  let z0 = 0;
  let z1 = 0;
  let z2 = 0;
  let z3 = 0;
  for (let w = 0; w < 4; w++) {
    const word = y[w];
    const base = w * 4 * 256;
    for (let k = 0; k < 4; k++) {
      const entry = (base + k * 256 + ((word >>> (24 - 8 * k)) & 0xff)) * 4;
      z0 ^= t[entry];
      z1 ^= t[entry + 1];
      z2 ^= t[entry + 2];
      z3 ^= t[entry + 3];
    }
  }
  y[0] = z0;
  y[1] = z1;
  y[2] = z2;
  y[3] = z3;
}

/**
 * The tables of multiplication by H: for byte position j (0..15) and byte value b, (b at position j) · H.
 * GCM's bit order: bit 0 of a block is the most significant bit of its first byte and stands for x^0;
 * multiplying by x shifts the block right by one bit and, when a bit falls off the end, XORs
 * R = 11100001 || 0^120 (SP 800-38D, algorithm 1).
 */
function ghashTable(h: Buffer): Uint32Array {
  // powers[i] = H · x^i, i = 0..127.
  const powers = new Uint32Array(128 * 4);
  let v0 = h.readUInt32BE(0);
  let v1 = h.readUInt32BE(4);
  let v2 = h.readUInt32BE(8);
  let v3 = h.readUInt32BE(12);
  for (let i = 0; i < 128; i++) {
    powers.set([v0, v1, v2, v3], i * 4);
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | ((v2 & 1) << 31);
    v2 = (v2 >>> 1) | ((v1 & 1) << 31);
    v1 = (v1 >>> 1) | ((v0 & 1) << 31);
    v0 = (v0 >>> 1) ^ (carry ? 0xe1000000 : 0);
  }
  const table = new Uint32Array(16 * 256 * 4);
  for (let position = 0; position < 16; position++) {
    for (let b = 0; b < 256; b++) {
      let z0 = 0;
      let z1 = 0;
      let z2 = 0;
      let z3 = 0;
      for (let bit = 0; bit < 8; bit++) {
        if (((b >>> (7 - bit)) & 1) === 0) continue; // the byte's most significant bit comes first
        const p = (position * 8 + bit) * 4;
        z0 ^= powers[p];
        z1 ^= powers[p + 1];
        z2 ^= powers[p + 2];
        z3 ^= powers[p + 3];
      }
      table.set([z0 >>> 0, z1 >>> 0, z2 >>> 0, z3 >>> 0], (position * 256 + b) * 4);
    }
  }
  return table;
}
