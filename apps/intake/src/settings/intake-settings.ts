import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CATEGORY_PATTERN, CHANNELS, EMOTIONS, FEEDBACK_TYPES, LEVELS, ROLES } from '@closeloop/contracts';
import type { Channel, Emotion, FeedbackType, Level, Role } from '@closeloop/contracts';

/** When a classification rule applies; every given condition must hold. */
export class RuleCondition {
  @IsOptional()
  @IsArray()
  @IsIn(FEEDBACK_TYPES, { each: true })
  typeIn?: FeedbackType[];

  @IsOptional()
  @IsArray()
  @IsIn(CHANNELS, { each: true })
  channelIn?: Channel[];

  @IsOptional()
  @IsArray()
  @IsIn(EMOTIONS, { each: true })
  emotionIn?: Emotion[];

  /** Case-insensitive substrings searched in the description and the request. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  keywordsAny?: string[];
}

export class RuleOutcome {
  @IsOptional()
  @Matches(CATEGORY_PATTERN)
  category?: string;

  @IsOptional()
  @IsIn(LEVELS)
  level?: Level;
}

export class ClassificationRule {
  @Matches(/^[a-z0-9][a-z0-9-]*$/)
  id!: string;

  @ValidateNested()
  @Type(() => RuleCondition)
  when!: RuleCondition;

  @ValidateNested()
  @Type(() => RuleOutcome)
  set!: RuleOutcome;
}

/** I2, I4: the category taxonomy and the rules that classify feedback at intake (settings data). */
export class ClassificationSettings {
  @IsArray()
  @ArrayMinSize(1)
  @Matches(CATEGORY_PATTERN, { each: true })
  categories!: string[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ClassificationRule)
  rules!: ClassificationRule[];

  @IsObject()
  defaultCategoryByType!: Record<FeedbackType, string>;

  @IsObject()
  defaultLevelByType!: Record<FeedbackType, Level>;
}

/** I3: ticket numbers are `YYYYMMDD` in this zone + a daily sequence of at least `minDigits` digits. */
export class TicketNumberSettings {
  @IsString()
  timeZone!: string;

  @IsInt()
  @Min(1)
  @Max(9)
  minDigits!: number;
}

/**
 * X1, X2: searching customers by a contact or an external id is a sensitive read (a masked number such as
 * `138****5678` leaves only 10,000 candidates to try): only these roles may do it, each search is audited,
 * and each user may make at most `limit` of them per fixed window of `windowSeconds`, counted in Postgres so
 * every replica shares the count (docs/privacy.md).
 */
export class ContactSearchSettings {
  @IsArray()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @IsInt()
  @Min(1)
  @Max(100_000)
  limit!: number;

  @IsInt()
  @Min(60)
  @Max(7 * 86_400)
  windowSeconds!: number;
}

/** X1: who may see a customer's contacts and name in clear (always with a stated reason, always audited). */
export class PrivacySettings {
  @IsArray()
  @IsIn(ROLES, { each: true })
  unmaskRoles!: Role[];

  @IsDefined()
  @ValidateNested()
  @Type(() => ContactSearchSettings)
  contactSearch!: ContactSearchSettings;
}

/**
 * How far a feedback's `receivedAt` may lie from the moment it is recorded: back in time for feedback recorded
 * after the fact (store comment books, calls logged later), and forward only by the clients' clock skew.
 */
export class RecordingSettings {
  @IsInt()
  @Min(0)
  @Max(24 * 366)
  maxBackdateHours!: number;

  @IsInt()
  @Min(0)
  @Max(3600)
  maxClockSkewSeconds!: number;
}

/** G1 high value: annual spend in the top share of customers with spend, or a long cooperation. */
export class HighValueRule {
  @IsNumber()
  @Min(0.01)
  @Max(1)
  topSpendShare!: number;

  @IsInt()
  @Min(1)
  @Max(240)
  cooperationMonths!: number;
}

/** G1 churn risk: silence, low satisfaction, or an explicit objection (R6) recently. */
export class ChurnRiskRule {
  @IsInt()
  @Min(1)
  @Max(60)
  inactiveMonths!: number;

  /** Satisfaction (0-100) strictly below this is a risk. */
  @IsInt()
  @Min(0)
  @Max(100)
  satisfactionBelow!: number;

  @IsInt()
  @Min(1)
  @Max(3650)
  objectionWithinDays!: number;
}

/** G1 potential: growth signals (docs/segments.md). Any one of them is enough. */
export class PotentialRule {
  /** An order within this many days. */
  @IsInt()
  @Min(1)
  @Max(3650)
  recentOrderDays!: number;

  /** Spend of the last 12 months above the 12 months before by at least this share (0.1 = +10 %). */
  @IsNumber()
  @Min(0)
  @Max(100)
  spendGrowthShare!: number;

  /** Latest satisfaction (0-100) at least this. */
  @IsInt()
  @Min(0)
  @Max(100)
  satisfactionAtLeast!: number;
}

/** When the nightly pass runs, in the business time zone. */
export class NightlySchedule {
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  localTime!: string;

  @IsString()
  timeZone!: string;
}

/** G2 targets, kept for reports (shares 0-1). */
export class SegmentTargets {
  @IsNumber() @Min(0) @Max(1) newActivation30DaysShare!: number;
  @IsNumber() @Min(0) @Max(1) highValueSatisfactionShare!: number;
  @IsNumber() @Min(0) @Max(10) highValueRepurchaseGrowth!: number;
  @IsNumber() @Min(0) @Max(1) churnRecoveryShare!: number;
}

/** G1 thresholds and G2 targets (`GET|PUT /api/v1/settings/segments`). */
export class SegmentSettings {
  /** Cooperating fewer months than this: new. */
  @IsInt()
  @Min(1)
  @Max(60)
  newCustomerMonths!: number;

  @ValidateNested()
  @Type(() => HighValueRule)
  highValue!: HighValueRule;

  @ValidateNested()
  @Type(() => ChurnRiskRule)
  churnRisk!: ChurnRiskRule;

  @ValidateNested()
  @Type(() => PotentialRule)
  potential!: PotentialRule;

  /**
   * How old the top-share spend cut may be before a recompute refreshes it (it is one scan of all
   * customers' spend; the nightly pass refreshes it too).
   */
  @IsInt()
  @Min(0)
  @Max(86_400)
  spendRankMaxAgeSeconds!: number;

  @ValidateNested()
  @Type(() => NightlySchedule)
  nightly!: NightlySchedule;

  @ValidateNested()
  @Type(() => SegmentTargets)
  targets!: SegmentTargets;
}

/** X1: how long personal data and working files are kept (days); purged by a daily job. */
export class RetentionSettings {
  /** Free text of feedback (description, request) is redacted this many days after receipt. */
  @IsInt()
  @Min(30)
  @Max(36_500)
  feedbackTextDays!: number;

  /** Audit rows older than this are deleted. */
  @IsInt()
  @Min(365)
  @Max(36_500)
  auditLogDays!: number;

  /** Uploaded import files and their error reports. */
  @IsInt()
  @Min(1)
  @Max(365)
  importFilesDays!: number;

  /** Customers with no order, feedback or change for this long are erased (0 = never). */
  @IsInt()
  @Min(0)
  @Max(36_500)
  inactiveCustomerDays!: number;
}

export const INTAKE_SETTINGS = {
  classification: ClassificationSettings,
  ticketNumber: TicketNumberSettings,
  privacy: PrivacySettings,
  recording: RecordingSettings,
  segments: SegmentSettings,
  retention: RetentionSettings,
} as const;
export type IntakeSettingKey = keyof typeof INTAKE_SETTINGS;

/**
 * Seeded defaults, from rules.md I2/I3/I4 and R1's level meanings, written by IntakeInitial. Later settings
 * (privacy) are seeded by their own migration with the values frozen in it.
 */
export const SEEDED_INTAKE_SETTINGS: {
  [K in 'classification' | 'ticketNumber']: InstanceType<(typeof INTAKE_SETTINGS)[K]>;
} = {
  ticketNumber: { timeZone: 'Asia/Shanghai', minDigits: 4 },
  classification: {
    categories: [
      'product.defect',
      'product.performance',
      'product.feature_request',
      'service.attitude',
      'service.process_efficiency',
      'service.after_sales',
      'experience.interface',
      'experience.convenience',
      'experience.price',
      'general.inquiry',
      'general.care',
      'general.other',
    ],
    rules: [
      // R1 L1: the customer's core business is down, or personal safety is at stake.
      {
        id: 'l1-safety',
        when: {
          keywordsAny: [
            '安全',
            '人身',
            '受伤',
            '起火',
            '冒烟',
            '爆炸',
            '漏电',
            '触电',
            'injur',
            'fire',
            'smoke',
            'explod',
            'electric shock',
          ],
        },
        set: { level: 'L1' },
      },
      {
        id: 'l1-business-down',
        when: {
          keywordsAny: [
            '停产',
            '瘫痪',
            '全部无法',
            '完全无法',
            '业务中断',
            'outage',
            'production stopped',
            'completely down',
          ],
        },
        set: { level: 'L1' },
      },
      // R1 L2: normal use affected, service below expectation; an upset customer is at least L2.
      { id: 'l2-upset', when: { emotionIn: ['upset'] }, set: { level: 'L2' } },
      // I2 (004) categories by keyword.
      {
        id: 'cat-defect',
        when: {
          keywordsAny: [
            '坏了',
            '故障',
            '质量',
            '损坏',
            '漏水',
            '漏电',
            '不工作',
            'broken',
            'defect',
            'faulty',
            'leak',
          ],
        },
        set: { category: 'product.defect' },
      },
      {
        id: 'cat-performance',
        when: { keywordsAny: ['慢', '卡顿', '性能', '耗电', 'slow', 'lag', 'performance'] },
        set: { category: 'product.performance' },
      },
      {
        id: 'cat-attitude',
        when: { keywordsAny: ['态度', '不耐烦', '没礼貌', 'rude', 'attitude', 'impolite'] },
        set: { category: 'service.attitude' },
      },
      {
        id: 'cat-process',
        when: { keywordsAny: ['流程', '效率', '排队', '等太久', '拖延', 'waiting', 'queue', 'delay'] },
        set: { category: 'service.process_efficiency' },
      },
      {
        id: 'cat-interface',
        when: { keywordsAny: ['界面', '页面', '操作复杂', 'interface', 'screen', 'confusing'] },
        set: { category: 'experience.interface' },
      },
      {
        id: 'cat-price',
        when: { keywordsAny: ['价格', '太贵', '收费', '退款', 'price', 'expensive', 'refund', 'charge'] },
        set: { category: 'experience.price' },
      },
    ],
    defaultCategoryByType: {
      consultation: 'general.inquiry',
      complaint: 'general.other',
      after_sales: 'service.after_sales',
      suggestion: 'product.feature_request',
      care: 'general.care',
    },
    defaultLevelByType: {
      consultation: 'L3',
      complaint: 'L2',
      after_sales: 'L2',
      suggestion: 'L3',
      care: 'L3',
    },
  },
};
