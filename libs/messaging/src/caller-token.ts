import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { MsgHdrs } from '@nats-io/nats-core';
import { declaredRules, DomainError, ROLES, type Caller, type Role } from '@closeloop/contracts';

/**
 * The signed caller of an RPC request travels in this NATS header, never in the JSON body (issue 14.3).
 * The gateway signs it with its private key (ES256); every service holds only the public keys, so a
 * service, a partner or anyone else on NATS cannot make one up.
 */
export const CALLER_HEADER = 'Closeloop-Caller';
export const CALLER_TOKEN_ISSUER = 'closeloop-gateway';
export const CALLER_TOKEN_AUDIENCE = 'closeloop-services';
/** Clocks of the gateway and the services may differ this much when a token's expiry is checked. */
const CLOCK_TOLERANCE_SECONDS = 5;
const ALGORITHM = 'ES256';
/** Tokens (signed or verified) remembered at most per process; the oldest is forgotten first. */
const CACHE_SIZE = 10_000;

interface CallerClaims {
  sub: string;
  roles: Role[];
  departments: string[];
  stores: string[];
  exp?: number;
}

/** A P-256 private key from base64 DER (PKCS#8), as `CALLER_SIGNING_KEY` holds it. */
export function parseCallerSigningKey(base64: string): KeyObject {
  const key = createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('CALLER_SIGNING_KEY must be a P-256 (ES256) private key');
  }
  return key;
}

/** A P-256 public key from base64 DER (SPKI), as each entry of `CALLER_PUBLIC_KEYS` holds it. */
export function parseCallerPublicKey(base64: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('each CALLER_PUBLIC_KEYS entry must be a P-256 (ES256) public key');
  }
  return key;
}

/** The `kid` of a public key: a digest of its DER, so signer and verifiers agree without configuration. */
export function callerKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url').slice(0, 16);
}

/** Where an RpcClient gets the signed token for the caller it sends (the gateway signs; the CLI asks it). */
export interface CallerCredentials {
  tokenFor(caller: Caller): string | Promise<string>;
}

/**
 * Signs callers (the gateway only). A token is reused for the same caller until half its lifetime is
 * left, so the services verify each one once and the gateway does not sign per request.
 */
export class CallerSigner implements CallerCredentials {
  private readonly jwt: JwtService;
  private readonly cache = new Map<string, { token: string; expiresAtMs: number }>();

  constructor(
    privateKey: KeyObject,
    private readonly ttlSeconds: number,
  ) {
    this.jwt = new JwtService({
      privateKey,
      signOptions: {
        algorithm: ALGORITHM,
        keyid: callerKeyId(privateKey),
        issuer: CALLER_TOKEN_ISSUER,
        audience: CALLER_TOKEN_AUDIENCE,
        expiresIn: ttlSeconds,
      },
    });
  }

  tokenFor(caller: Caller): string {
    return this.issue(caller).token;
  }

  /** The token for `caller` and when it expires (epoch ms). */
  issue(caller: Caller): { token: string; expiresAtMs: number } {
    const key = JSON.stringify([caller.userId, caller.roles, caller.departments, caller.stores]);
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAtMs - (this.ttlSeconds * 1000) / 2 > now) return cached;
    const claims: CallerClaims = {
      sub: caller.userId,
      roles: caller.roles,
      departments: caller.departments,
      stores: caller.stores,
    };
    const token = this.jwt.sign(claims);
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    const issued = { token, expiresAtMs: exp * 1000 };
    if (cached) this.cache.delete(key);
    else if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, issued);
    return issued;
  }
}

/**
 * Verifies signed callers against the configured public keys (several during a key rotation, chosen by the
 * token's `kid`): signature, algorithm, issuer, audience and expiry. A verified token is remembered until it
 * expires, so a caller's token costs one signature check per service replica.
 */
export class CallerVerifier {
  private readonly keys: Map<string, KeyObject>;
  private readonly jwt = new JwtService();
  private readonly verified = new Map<string, { caller: Caller; expiresAtMs: number }>();

  constructor(publicKeys: KeyObject[]) {
    if (publicKeys.length === 0) throw new Error('at least one caller public key is needed');
    this.keys = new Map(publicKeys.map((key) => [callerKeyId(key), key]));
  }

  verify(token: string | undefined): Caller {
    if (!token) throw new DomainError('UNAUTHENTICATED', 'the request carries no signed caller');
    const now = Date.now();
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.expiresAtMs + CLOCK_TOLERANCE_SECONDS * 1000 > now) return cached.caller;
      this.verified.delete(token);
    }
    const claims = this.check(token);
    const caller: Caller = {
      userId: claims.sub,
      roles: claims.roles,
      departments: claims.departments,
      stores: claims.stores,
    };
    if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { caller, expiresAtMs: claims.exp * 1000 });
    return caller;
  }

  /** The token's claims; `exp` is always there, a token without one is refused. */
  private check(token: string): CallerClaims & { exp: number } {
    const invalid = () => new DomainError('UNAUTHENTICATED', 'the signed caller is invalid or expired');
    let claims: CallerClaims;
    try {
      const header = (this.jwt.decode(token, { complete: true }) as { header?: { kid?: unknown } } | null)
        ?.header;
      const key = typeof header?.kid === 'string' ? this.keys.get(header.kid) : undefined;
      if (!key) throw invalid();
      claims = this.jwt.verify<CallerClaims>(token, {
        publicKey: key as unknown as Buffer, // jsonwebtoken takes a KeyObject; @nestjs/jwt's type says Buffer
        algorithms: [ALGORITHM],
        issuer: CALLER_TOKEN_ISSUER,
        audience: CALLER_TOKEN_AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
    } catch {
      throw invalid();
    }
    // Our tokens always expire; the claims are checked again by the contract's Caller rules.
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.sub !== 'string' ||
      !Array.isArray(claims.roles) ||
      !claims.roles.every((role) => ROLES.includes(role)) ||
      !Array.isArray(claims.departments) ||
      !Array.isArray(claims.stores)
    ) {
      throw invalid();
    }
    return { ...claims, exp: claims.exp };
  }
}

/**
 * The serving side's one check of who is asking, run by RpcServer before a request is validated and handed
 * to its handler. A request whose contract has a `caller` gets the caller verified from the header in its
 * place: whatever `caller` the body carried is dropped, and a missing, forged or expired token is refused
 * (401). Contracts without a caller (the customers' confirmation links, whose authority is the signed
 * nonce) are passed through unchanged.
 */
export class CallerGate {
  private readonly needsCaller = new WeakMap<object, boolean>();

  constructor(private readonly verifier: CallerVerifier) {}

  admit(contract: object, headers: MsgHdrs | undefined, body: unknown): unknown {
    if (!this.declaresCaller(contract)) return body;
    const caller = this.verifier.verify(headers?.get(CALLER_HEADER) || undefined);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
    return { ...body, caller };
  }

  private declaresCaller(contract: object): boolean {
    let declares = this.needsCaller.get(contract);
    if (declares === undefined) {
      declares = declaredRules(contract as new () => object).some((rule) => rule.propertyName === 'caller');
      this.needsCaller.set(contract, declares);
    }
    return declares;
  }
}
