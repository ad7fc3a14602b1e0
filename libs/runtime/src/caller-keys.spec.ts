import { generateKeyPairSync } from 'node:crypto';
import { CommonEnv, EnvError, loadEnv } from './env';
import { callerGateFrom } from './platform.module';
import { DEV_CALLER_PUBLIC_KEY } from './dev-caller-keys';

const publicKey = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .publicKey.export({ type: 'spki', format: 'der' })
    .toString('base64');

describe('CALLER_PUBLIC_KEYS (issue 14.3)', () => {
  it('defaults to the development key outside production and refuses it in production', () => {
    expect(loadEnv(CommonEnv, {}).CALLER_PUBLIC_KEYS).toEqual([DEV_CALLER_PUBLIC_KEY]);
    expect(() => callerGateFrom(loadEnv(CommonEnv, { NODE_ENV: 'test' }))).not.toThrow();
    expect(() => callerGateFrom(loadEnv(CommonEnv, { NODE_ENV: 'production' }))).toThrow(
      /CALLER_PUBLIC_KEYS must be set in production/,
    );
    const [a] = [publicKey()];
    expect(() =>
      callerGateFrom(
        loadEnv(CommonEnv, { NODE_ENV: 'production', CALLER_PUBLIC_KEYS: `${a},${DEV_CALLER_PUBLIC_KEY}` }),
      ),
    ).toThrow(/CALLER_PUBLIC_KEYS must be set in production/);
  });

  it('takes several keys for a rotation, and refuses what is not a P-256 public key', () => {
    const [a, b] = [publicKey(), publicKey()];
    const env = loadEnv(CommonEnv, { NODE_ENV: 'production', CALLER_PUBLIC_KEYS: ` ${a}, ${b},` });
    expect(env.CALLER_PUBLIC_KEYS).toEqual([a, b]);
    expect(() => callerGateFrom(env)).not.toThrow();
    expect(() => loadEnv(CommonEnv, { CALLER_PUBLIC_KEYS: 'not base64!' })).toThrow(EnvError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'der' })
      .toString('base64');
    expect(() => callerGateFrom(loadEnv(CommonEnv, { CALLER_PUBLIC_KEYS: rsa }))).toThrow(/P-256/);
  });
});
