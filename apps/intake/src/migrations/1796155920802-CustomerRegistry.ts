import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * I5, G1, X1: the customer registry (store, account manager, ID number, consents, merge and segment columns,
 * version for If-Match), orders, per-customer figures, the spend cut, scheduled jobs, and versioned intake
 * settings. Seeded documents (`segments`, `retention`) are frozen here, from rules.md G1/G2.
 */
export class CustomerRegistry1796155920802 implements MigrationInterface {
  name = 'CustomerRegistry1796155920802';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "intake"."setting_revisions" ("key" character varying(64) NOT NULL, "version" integer NOT NULL, "value" jsonb NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "changed_by" uuid, CONSTRAINT "PK_2a41045b447bbccff4ff92930fd" PRIMARY KEY ("key", "version"))',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."customer_consents" ("customer_id" uuid NOT NULL, "purpose" character varying(32) NOT NULL, "granted" boolean NOT NULL, "channel" character varying(32) NOT NULL, "given_at" TIMESTAMP WITH TIME ZONE NOT NULL, "recorded_by" uuid, CONSTRAINT "PK_d857c836dfac89ed902d92f89a2" PRIMARY KEY ("customer_id", "purpose"))',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."customer_activity" ("customer_id" uuid NOT NULL, "orders_count" integer NOT NULL DEFAULT \'0\', "annual_spend_fen" bigint NOT NULL DEFAULT \'0\', "total_spend_fen" bigint NOT NULL DEFAULT \'0\', "first_order_at" TIMESTAMP WITH TIME ZONE, "last_order_at" TIMESTAMP WITH TIME ZONE, "previous_year_spend_fen" bigint NOT NULL DEFAULT \'0\', "tickets_count" integer NOT NULL DEFAULT \'0\', "complaints_count" integer NOT NULL DEFAULT \'0\', "objections_count" integer NOT NULL DEFAULT \'0\', "last_objection_at" TIMESTAMP WITH TIME ZONE, "satisfaction" smallint, "satisfaction_at" TIMESTAMP WITH TIME ZONE, "callbacks_count" integer NOT NULL DEFAULT \'0\', "last_interaction_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c4b9caf1c0e0806038a9d79423f" PRIMARY KEY ("customer_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "customer_activity_annual_spend_idx" ON "intake"."customer_activity"  ("annual_spend_fen") ',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."orders" ("id" uuid NOT NULL, "customer_id" uuid NOT NULL, "external_order_id" character varying(64) NOT NULL, "amount_fen" bigint NOT NULL, "product_line" character varying(64), "store_id" character varying(64), "ordered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "delivered_at" TIMESTAMP WITH TIME ZONE, "installed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid, CONSTRAINT "PK_710e2d4957aa5878dfe94e4ac2f" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "orders_customer_idx" ON "intake"."orders"  ("customer_id", "ordered_at") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "orders_external_id_uq" ON "intake"."orders"  ("external_order_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."scheduled_jobs" ("name" character varying(64) NOT NULL, "next_run_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lease_until" TIMESTAMP WITH TIME ZONE, "last_started_at" TIMESTAMP WITH TIME ZONE, "last_finished_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "runs" integer NOT NULL DEFAULT \'0\', CONSTRAINT "PK_5c795bbd339d082a44c10f1bb4c" PRIMARY KEY ("name"))',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."segment_baseline" ("id" smallint NOT NULL, "spend_cut_fen" bigint, "customers_with_spend" integer NOT NULL, "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_607924e8f78d1a3e0d924bd2c18" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "name_hash" character(64)');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "id_number_enc" text');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "id_number_hash" character(64)');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "store_id" character varying(64)');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "account_manager_id" uuid');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "segment" character varying(16)');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "segment_since" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "merged_into" uuid');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "merged_at" TIMESTAMP WITH TIME ZONE');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "idempotency_key" character varying(128)');
    await queryRunner.query('ALTER TABLE "intake"."customers" ADD "version" integer NOT NULL DEFAULT \'1\'');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "customers_idempotency_key_uq" ON "intake"."customers"  ("idempotency_key") ',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_merged_into_idx" ON "intake"."customers"  ("merged_into") ',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_id_number_idx" ON "intake"."customers"  ("id_number_hash") ',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_name_store_idx" ON "intake"."customers"  ("name_hash", "store_id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_segment_idx" ON "intake"."customers"  ("segment", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_store_idx" ON "intake"."customers"  ("store_id", "id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."customer_consents" ADD CONSTRAINT "customer_consents_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "intake"."customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."customer_activity" ADD CONSTRAINT "customer_activity_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "intake"."customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."orders" ADD CONSTRAINT "orders_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "intake"."customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      `INSERT INTO "intake"."settings" ("key", "value") VALUES ('segments', $1), ('retention', $2)
       ON CONFLICT ("key") DO NOTHING`,
      [JSON.stringify(SEGMENTS_SEED), JSON.stringify(RETENTION_SEED)],
    );
    // Version 1 of each document an admin edits is the seed (or the value in place now).
    await queryRunner.query(
      `INSERT INTO "intake"."setting_revisions" ("key", "version", "value", "changed_at")
       SELECT "key", 1, "value", now() FROM "intake"."settings" WHERE "key" IN ('segments', 'retention', 'privacy')`,
    );
  }

  down(): Promise<void> {
    throw new Error(
      'CustomerRegistry1796155920802 is not reversible: restore from backup or write a new migration',
    );
  }
}

/** G1 thresholds and G2 targets (rules.md), potential's growth signals (docs/segments.md). */
const SEGMENTS_SEED = {
  newCustomerMonths: 3,
  highValue: { topSpendShare: 0.2, cooperationMonths: 12 },
  churnRisk: { inactiveMonths: 3, satisfactionBelow: 60, objectionWithinDays: 90 },
  potential: { recentOrderDays: 90, spendGrowthShare: 0.1, satisfactionAtLeast: 80 },
  spendRankMaxAgeSeconds: 300,
  nightly: { localTime: '02:30', timeZone: 'Asia/Shanghai' },
  targets: {
    newActivation30DaysShare: 0.8,
    highValueSatisfactionShare: 0.9,
    highValueRepurchaseGrowth: 0.15,
    churnRecoveryShare: 0.5,
  },
};

/** X1 retention (docs/privacy.md): two years of free text, five of audit, a week of import files. */
const RETENTION_SEED = {
  feedbackTextDays: 730,
  auditLogDays: 1825,
  importFilesDays: 7,
  inactiveCustomerDays: 0,
};
