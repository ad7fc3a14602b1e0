import type { MigrationInterface, QueryRunner } from 'typeorm';
import { defaultChinaCalendar } from '@closeloop/calendar';

const calendarTime = (minutes: number) => ({ clock: 'calendar', minutes });
const R5_PROGRESS = calendarTime(24 * 60); // R5 (002): update the customer every 24 h until resolved.

/**
 * Feedback channels where customers write rather than talk to us: 004's feedback policy covers their
 * general (L3) messages. Live channels (phone, hotline, chat, WeChat, on-site staff) keep 001's table.
 */
const WRITTEN_CHANNELS = ['email', 'app', 'web_form', 'weibo', 'ecommerce_review', 'store_comment_book'];

/**
 * Seeded SLA policies (rules.md R1), frozen here as data: later edits go through the settings API, never
 * through this file. First match wins, so the narrow 004 policies come before 001's catch-all table; they
 * only match L3, so urgent and important tickets always get 001's minutes (docs/sla.md explains the order).
 */
export const SLA_SEED_V1 = {
  dueSoonMinutes: 15,
  policies: [
    {
      id: 'feedback-complex',
      description: '004 complex feedback (complaint): respond 48 h, resolve in 5 working days',
      match: { levels: ['L3'], types: ['complaint'], channels: WRITTEN_CHANNELS },
      calendar: 'default',
      targets: {
        L3: {
          firstResponse: calendarTime(48 * 60),
          plan: calendarTime(48 * 60),
          progressEvery: R5_PROGRESS,
          resolution: { clock: 'business', workingDays: 5 },
        },
      },
    },
    {
      id: 'feedback-ordinary',
      description: '004 ordinary feedback: respond 24 h, resolve 72 h',
      match: { levels: ['L3'], channels: WRITTEN_CHANNELS },
      calendar: 'default',
      targets: {
        L3: {
          firstResponse: calendarTime(24 * 60),
          plan: calendarTime(24 * 60),
          progressEvery: R5_PROGRESS,
          resolution: calendarTime(72 * 60),
        },
      },
    },
    {
      id: 'r1-default',
      description: '001 levels: L1 10 min / 2 h, L2 30 min / 4 h, L3 2 h / 24 h, calendar time',
      match: {},
      calendar: 'default',
      targets: {
        L1: { firstResponse: calendarTime(10), plan: calendarTime(120), progressEvery: R5_PROGRESS },
        L2: { firstResponse: calendarTime(30), plan: calendarTime(240), progressEvery: R5_PROGRESS },
        L3: { firstResponse: calendarTime(120), plan: calendarTime(1440), progressEvery: R5_PROGRESS },
      },
    },
  ],
};

/**
 * SLA engine data (issue 4): the R1 policies in their full model (both seeded defaults, per-metric clocks,
 * R5 progress, resolution), business calendars as settings (`default` = the China calendar), versioned
 * settings documents (ETag / If-Match), and the tickets' resolution and progress due times, indexed.
 */
export class SlaPoliciesAndCalendars1795419810702 implements MigrationInterface {
  name = 'SlaPoliciesAndCalendars1795419810702';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "routing"."setting_revisions" ("key" character varying(64) NOT NULL, "version" integer NOT NULL, "value" jsonb NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "changed_by" uuid, CONSTRAINT "PK_2a41045b447bbccff4ff92930fd" PRIMARY KEY ("key", "version"))',
    );
    // Nullable: tickets opened before this migration keep the due times they were promised (R2).
    await queryRunner.query('ALTER TABLE "routing"."tickets" ADD "due_resolution" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query(
      'ALTER TABLE "routing"."tickets" ADD "next_progress_due" TIMESTAMP WITH TIME ZONE',
    );
    await queryRunner.query(
      'CREATE INDEX "tickets_next_progress_due_idx" ON "routing"."tickets"  ("next_progress_due") ',
    );
    await queryRunner.query(
      'CREATE INDEX "tickets_due_resolution_idx" ON "routing"."tickets"  ("due_resolution") ',
    );
    // The first seed (RoutingInitial) had no API to change it, so it is replaced outright.
    const calendar = { calendars: [{ ...defaultChinaCalendar(), id: 'default' }] };
    for (const [key, value] of [
      ['sla', SLA_SEED_V1],
      ['calendar', calendar],
    ] as const) {
      await queryRunner.query(
        `INSERT INTO "routing"."settings" ("key", "value") VALUES ($1, $2)
         ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now(), "updated_by" = NULL`,
        [key, JSON.stringify(value)],
      );
      await queryRunner.query(
        `INSERT INTO "routing"."setting_revisions" ("key", "version", "value", "changed_at") VALUES ($1, 1, $2, now())`,
        [key, JSON.stringify(value)],
      );
    }
  }

  down(): Promise<void> {
    throw new Error(
      'SlaPoliciesAndCalendars1795419810702 is not reversible: restore from backup or write a new migration',
    );
  }
}
