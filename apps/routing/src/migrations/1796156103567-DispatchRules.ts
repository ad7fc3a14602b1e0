import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R3 dispatch, seeded as settings data (`GET|PUT /api/v1/settings/dispatch`). Frozen here: later edits go
 * through the settings API. R3 names four flows (technical problem, after-sales, billing, service); the I2
 * categories intake classifies into are mapped onto them (docs/org-and-dispatch.md explains each line).
 * The departments are the four the gateway's OrgDirectory migration seeds.
 */
export const DISPATCH_SEED_V1 = {
  rules: [
    {
      id: 'after-sales-requests',
      description: 'R3 after-sales: the customer asked for after-sales service, whatever the category',
      match: { types: ['after_sales'] },
      department: 'after-sales',
    },
    {
      id: 'after-sales',
      description: 'R3 after-sales: the after-sales part of service complaints',
      match: { categories: ['service.after_sales'] },
      department: 'after-sales',
    },
    {
      id: 'billing',
      description: 'R3 billing -> finance: price perception, charges and refunds',
      match: { categories: ['experience.price'] },
      department: 'finance',
    },
    {
      id: 'technical',
      description: 'R3 technical problem -> technical support: defects, performance, interface',
      match: { categories: ['product.defect', 'product.performance', 'experience.interface'] },
      department: 'technical-support',
    },
    {
      id: 'service',
      description: 'R3 service -> customer service: attitude, process, convenience, suggestions, general',
      match: {
        categories: ['service.*', 'experience.convenience', 'product.feature_request', 'general.*'],
      },
      department: 'customer-service',
    },
  ],
  fallbackDepartment: 'customer-service',
};

export class DispatchRules1796156103567 implements MigrationInterface {
  name = 'DispatchRules1796156103567';

  async up(queryRunner: QueryRunner): Promise<void> {
    const value = JSON.stringify(DISPATCH_SEED_V1);
    await queryRunner.query(`INSERT INTO "routing"."settings" ("key", "value") VALUES ('dispatch', $1)`, [
      value,
    ]);
    await queryRunner.query(
      `INSERT INTO "routing"."setting_revisions" ("key", "version", "value", "changed_at") VALUES ('dispatch', 1, $1, now())`,
      [value],
    );
  }

  down(): Promise<void> {
    throw new Error(
      'DispatchRules1796156103567 is not reversible: restore from backup or write a new migration',
    );
  }
}
