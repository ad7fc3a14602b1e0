import { generateKeyPairSync } from 'node:crypto';
import { runService } from '@closeloop/runtime';
import { GatewayModule } from './gateway.module';
import { GatewayEnv } from './gateway.env';
import { gatewayPersistence } from './gateway.persistence';
import { configureGatewayHttp } from './http/configure';

runService({
  service: 'gateway',
  env: GatewayEnv,
  persistence: gatewayPersistence,
  module: (env) => GatewayModule.register(env),
  http: (env) => ({ bodyLimit: env.BODY_LIMIT_BYTES, configure: (app) => configureGatewayHttp(app, env) }),
  commands: {
    /** A new caller-signing key pair (issue 14.3): the private key for the gateway, the public for all. */
    'caller-keygen': async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      console.log(
        `CALLER_SIGNING_KEY=${privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`,
      );
      console.log(
        `CALLER_PUBLIC_KEYS=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
      );
      return Promise.resolve(0);
    },
  },
});
