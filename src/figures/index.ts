import type { Feature, ServiceBase } from '../feature.ts';
import { FiguresRepository } from './figures-repository.ts';
import { MonthlyReports } from './monthly-reports.ts';
import { figuresRoutes } from './routes.ts';

export interface Figures extends Feature {
  reports: MonthlyReports;
}

/** The service standard's monthly figures and the monthly report (JSON, CSV, printable page, PDF). */
export function createFigures(base: Pick<ServiceBase, 'config' | 'db' | 'clock'>): Figures {
  const reports = new MonthlyReports({ repository: new FiguresRepository(base.db.pool), timeZone: base.config.calendar.timezone, clock: base.clock });
  return {
    name: 'figures',
    reports,
    routes: (app) => figuresRoutes(app, reports),
  };
}
