import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The statement-level reference check of contacts and external ids (StatementCustomerReferences, decision
 * 0016) now locks each customer it finds FOR KEY SHARE until commit, as a foreign key does (decision 0017).
 * Without the lock, a DELETE of the customer by a concurrent transaction could commit between the check and
 * the commit of the new contact: the delete's cascade does not see the uncommitted contact, the check saw
 * the not yet deleted customer, and the contact is left pointing at nothing. With it, the DELETE waits for
 * the inserting transaction (and its cascade then sees the contact), or the check waits for the DELETE and,
 * the customer gone, refuses the statement (23503). customer-references.int-spec.ts plays both orders.
 * Each customer is locked once per statement (DISTINCT), and the locking subquery stays a probe per row
 * (a sub-select with a locking clause is never turned into a join).
 */
export class LockingCustomerReferences1796190000000 implements MigrationInterface {
  name = 'LockingCustomerReferences1796190000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION "intake"."require_customers"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM (SELECT DISTINCT customer_id FROM new_rows) n WHERE NOT EXISTS (
              SELECT 1 FROM "intake"."customers" c WHERE c.id = n.customer_id FOR KEY SHARE)) THEN
           RAISE EXCEPTION 'insert or update on table "%" names a customer that does not exist', TG_TABLE_NAME
             USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
         END IF;
         RETURN NULL;
       END $$`,
    );
  }

  down(): Promise<void> {
    throw new Error('LockingCustomerReferences1796190000000 is not reversible: write a new migration');
  }
}
