/** Vocabulary shared by every service and partner. Values are part of the public contract: never rename one. */

/** I1 channels. */
export const CHANNELS = [
  'phone',
  'hotline',
  'chat',
  'email',
  'app',
  'web_form',
  'wechat',
  'weibo',
  'ecommerce_review',
  'store_comment_book',
  'onsite_staff',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** I2 request types. */
export const FEEDBACK_TYPES = ['consultation', 'complaint', 'after_sales', 'suggestion', 'care'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/** R1 levels. */
export const LEVELS = ['L1', 'L2', 'L3'] as const;
export type Level = (typeof LEVELS)[number];

/** I2 the customer's emotion. */
export const EMOTIONS = ['satisfied', 'neutral', 'upset'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** R6 ticket states. */
export const TICKET_STATUSES = [
  'new',
  'classified',
  'assigned',
  'in_progress',
  'resolved',
  'confirmed',
  'archived',
  'reopened',
  'closed',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** G1 customer segments. */
export const SEGMENTS = ['new', 'potential', 'high_value', 'churn_risk'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** A category is `<group>.<name>` (I2: product.defect, service.attitude, experience.price ...). */
export const CATEGORY_PATTERN = /^[a-z][a-z_]*\.[a-z][a-z_]*$/;

/** I3: `YYYYMMDD` + a daily sequence of at least 4 digits. */
export const TICKET_NO_PATTERN = /^\d{8}\d{4,}$/;

/** X1 consent purposes a customer can give or withdraw. */
export const CONSENT_PURPOSES = ['callbacks', 'marketing', 'partner_sharing'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** How a consent was given or withdrawn. */
export const CONSENT_CHANNELS = [
  'phone',
  'sms',
  'email',
  'web_form',
  'app',
  'wechat',
  'paper',
  'in_store',
  'import',
] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

export const CUSTOMER_KINDS = ['person', 'company'] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];

/** A partner system's name in external ids (`crm`, `erp`, `tmall`...); `default` when none is given. */
export const EXTERNAL_SOURCE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
