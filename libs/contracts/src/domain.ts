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
