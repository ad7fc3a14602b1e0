import { SetMetadata } from '@nestjs/common';
import type { Role } from '@closeloop/contracts';

export const ROLES = 'closeloop:roles';

export { IS_PUBLIC, Public } from '@closeloop/runtime';

/** Only these roles may call the route (403 otherwise). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
