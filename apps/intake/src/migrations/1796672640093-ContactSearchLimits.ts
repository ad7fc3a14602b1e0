import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * X1, X2: searches by contact or external id are limited per user across replicas (the counter table) and
 * open only to the roles in the `privacy` document's new `contactSearch` part. Seeded: admins, supervisors and
 * agents (analysts left out), 100 searches per user per hour. The values are frozen here.
 */
export class ContactSearchLimits1796672640093 implements MigrationInterface {
  name = 'ContactSearchLimits1796672640093';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "intake"."contact_search_counters" ("user_id" uuid NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "searches" integer NOT NULL, CONSTRAINT "PK_contact_search_counters" PRIMARY KEY ("user_id"))',
    );
    const seed = { roles: ['admin', 'supervisor', 'agent'], limit: 100, windowSeconds: 3600 };
    // Keys already in the document win (an admin's value is never overwritten).
    await queryRunner.query(
      `UPDATE "intake"."settings" SET "value" = jsonb_build_object('contactSearch', $1::jsonb) || "value"
        WHERE "key" = 'privacy' AND NOT ("value" ? 'contactSearch')`,
      [JSON.stringify(seed)],
    );
    await queryRunner.query(
      `INSERT INTO "intake"."setting_revisions" ("key", "version", "value", "changed_at")
       SELECT s."key", coalesce((SELECT max(r."version") FROM "intake"."setting_revisions" r
                                  WHERE r."key" = s."key"), 0) + 1, s."value", now()
         FROM "intake"."settings" s
        WHERE s."key" = 'privacy'
          AND NOT EXISTS (SELECT 1 FROM "intake"."setting_revisions" r
                           WHERE r."key" = s."key" AND r."value" = s."value")`,
    );
  }

  down(): Promise<void> {
    throw new Error('ContactSearchLimits1796672640093 is not reversible: write a new migration');
  }
}
