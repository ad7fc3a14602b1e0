import type { MigrationInterface, QueryRunner } from 'typeorm';

const REFERRING = [
  { table: 'customer_contacts', constraint: 'customer_contacts_customer_fk' },
  { table: 'customer_external_ids', constraint: 'customer_external_ids_customer_fk' },
];

/**
 * Contacts and external ids still must name an existing customer, but the check runs once per statement
 * instead of once per row (decision 0016). A foreign key checks each new row with its own small query
 * (executor start, index probe, row lock, executor end): at 1,000,000 imported customers that was a third
 * of Postgres's time, about 24 µs per customer. The statement trigger probes the same primary key for
 * every new or changed row, in one query over the statement's transition table, and refuses the statement
 * with SQLSTATE 23503 (foreign_key_violation) as the foreign key did.
 * ON DELETE CASCADE stays, as a statement trigger on customers. What the foreign key did that this does not:
 * lock the customer row (FOR KEY SHARE) until commit. Customers are never deleted by the application
 * (erasure anonymises them, a merge keeps both rows), so no concurrent delete can race a new contact.
 */
export class StatementCustomerReferences1796180000000 implements MigrationInterface {
  name = 'StatementCustomerReferences1796180000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // OFFSET 0 keeps the NOT EXISTS a probe per row: without it the planner may join the transition table
    // (no statistics) with a scan of every customer, once per statement.
    await queryRunner.query(
      `CREATE FUNCTION "intake"."require_customers"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (
              SELECT 1 FROM "intake"."customers" c WHERE c.id = n.customer_id OFFSET 0)) THEN
           RAISE EXCEPTION 'insert or update on table "%" names a customer that does not exist', TG_TABLE_NAME
             USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
         END IF;
         RETURN NULL;
       END $$`,
    );
    for (const { table, constraint } of REFERRING) {
      await queryRunner.query(`ALTER TABLE "intake"."${table}" DROP CONSTRAINT "${constraint}"`);
      for (const event of ['INSERT', 'UPDATE']) {
        await queryRunner.query(
          `CREATE TRIGGER "${table}_customer_${event.toLowerCase()}" AFTER ${event} ON "intake"."${table}"
             REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "intake"."require_customers"()`,
        );
      }
    }
    await queryRunner.query(
      `CREATE FUNCTION "intake"."delete_customer_references"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         ${REFERRING.map(({ table }) => `DELETE FROM "intake"."${table}" WHERE customer_id IN (SELECT id FROM gone);`).join('\n         ')}
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "customers_delete_references" AFTER DELETE ON "intake"."customers"
         REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "intake"."delete_customer_references"()`,
    );
  }

  down(): Promise<void> {
    throw new Error('StatementCustomerReferences1796180000000 is not reversible: write a new migration');
  }
}
