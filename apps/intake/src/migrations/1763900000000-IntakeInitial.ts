import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesUp } from '@closeloop/persistence';
import { SEEDED_INTAKE_SETTINGS } from '../settings/intake-settings';

/** Intake's schema: messaging tables, customers (minimal, I5), feedback (I2, I6), ticket counters (I3), settings. */
export class IntakeInitial1763900000000 implements MigrationInterface {
  name = 'IntakeInitial1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "intake"`);
    for (const sql of messagingTablesUp('intake')) await queryRunner.query(sql);
    await queryRunner.query(
      'CREATE TABLE "intake"."settings" ("key" character varying(64) NOT NULL, "value" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_by" uuid, CONSTRAINT "PK_c8639b7626fa94ba8265628f214" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."feedback" ("id" uuid NOT NULL, "ticket_no" character varying(32) NOT NULL, "business_date" date NOT NULL, "channel" character varying(32) NOT NULL, "channel_message_id" character varying(128), "idempotency_key" character varying(128), "request_hash" character(64) NOT NULL, "customer_id" uuid, "type" character varying(16) NOT NULL, "category" character varying(64) NOT NULL, "level" character varying(2) NOT NULL, "emotion" character varying(16), "description" text NOT NULL, "customer_request" text, "expected_by" TIMESTAMP WITH TIME ZONE, "store_id" character varying(64), "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "classified_by" text array NOT NULL, "created_by" uuid NOT NULL, "reply" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8389f9e087a57689cd5be8b2b13" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "feedback_customer_idx" ON "intake"."feedback"  ("customer_id", "received_at") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "feedback_channel_message_uq" ON "intake"."feedback"  ("channel", "channel_message_id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "feedback_idempotency_key_uq" ON "intake"."feedback"  ("idempotency_key") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "feedback_ticket_no_uq" ON "intake"."feedback"  ("ticket_no") ',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."customers" ("id" uuid NOT NULL, "kind" character varying(16) NOT NULL DEFAULT \'person\', "name_enc" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_133ec679a801fab5e070f73d3ea" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."customer_contacts" ("id" uuid NOT NULL, "customer_id" uuid NOT NULL, "kind" character varying(8) NOT NULL, "value_hash" character(64) NOT NULL, "value_enc" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bde619dbcb45a3e4d542e137bd3" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "customer_contacts_customer_idx" ON "intake"."customer_contacts"  ("customer_id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "customer_contacts_lookup_uq" ON "intake"."customer_contacts"  ("kind", "value_hash") ',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."customer_external_ids" ("source" character varying(32) NOT NULL, "external_id" character varying(64) NOT NULL, "customer_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_37b12e26517224375a1af39bace" PRIMARY KEY ("source", "external_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "customer_external_ids_customer_idx" ON "intake"."customer_external_ids"  ("customer_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "intake"."ticket_counters" ("business_date" date NOT NULL, "last_value" integer NOT NULL, CONSTRAINT "PK_74246529b8d285fb6dec965a9fd" PRIMARY KEY ("business_date"))',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."customer_contacts" ADD CONSTRAINT "customer_contacts_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "intake"."customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "intake"."customer_external_ids" ADD CONSTRAINT "customer_external_ids_customer_fk" FOREIGN KEY ("customer_id") REFERENCES "intake"."customers"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    // Seeded defaults from rules.md; later changes come through the settings API or a new migration.
    for (const [key, value] of Object.entries(SEEDED_INTAKE_SETTINGS)) {
      await queryRunner.query(`INSERT INTO "intake"."settings" ("key", "value") VALUES ($1, $2)`, [
        key,
        JSON.stringify(value),
      ]);
    }
  }

  down(): Promise<void> {
    throw new Error('IntakeInitial is not reversible: restore from backup');
  }
}
