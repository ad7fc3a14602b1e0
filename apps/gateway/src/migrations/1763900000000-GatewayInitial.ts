import type { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesUp } from '@closeloop/persistence';

/** Gateway's schema: messaging tables, staff users, settings. */
export class GatewayInitial1763900000000 implements MigrationInterface {
  name = 'GatewayInitial1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "gateway"`);
    for (const sql of messagingTablesUp('gateway')) await queryRunner.query(sql);
    await queryRunner.query(
      'CREATE TABLE "gateway"."settings" ("key" character varying(64) NOT NULL, "value" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_by" uuid, CONSTRAINT "PK_c8639b7626fa94ba8265628f214" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE TABLE "gateway"."users" ("id" uuid NOT NULL, "email" character varying(254) NOT NULL, "display_name" character varying(100) NOT NULL, "password_hash" text NOT NULL, "roles" text array NOT NULL, "departments" text array NOT NULL DEFAULT \'{}\', "stores" text array NOT NULL DEFAULT \'{}\', "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "users_email_uq" ON "gateway"."users"  ("email") ');
  }

  down(): Promise<void> {
    throw new Error('GatewayInitial is not reversible: restore from backup');
  }
}
