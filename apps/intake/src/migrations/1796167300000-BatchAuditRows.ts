import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * X2 for bulk imports: one audit row per written batch names the import and lists the customers it created
 * or added to (`customer_ids`), instead of one row per customer (decision 0010). The GIN index lets
 * `GET /api/v1/audit?customerId=X` find those rows as fast as the per-customer ones.
 */
export class BatchAuditRows1796167300000 implements MigrationInterface {
  name = 'BatchAuditRows1796167300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "intake"."audit_log" ADD "import_id" uuid');
    await queryRunner.query('ALTER TABLE "intake"."audit_log" ADD "customer_ids" uuid array');
    await queryRunner.query(
      'CREATE INDEX "audit_log_customer_ids_idx" ON "intake"."audit_log" USING gin ("customer_ids")',
    );
  }

  down(): Promise<void> {
    throw new Error('BatchAuditRows1796167300000 is not reversible: write a new migration');
  }
}
