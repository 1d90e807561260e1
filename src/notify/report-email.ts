import type { MonthlyReportPayload } from './notification.ts';

/** The month-end report's e-mail: the figures in the body, the CSV attached, the link to the full report and its PDF. */
export function reportEmail(r: MonthlyReportPayload, publicBaseUrl: string): { subject: string; text: string; attachments: Array<{ filename: string; content: string; contentType: string }> } {
  const url = `${publicBaseUrl.replace(/\/$/, '')}${r.path}`;
  const lines = [
    `The hotline's report for ${r.month} / 热线 ${r.month} 月度报告`,
    '',
    ...r.lines,
    '',
    `Report / 报告: ${url}&format=html`,
    `PDF: ${url}&format=pdf`,
    '',
    '-- ',
    'Sent by the gas hotline after the month end. The figures are attached as CSV.',
  ];
  return {
    subject: `Hotline report ${r.month} / 热线月度报告 ${r.month}`,
    text: `${lines.join('\n')}\n`,
    attachments: [{ filename: `hotline-report-${r.month}.csv`, content: r.csv, contentType: 'text/csv; charset=utf-8' }],
  };
}
