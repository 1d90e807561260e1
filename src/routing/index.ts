import type { Feature, ServiceBase } from '../feature.ts';
import { calendarDecisions, type CalendarSource } from './decisions.ts';
import { OverrideRepository } from './override-repository.ts';
import { OverrideService } from './override-service.ts';
import { routingRoutes } from './routes.ts';

export interface Routing extends Feature {
  /** The supervisor's day/night switch. */
  overrides: OverrideService;
}

/**
 * Where calls go by calendar: the decisions flows branch on (service hours,
 * greeting, closing), the day/night switch and its API.
 */
export function createRouting(base: Pick<ServiceBase, 'config' | 'clock' | 'log' | 'db'>, uses: { calendar?: CalendarSource } = {}): Routing {
  const { config, clock, db } = base;
  // The configured calendar with the days staff maintain (calendar-days), when given.
  const calendar = uses.calendar ?? config.calendar;
  const overrides = new OverrideService(new OverrideRepository(db.pool), clock, base.log.child({ component: 'override' }));
  // Read the switch as soon as the database allows, before the first call needs it.
  void db.ready.then(() => overrides.refresh(), () => undefined);
  return {
    name: 'routing',
    overrides,
    decisions: calendarDecisions(calendar, () => overrides.current()),
    routes: (app) => routingRoutes(app, { calendar, clock, overrides }),
    workers: [{ name: 'day/night switch', start: () => overrides.startPolling(), stop: async () => overrides.stop() }],
  };
}
