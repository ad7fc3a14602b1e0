import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@closeloop/runtime';
import { CustomerMatcher } from './customers/customer-matcher';
import { PiiCipher } from './customers/pii-cipher';
import { FeedbackHandler } from './feedback/feedback.handler';
import { FeedbackRepository } from './feedback/feedback.repository';
import { FeedbackService } from './feedback/feedback.service';
import { DEV_PII_HMAC_KEY, DEV_PII_KEYS, type IntakeEnv } from './intake.env';
import { intakePersistence } from './intake.persistence';
import { SettingsRepository } from './settings/settings.repository';
import { TicketNumberAllocator } from './ticket-numbers/ticket-number.allocator';

@Module({})
export class IntakeModule {
  static register(env: IntakeEnv): DynamicModule {
    if (
      env.NODE_ENV === 'production' &&
      (env.PII_KEYS === DEV_PII_KEYS || env.PII_HMAC_KEY === DEV_PII_HMAC_KEY)
    ) {
      throw new Error(
        'PII_KEYS and PII_HMAC_KEY must be set in production (the defaults are for development)',
      );
    }
    return {
      module: IntakeModule,
      imports: [PlatformModule.forRoot({ service: 'intake', env, ...intakePersistence })],
      providers: [
        {
          provide: PiiCipher,
          useValue: new PiiCipher(env.PII_KEYS, env.PII_ACTIVE_KEY, Buffer.from(env.PII_HMAC_KEY, 'base64')),
        },
        CustomerMatcher,
        SettingsRepository,
        TicketNumberAllocator,
        FeedbackRepository,
        FeedbackService,
        FeedbackHandler,
      ],
    };
  }
}
