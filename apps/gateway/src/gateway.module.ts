import { createSecretKey } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_PIPE } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { DEV_CALLER_SIGNING_KEY, PlatformModule } from '@closeloop/runtime';
import { CallerSigner, callerKeyId, parseCallerPublicKey, parseCallerSigningKey } from '@closeloop/messaging';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { LoginLimiterService } from './auth/login-limiter.service';
import { CallerTokenController } from './auth/caller-token.controller';
import { DEV_ADMIN_PASSWORD, DEV_CONFIRM_LINK_SECRET, DEV_JWT_SECRET, type GatewayEnv } from './gateway.env';
import { gatewayPersistence } from './gateway.persistence';
import { AuditModule } from './audit/audit.module';
import { CustomersModule } from './customers/customers.module';
import { FeedbackModule } from './feedback/feedback.module';
import { ImportsModule } from './imports/imports.module';
import { ImprovementModule } from './improvement/improvement.module';
import { OrdersModule } from './orders/orders.module';
import { OrgModule } from './org/org.module';
import { SettingsModule } from './settings/settings.module';
import { SlaModule } from './sla/sla.module';
import { TicketsModule } from './tickets/tickets.module';
import { UsersModule } from './users/users.module';
import { ContractValidationPipe } from './http/contract-validation.pipe';
import { CallerThrottlerGuard } from './http/throttle.guard';

@Module({})
export class GatewayModule {
  static register(env: GatewayEnv): DynamicModule {
    if (
      env.NODE_ENV === 'production' &&
      (env.JWT_SECRET === DEV_JWT_SECRET ||
        env.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD ||
        env.CONFIRM_LINK_SECRET === DEV_CONFIRM_LINK_SECRET ||
        env.CALLER_SIGNING_KEY === DEV_CALLER_SIGNING_KEY)
    ) {
      throw new Error(
        'JWT_SECRET, ADMIN_PASSWORD, CONFIRM_LINK_SECRET and CALLER_SIGNING_KEY must be set in production (the defaults are for development)',
      );
    }
    const callerSigner = callerSignerFrom(env);
    const jwtKey = createSecretKey(Buffer.from(env.JWT_SECRET, 'utf8'));
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forRoot({
          service: 'gateway',
          env,
          ...gatewayPersistence,
          callerCredentials: callerSigner,
        }),
        JwtModule.register({
          // A KeyObject built once: given the secret as a string, jsonwebtoken first tries (and fails) to
          // parse it as a public key on every verify (see docs/decisions/0008, Measurements).
          secretOrKeyProvider: () => jwtKey,
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
        ThrottlerModule.forRoot({
          throttlers: [
            // Per replica, in memory: a flood guard. Login limits are shared across replicas (LoginLimiterService).
            { name: 'default', ttl: 1_000, limit: env.RATE_LIMIT_PER_SECOND },
          ],
        }),
        // One module per feature folder (docs/code-roles.md, "Modules").
        OrgModule,
        UsersModule,
        FeedbackModule,
        TicketsModule,
        SettingsModule,
        CustomersModule,
        AuditModule,
        OrdersModule,
        ImportsModule,
        SlaModule,
        ImprovementModule,
      ],
      // auth stays here: its controllers need the JWT module and the caller signer built above from env.
      controllers: [AuthController, CallerTokenController],
      providers: [
        { provide: CallerSigner, useValue: callerSigner },
        LoginLimiterService,
        AuthService,
        // Order matters: authenticate first, so the limit counts per user.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_PIPE, useClass: ContractValidationPipe },
      ],
    };
  }
}

/**
 * The signer of the callers the gateway sends with every RPC request. Its public half must be one of the
 * gateway's own CALLER_PUBLIC_KEYS (the list every service gets): a key pair that does not match fails
 * here at start rather than on every request.
 */
function callerSignerFrom(env: GatewayEnv): CallerSigner {
  const key = parseCallerSigningKey(env.CALLER_SIGNING_KEY);
  const listed = env.CALLER_PUBLIC_KEYS.map((k) => callerKeyId(parseCallerPublicKey(k)));
  if (!listed.includes(callerKeyId(key))) {
    throw new Error('the public half of CALLER_SIGNING_KEY must be listed in CALLER_PUBLIC_KEYS');
  }
  return new CallerSigner(key, env.CALLER_TOKEN_TTL_SECONDS);
}
