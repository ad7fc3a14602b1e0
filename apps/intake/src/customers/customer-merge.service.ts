import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  CustomerEvents,
  DomainError,
  type DuplicateCandidateView,
  type DuplicatesRequest,
  type MergeCustomerRequest,
  type MergedView,
} from '@closeloop/contracts';
import { AuditRepository } from '../audit/audit.repository';
import { SegmentService } from '../segments/segment.service';
import { maySee, READ_ROLES, requireRole, SUPERVISING_ROLES } from './customer-access';
import { CustomerMergeRepository } from './customer-merge.repository';
import { personalFields } from './customer.presenter';
import { CustomerRepository } from './customer.repository';
import { CustomersService } from './customers.service';
import { PiiCipher, type PiiColumn } from './pii-cipher';

const log = createLogger('customer-merge');

/**
 * I5: duplicates are detected (same name and store, same ID number, the same external id from two partner
 * systems) and merged by a supervisor. The duplicate's contacts, external ids, orders, feedback, consents
 * and figures move to the survivor; the duplicate stays as a tombstone that resolves to the survivor, so
 * every id ever handed out keeps working. `customer.merged.v1` tells other services to re-point their copies.
 */
@Injectable()
export class CustomerMergeService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly customers: CustomerRepository,
    private readonly merges: CustomerMergeRepository,
    private readonly reader: CustomersService,
    private readonly audit: AuditRepository,
    private readonly segments: SegmentService,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
  ) {}

  async duplicates(request: DuplicatesRequest): Promise<DuplicateCandidateView[]> {
    requireRole(request.caller, READ_ROLES);
    const id = await this.customers.resolve(request.id);
    this.reader.requireVisible(request.caller, await this.customers.load(id));
    const candidates = await this.merges.candidates(id);
    const visible = await this.customers.loadMany(candidates.map((c) => c.id));
    return candidates.filter((c) => visible.some((v) => v.id === c.id && maySee(request.caller, v)));
  }

  async merge(request: MergeCustomerRequest): Promise<MergedView> {
    const { caller } = request;
    requireRole(caller, SUPERVISING_ROLES);
    const survivorId = request.id;
    const mergedId = request.merge.duplicateId;
    if (survivorId === mergedId)
      throw new DomainError('CUSTOMER.MERGE_INVALID', 'a customer cannot be merged into itself');
    const mergedAt = new Date();
    const result = await this.unitOfWork.run(async (tx) => {
      // Both rows locked in id order (loadMany), like every writer that locks several customers.
      const [a, b] = await this.customers.loadMany([survivorId, mergedId], tx.manager, true);
      const survivor = [a, b].find((c) => c?.id === survivorId) ?? null;
      const duplicate = [a, b].find((c) => c?.id === mergedId) ?? null;
      if (duplicate?.mergedInto === survivorId) {
        // Already done (a retry): nothing changes.
        return {
          survivorId,
          mergedId,
          mergedAt: (await this.merges.mergedAt(tx.manager, mergedId)).toISOString(),
        };
      }
      this.reader.requireVisible(caller, survivor);
      this.reader.requireVisible(caller, duplicate);
      if (survivor!.mergedInto || duplicate!.mergedInto) {
        throw new DomainError(
          'CUSTOMER.MERGE_INVALID',
          'one of them was merged already: merge into its survivor',
        );
      }
      // The survivor takes the duplicate's name and ID number where it has none: each ciphertext is bound to
      // its row (decision 0017), so it is encrypted again for the survivor's row.
      const adopt = (column: PiiColumn, mine: string | null, theirs: string | null) =>
        mine !== null || theirs === null
          ? null
          : this.cipher.encrypt(this.cipher.decrypt(theirs, { column, rowId: duplicate!.id }), {
              column,
              rowId: survivor!.id,
            });
      await this.merges.move(tx.manager, duplicate!.id, survivor!.id, mergedAt, {
        nameEnc: adopt('customers.name_enc', survivor!.nameEnc, duplicate!.nameEnc),
        idNumberEnc: adopt('customers.id_number_enc', survivor!.idNumberEnc, duplicate!.idNumberEnc),
      });
      for (const [customer, fields] of [
        [survivor!, personalFields(duplicate!)],
        [duplicate!, personalFields(duplicate!)],
      ] as const) {
        await this.audit.write(tx.manager, {
          actor: caller.userId,
          action: 'customer.merged',
          customerId: customer.id,
          fields,
          reason: request.merge.reason,
        });
      }
      await this.segments.spendChanged(tx, [survivorId], mergedAt);
      await tx.publish(CustomerEvents.merged, { survivorId, mergedId, mergedAt: mergedAt.toISOString() });
      return { survivorId, mergedId, mergedAt: mergedAt.toISOString() };
    });
    log.info({ survivorId, mergedId }, 'customers merged');
    return result;
  }
}
