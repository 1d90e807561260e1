import type { TicketSummary } from './ticket-summary.ts';

/**
 * The plain-text e-mail for a new ticket. Labels are in English and Chinese
 * because the staff reading it work in Mandarin while the references, codes and
 * links are the same in both. The caller number is the masked one from the
 * summary (last 4 digits): the full number is only in the ticket, behind the
 * staff API.
 */
export interface TicketEmail {
  subject: string;
  text: string;
}

/** The e-mail of a new ticket, or of a reopened one when `reopenedBecause` is given. */
export function ticketEmail(s: TicketSummary, timeZone: string, reopenedBecause: string | null = null): TicketEmail {
  const local = localTime(timeZone);
  const levelText = s.level === null || s.level === undefined ? '-' : String(s.level);
  const rows: Array<[string, string]> = [
    ['Reference / 编号', s.reference],
    ['Category / 类别', s.category],
    ['Level / 等级', levelText],
    ['Deadline / 处理期限', local(s.deadline)],
    ['Language / 语言', s.language],
    ['Caller / 来电号码', s.callerMasked || '(unknown)'],
    ['Recording / 留言', s.recordingSeconds === null || s.recordingSeconds === undefined ? '-' : `${Math.round(s.recordingSeconds)} s`],
    ['Received / 受理时间', local(s.createdAt)],
  ];
  const width = Math.max(...rows.map(([label]) => displayWidth(label)));
  const lines = [
    ...(reopenedBecause === null
      ? [`A new ticket was created from a voicemail on the hotline.`, `热线留言已生成新工单。`]
      : [`A ticket was reopened: ${reopenedBecause}`, `工单已重新打开（回访结果：问题未解决）。`]),
    '',
    ...rows.map(([label, value]) => `${label}${' '.repeat(width - displayWidth(label))}  ${value}`),
    '',
    `Open / 查看: ${s.url}`,
    '',
    '-- ',
    'Sent by the gas hotline. The caller number is masked; the full number is in the ticket.',
  ];
  const level = s.level === null || s.level === undefined ? '' : `, level ${s.level}`;
  const subject = reopenedBecause === null ? `New ticket ${s.reference} (${s.category}${level})` : `Ticket ${s.reference} reopened (${s.category}${level})`;
  return { subject, text: `${lines.join('\n')}\n` };
}

/** "2026-11-25 17:30 (Asia/Shanghai)", as the command-line tool prints local times. */
export function localTime(timeZone: string): (iso: string) => string {
  const fmt = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (iso) => {
    const at = new Date(iso);
    return Number.isNaN(at.getTime()) ? iso : `${fmt.format(at)} (${timeZone})`;
  };
}

/** Columns in a monospaced mail reader: CJK characters take two. */
function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1;
  return w;
}
