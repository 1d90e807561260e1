import { maskNumber } from '../../src/logging/mask.ts';
import type { Attempt, Job } from '../../src/outbound/job.ts';

/** A callback job as GET /api/callbacks/:id returns it. */
export type JobView = Job & { attemptList: Attempt[] };

/** A readable account of a callback job: what it is, where it stands, each attempt with what was keyed. */
export function printJob(job: JobView, timeZone: string): string {
  const local = (iso: string) => new Date(iso).toLocaleString('sv-SE', { timeZone });
  const lines = [
    `${job.kind} job ${job.id} to ${maskNumber(job.number)}${job.ticketId ? ` (ticket ${job.ticketId})` : ''}`,
    `status:  ${job.status}${job.result ? `, result ${job.result}` : ''}${Object.keys(job.resultDetail).length > 0 ? ` ${JSON.stringify(job.resultDetail)}` : ''}`,
  ];
  if (job.status === 'pending') lines.push(`next:    due ${local(job.dueAt)} (${timeZone}), attempt ${job.attempts + 1} of ${job.maxAttempts}`);
  for (const a of job.attemptList) {
    const answered = a.answeredAt ? `, answered ${((Date.parse(a.answeredAt) - Date.parse(a.startedAt)) / 1000).toFixed(1)} s after the dial` : '';
    const keyed = Object.keys(a.answers).length > 0 ? `, keyed ${JSON.stringify(a.answers)}` : '';
    lines.push(`attempt ${a.attempt} at ${local(a.startedAt)}: ${a.outcome ?? a.state}${a.cause !== null ? ` (cause ${a.cause})` : ''}${answered}${keyed}`);
  }
  return `${lines.join('\n')}\n`;
}
