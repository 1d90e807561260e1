import type { Feature, ServiceBase } from '../feature.ts';
import { AuthService } from './auth-service.ts';
import { authRoutes } from './routes.ts';
import { staffRoutes } from './staff-routes.ts';

export interface Auth extends Feature {
  /** Checks bearer tokens for the HTTP API (the service token works without the database). */
  service: AuthService;
}

/** Staff accounts, logins and API tokens, and their routes. */
export function createAuth(base: Pick<ServiceBase, 'db' | 'log'>, serviceToken: string): Auth {
  const service = new AuthService({ db: base.db.pool, log: base.log.child({ component: 'auth' }), serviceToken, ready: base.db.ready });
  return {
    name: 'auth',
    service,
    routes: async (app) => {
      await authRoutes(app, service);
      await staffRoutes(app, service);
    },
  };
}
