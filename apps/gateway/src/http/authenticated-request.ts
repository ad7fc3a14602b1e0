import type { FastifyRequest } from 'fastify';
import type { Caller } from '@closeloop/contracts';

/**
 * A request once the AuthGuard has run: its caller, absent on public routes. Here rather than in auth/, so
 * the http folder (which every controller uses) does not import auth, which imports org and users.
 */
export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };
