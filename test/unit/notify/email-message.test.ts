import { describe, expect, it } from 'vitest';
import { ticketEmail, localTime } from '../../../src/notify/email-message.ts';
import { summarizeTicket } from '../../../src/notify/ticket-summary.ts';
import { FULL_NUMBER, ticketEvent } from '../../support/notify-helpers.ts';

describe('ticket e-mail text', () => {
  it('holds every field, local times in the zone, the masked number and the staff link', () => {
    const summary = summarizeTicket(ticketEvent({ reference: 'HL-20261124-0042' }), 'https://hotline.example.test/');
    const mail = ticketEmail(summary, 'Asia/Shanghai');
    expect(mail.subject).toBe('New ticket HL-20261124-0042 (complaint, level 2)');
    expect(mail.text).toContain('Reference / 编号');
    expect(mail.text).toMatch(/Category \/ 类别 +complaint\n/);
    expect(mail.text).toMatch(/Level \/ 等级 +2\n/);
    expect(mail.text).toMatch(/Deadline \/ 处理期限 +2026-11-25 17:30 \(Asia\/Shanghai\)\n/);
    expect(mail.text).toMatch(/Received \/ 受理时间 +2026-11-24 09:05 \(Asia\/Shanghai\)\n/);
    expect(mail.text).toMatch(/Language \/ 语言 +zh-CN\n/);
    expect(mail.text).toMatch(/Caller \/ 来电号码 +\*{7}8000\n/);
    expect(mail.text).toMatch(/Recording \/ 留言 +42 s\n/);
    expect(mail.text).toContain('Open / 查看: https://hotline.example.test/api/tickets/HL-20261124-0042\n');
    expect(mail.text).not.toContain(FULL_NUMBER);
    expect(mail.text).not.toContain(FULL_NUMBER.slice(0, 7));
  });

  it('writes a dash for what does not apply', () => {
    const summary = summarizeTicket(ticketEvent({ category: 'repair', level: null, recordingSeconds: null }), 'http://x');
    const mail = ticketEmail(summary, 'Asia/Shanghai');
    expect(mail.subject).toMatch(/\(repair\)$/);
    expect(mail.text).toMatch(/Level \/ 等级 +-\n/);
    expect(mail.text).toMatch(/Recording \/ 留言 +-\n/);
  });

  it('formats local time in other zones too', () => {
    expect(localTime('Europe/Berlin')('2026-07-01T10:00:00Z')).toBe('2026-07-01 12:00 (Europe/Berlin)');
    expect(localTime('Asia/Shanghai')('2026-11-24T16:00:00Z')).toBe('2026-11-25 00:00 (Asia/Shanghai)');
    expect(localTime('Asia/Shanghai')('not a date')).toBe('not a date');
  });
});
