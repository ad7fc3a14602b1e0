import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { EnvError, loadEnv } from '@closeloop/runtime';
import { GatewayEnv } from './gateway.env';
import { GatewayModule } from './gateway.module';

describe('GatewayEnv', () => {
  it('reads earlier confirmation-link secrets as a comma-separated list, none by default', () => {
    expect(loadEnv(GatewayEnv, {}).CONFIRM_LINK_PREVIOUS_SECRETS).toEqual([]);
    const a = 'an-old-confirm-link-secret-000000001';
    const b = 'an-old-confirm-link-secret-000000002';
    expect(
      loadEnv(GatewayEnv, { CONFIRM_LINK_PREVIOUS_SECRETS: ` ${a}, ${b},` }).CONFIRM_LINK_PREVIOUS_SECRETS,
    ).toEqual([a, b]);
  });

  it('refuses a short previous secret, naming the variable', () => {
    expect(() => loadEnv(GatewayEnv, { CONFIRM_LINK_PREVIOUS_SECRETS: 'short' })).toThrow(EnvError);
    expect(() => loadEnv(GatewayEnv, { CONFIRM_LINK_PREVIOUS_SECRETS: 'short' })).toThrow(
      /CONFIRM_LINK_PREVIOUS_SECRETS/,
    );
  });
});

describe('caller signing (issue 14.3)', () => {
  const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = (key: KeyObject, type: 'pkcs8' | 'spki') =>
    key.export({ type, format: 'der' } as never).toString('base64');

  it('refuses the development signing key in production', () => {
    const { publicKey } = pem();
    expect(() =>
      GatewayModule.register(
        loadEnv(GatewayEnv, {
          NODE_ENV: 'production',
          JWT_SECRET: 'x'.repeat(40),
          ADMIN_PASSWORD: 'y'.repeat(20),
          CONFIRM_LINK_SECRET: 'z'.repeat(40),
          CALLER_PUBLIC_KEYS: der(publicKey, 'spki'),
        }),
      ),
    ).toThrow(/CALLER_SIGNING_KEY must be set in production/);
  });

  it('refuses a signing key whose public half the services are not given', () => {
    const signing = pem();
    const other = pem();
    expect(() =>
      GatewayModule.register(
        loadEnv(GatewayEnv, {
          CALLER_SIGNING_KEY: der(signing.privateKey, 'pkcs8'),
          CALLER_PUBLIC_KEYS: der(other.publicKey, 'spki'),
        }),
      ),
    ).toThrow(/public half of CALLER_SIGNING_KEY must be listed in CALLER_PUBLIC_KEYS/);
    expect(() =>
      GatewayModule.register(
        loadEnv(GatewayEnv, {
          CALLER_SIGNING_KEY: der(signing.privateKey, 'pkcs8'),
          CALLER_PUBLIC_KEYS: `${der(other.publicKey, 'spki')},${der(signing.publicKey, 'spki')}`,
        }),
      ),
    ).not.toThrow();
  });
});
