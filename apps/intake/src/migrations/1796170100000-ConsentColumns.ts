import type { MigrationInterface, QueryRunner } from 'typeorm';

const PURPOSES = ['callbacks', 'marketing', 'partner_sharing'];

/**
 * X1 consents move onto the customer row, four columns per purpose (decision 0012): one answer per purpose
 * and customer, and a row of its own cost a bulk import two heap rows, two index entries and two foreign key
 * checks per customer. The answers recorded so far are copied, then the table goes.
 */
export class ConsentColumns1796170100000 implements MigrationInterface {
  name = 'ConsentColumns1796170100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const purpose of PURPOSES) {
      await queryRunner.query(
        `ALTER TABLE "intake"."customers" ADD "consent_${purpose}" boolean,
           ADD "consent_${purpose}_channel" character varying(32),
           ADD "consent_${purpose}_at" TIMESTAMP WITH TIME ZONE,
           ADD "consent_${purpose}_by" uuid`,
      );
      await queryRunner.query(
        `UPDATE "intake"."customers" c SET "consent_${purpose}" = k.granted,
           "consent_${purpose}_channel" = k.channel, "consent_${purpose}_at" = k.given_at,
           "consent_${purpose}_by" = k.recorded_by
         FROM "intake"."customer_consents" k WHERE k.customer_id = c.id AND k.purpose = $1`,
        [purpose],
      );
    }
    await queryRunner.query(`DROP TABLE "intake"."customer_consents"`);
  }

  down(): Promise<void> {
    throw new Error('ConsentColumns1796170100000 is not reversible: write a new migration');
  }
}
