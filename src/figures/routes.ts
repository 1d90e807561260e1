import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../http/auth.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { MonthlyReports } from './monthly-reports.ts';

const tags = ['figures'];

const MonthQuery = Type.Object(
  {
    month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'calendar month in the hotline time zone, YYYY-MM' }),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html'), Type.Literal('pdf')], { default: 'json' })),
  },
  { additionalProperties: false },
);

/**
 * The service standard's figures for a month, and the monthly report in
 * JSON, CSV, a printable page and PDF. Supervisors and admins: the figures
 * describe the whole team's work.
 */
export async function figuresRoutes(app: FastifyInstance, reports: MonthlyReports): Promise<void> {
  app.get<{ Querystring: Static<typeof MonthQuery> }>(
    '/api/figures/monthly',
    {
      preHandler: requireRole('supervisor'),
      schema: { tags, summary: "A month's figures (KPI-01…09, CB-04, the emergency line) with numerators, denominators, targets and the daily series", querystring: MonthQuery, response: { 400: ErrorSchema } },
    },
    async (req) => reports.figures(req.query.month),
  );

  app.get<{ Querystring: Static<typeof MonthQuery> }>(
    '/api/reports/monthly',
    {
      preHandler: requireRole('supervisor'),
      schema: { tags, summary: 'The monthly report (CB-03, RPT-01): format json (default), csv, html (printable) or pdf', querystring: MonthQuery, response: { 400: ErrorSchema } },
    },
    async (req, reply) => {
      const { month, format = 'json' } = req.query;
      const file = `hotline-report-${month}`;
      switch (format) {
        case 'csv':
          return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}.csv"`).send(await reports.csv(month));
        case 'html':
          return reply.type('text/html; charset=utf-8').send(await reports.html(month));
        case 'pdf':
          return reply.type('application/pdf').header('content-disposition', `attachment; filename="${file}.pdf"`).send(await reports.pdf(month));
        default:
          return reports.figures(month);
      }
    },
  );
}
