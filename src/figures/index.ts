import type { Feature, ServiceBase } from '../feature.ts';
import type { Notify } from '../notify/index.ts';
import { FiguresRepository } from './figures-repository.ts';
import { MonthEnd, monthEndWorker } from './month-end.ts';
import { MonthlyReports } from './monthly-reports.ts';
import { figuresRoutes } from './routes.ts';

export interface Figures extends Feature {
  reports: MonthlyReports;
  monthEnd: MonthEnd | null;
}

/**
 * The service standard's monthly figures and the monthly report (JSON, CSV,
 * printable page, PDF); with the notify feature, the report after each month
 * end to the supervisors (reports.monthly).
 */
export function createFigures(base: Pick<ServiceBase, 'config' | 'db' | 'clock' | 'log'>, uses: { notify?: Pick<Notify, 'notify'> } = {}): Figures {
  const { config, db, clock } = base;
  const timeZone = config.calendar.timezone;
  const reports = new MonthlyReports({ repository: new FiguresRepository(db.pool), timeZone, clock });
  const settings = config.reports.monthly;
  const log = base.log.child({ component: 'month-end report' });
  const notify = uses.notify;
  const monthEnd = notify && settings.enabled
    ? new MonthEnd({
        pool: db.pool, reports, node: config.node.id, timeZone, to: settings.to, log,
        send: (report, client) => notify.notify({ event: 'report.monthly', report }, client),
      })
    : null;
  return {
    name: 'figures',
    reports,
    monthEnd,
    routes: (app) => figuresRoutes(app, reports),
    workers: monthEnd ? [monthEndWorker(monthEnd, { schedule: settings.schedule, timezone: timeZone, now: () => clock.now(), whenReady: db.ready, log })] : [],
  };
}
