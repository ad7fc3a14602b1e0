import { EnvError, loadEnv } from '@closeloop/runtime';
import { GatewayEnv } from './gateway.env';

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
