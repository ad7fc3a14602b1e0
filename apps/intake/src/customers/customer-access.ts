import { DomainError, hasRole, type Caller, type Role } from '@closeloop/contracts';

/** Roles that may read (masked) customer records and search them. */
export const READ_ROLES: Role[] = ['admin', 'supervisor', 'agent', 'analyst'];
/** Roles that may register customers and change them (contacts, consent, store). */
export const WRITE_ROLES: Role[] = ['admin', 'supervisor', 'agent'];
/** Roles that may erase a customer on request, or merge duplicates. */
export const SUPERVISING_ROLES: Role[] = ['admin', 'supervisor'];

export function requireRole(caller: Caller, roles: Role[]): void {
  if (!hasRole(caller, ...roles)) {
    throw new DomainError('FORBIDDEN', `this needs one of the roles: ${roles.join(', ')}`);
  }
}

/**
 * X1 store scoping: a caller whose token lists stores (a store's own staff) sees the customers of those
 * stores and the customers no store owns (they came in through the central hotline, the web, ...); a caller
 * with no stores (the central call center) and admins see every customer. Null means "every store".
 */
export function storeScope(caller: Caller): string[] | null {
  if (hasRole(caller, 'admin') || caller.stores.length === 0) return null;
  return caller.stores;
}

export function maySee(caller: Caller, customer: { storeId: string | null }): boolean {
  const scope = storeScope(caller);
  return scope === null || customer.storeId === null || scope.includes(customer.storeId);
}

/** A store-scoped caller may only put customers into their own stores. */
export function requireStoreInScope(caller: Caller, storeId: string | null | undefined, field: string): void {
  const scope = storeScope(caller);
  if (scope !== null && storeId && !scope.includes(storeId)) {
    throw new DomainError('FORBIDDEN', `${field} ${storeId} is not one of your stores`);
  }
}
