import { createSecretKey } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_PIPE } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { PlatformModule } from '@closeloop/runtime';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { LoginLimiter } from './auth/login-limiter';
import { FeedbackController } from './feedback/feedback.controller';
import { CustomersController } from './customers/customers.controller';
import { AuditController } from './audit/audit.controller';
import { OrdersController } from './orders/orders.controller';
import { ImportsController } from './imports/imports.controller';
import { UploadBodyParser } from './imports/upload-body.parser';
import { DEV_ADMIN_PASSWORD, DEV_CONFIRM_LINK_SECRET, DEV_JWT_SECRET, type GatewayEnv } from './gateway.env';
import { gatewayPersistence } from './gateway.persistence';
import { OrgModule } from './org/org.module';
import { ContractValidationPipe } from './http/contract-validation.pipe';
import { CallerThrottlerGuard } from './http/throttle.guard';
import { SettingsController } from './settings/settings.controller';
import { ImprovementCasesController } from './improvement/improvement-cases.controller';
import { ComplianceController } from './sla/compliance.controller';
import { ConfirmationLinks } from './tickets/confirmation-links';
import { ConfirmationPageController } from './tickets/confirmation-page.controller';
import { TicketsController } from './tickets/tickets.controller';
import { TicketAssignmentController, WorkloadController } from './tickets/ticket-assignment.controller';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

@Module({})
export class GatewayModule {
  static register(env: GatewayEnv): DynamicModule {
    if (
      env.NODE_ENV === 'production' &&
      (env.JWT_SECRET === DEV_JWT_SECRET ||
        env.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD ||
        env.CONFIRM_LINK_SECRET === DEV_CONFIRM_LINK_SECRET)
    ) {
      throw new Error(
        'JWT_SECRET, ADMIN_PASSWORD and CONFIRM_LINK_SECRET must be set in production (the defaults are for development)',
      );
    }
    const jwtKey = createSecretKey(Buffer.from(env.JWT_SECRET, 'utf8'));
    return {
      module: GatewayModule,
      imports: [
        PlatformModule.forRoot({ service: 'gateway', env, ...gatewayPersistence }),
        JwtModule.register({
          // A KeyObject built once: given the secret as a string, jsonwebtoken first tries (and fails) to
          // parse it as a public key on every verify (see docs/decisions/0008, Measurements).
          secretOrKeyProvider: () => jwtKey,
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
        ThrottlerModule.forRoot({
          throttlers: [
            // Per replica, in memory: a flood guard. Login limits are shared across replicas (LoginLimiter).
            { name: 'default', ttl: 1_000, limit: env.RATE_LIMIT_PER_SECOND },
          ],
        }),
        OrgModule,
      ],
      controllers: [
        AuthController,
        UsersController,
        FeedbackController,
        TicketsController,
        TicketAssignmentController,
        WorkloadController,
        SettingsController,
        CustomersController,
        AuditController,
        OrdersController,
        ImportsController,
        ConfirmationPageController,
        ComplianceController,
        ImprovementCasesController,
      ],
      providers: [
        UsersService,
        LoginLimiter,
        UploadBodyParser,
        ConfirmationLinks,
        // Order matters: authenticate first, so the limit counts per user.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_PIPE, useClass: ContractValidationPipe },
      ],
    };
  }
}
