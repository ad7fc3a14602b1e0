import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes on columns most customers leave empty (ID number, merge pointer, create Idempotency-Key; names on
 * contact-only customers) become partial: rows without a value get no index entry, which a bulk import of a
 * million customers pays for otherwise (docs/benchmarks.md, bench/import).
 */
export class PartialCustomerIndexes1796158651296 implements MigrationInterface {
  name = 'PartialCustomerIndexes1796158651296';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const name of [
      'customers_name_store_idx',
      'customers_id_number_idx',
      'customers_merged_into_idx',
      'customers_idempotency_key_uq',
    ]) {
      await queryRunner.query(`DROP INDEX "intake"."${name}"`);
    }
    await queryRunner.query(
      'CREATE INDEX "customers_name_store_idx" ON "intake"."customers" ("name_hash", "store_id") WHERE "name_hash" IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_id_number_idx" ON "intake"."customers" ("id_number_hash") WHERE "id_number_hash" IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "customers_merged_into_idx" ON "intake"."customers" ("merged_into") WHERE "merged_into" IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "customers_idempotency_key_uq" ON "intake"."customers" ("idempotency_key") WHERE "idempotency_key" IS NOT NULL',
    );
  }

  down(): Promise<void> {
    throw new Error('PartialCustomerIndexes1796158651296 is not reversible: write a new migration');
  }
}
