import { SetMetadata } from '@nestjs/common';
import type { Role } from '@closeloop/contracts';

export const ROLES = 'closeloop:roles';
export const LOGIN_THROTTLE = 'closeloop:login-throttle';

export { IS_PUBLIC, Public } from '@closeloop/runtime';

/** Only these roles may call the route (403 otherwise). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** The stricter per-IP limit for password attempts applies. */
export const LoginThrottle = () => SetMetadata(LOGIN_THROTTLE, true);
