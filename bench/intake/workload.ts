/**
 * The feedback bodies the bench sends: distinct phones and descriptions per request, a share of returning
 * customers (a phone already sent in this run), a mix of channels, types and emotions so the classifier's
 * rules and defaults all fire. Only node built-ins: the bare floor process uses it too.
 */

const CHANNELS = ['hotline', 'phone', 'chat', 'app', 'wechat', 'web_form', 'email'] as const;
const TYPES = ['complaint', 'complaint', 'after_sales', 'consultation', 'suggestion', 'care'] as const;
const EMOTIONS = [undefined, undefined, 'upset', 'neutral', 'satisfied'] as const;
const PHRASES = [
  '洗衣机用了一周就坏了，门打不开',
  '客服态度不耐烦，电话里直接挂断',
  'APP 页面太卡顿，下单要等很久',
  '门店排队等太久，流程效率太低',
  '上个月的收费有问题，希望退款',
  '热水器漏电，孩子差点触电，非常危险',
  '想咨询一下延保服务怎么购买',
  '建议增加夜间配送的选项',
  'The dishwasher is leaking and the screen is confusing',
  '物流配送比承诺的时间晚了三天',
];
// Mainland mobile prefixes libphonenumber accepts as valid.
const MOBILE_PREFIXES = ['139', '138', '137', '136', '135', '186', '188', '159'];

export interface FeedbackBody {
  channel: string;
  customer: { phone: string; name?: string };
  type: string;
  description: string;
  emotion?: string;
}

export class Workload {
  private readonly phones: string[] = [];
  private serial = 0;

  /**
   * @param returningShare share of requests (0..1) that reuse a phone already sent in this run
   * @param seed distinguishes the phone ranges of separate runs against one database
   */
  constructor(
    private readonly returningShare: number,
    private readonly seed = Math.floor(Math.random() * 1_000_000),
  ) {}

  next(): FeedbackBody {
    const n = this.serial++;
    const returning = this.phones.length > 0 && Math.random() < this.returningShare;
    const phone = returning ? this.phones[Math.floor(Math.random() * this.phones.length)] : this.newPhone(n);
    if (!returning) this.phones.push(phone);
    const body: FeedbackBody = {
      channel: CHANNELS[n % CHANNELS.length],
      customer: n % 3 === 0 ? { phone, name: `客户${n}` } : { phone },
      type: TYPES[n % TYPES.length],
      description: `${PHRASES[n % PHRASES.length]}（工单参考 ${this.seed}-${n}）`,
    };
    const emotion = EMOTIONS[n % EMOTIONS.length];
    if (emotion) body.emotion = emotion;
    return body;
  }

  /** Spreads distinct numbers over the 8-digit subscriber range; unique for 10^8 requests per prefix. */
  private newPhone(n: number): string {
    const prefix = MOBILE_PREFIXES[(this.seed + n) % MOBILE_PREFIXES.length];
    const subscriber = (this.seed * 7919 + n * 104_729) % 100_000_000;
    return `${prefix}${String(subscriber).padStart(8, '0')}`;
  }
}
