import type { Clock } from '../time/clock.ts';
import type { FiguresRepository } from './figures-repository.ts';
import { computeFigures, type MonthlyFigures } from './kpi.ts';
import { parseMonth } from './month.ts';
import { htmlToPdf } from './pdf.ts';
import { reportCsv, reportHtml } from './report.ts';

/** A month's figures from the database, and the report made of them in each form. */
export class MonthlyReports {
  constructor(private readonly o: { repository: FiguresRepository; timeZone: string; clock: Clock }) {}

  async figures(month: string): Promise<MonthlyFigures> {
    const m = parseMonth(month, this.o.timeZone);
    return computeFigures(m, await this.o.repository.month(m));
  }

  async csv(month: string): Promise<string> {
    return reportCsv(await this.figures(month));
  }

  async html(month: string): Promise<string> {
    return reportHtml(await this.figures(month), this.o.clock.now());
  }

  async pdf(month: string): Promise<Buffer> {
    return htmlToPdf(await this.html(month));
  }
}
