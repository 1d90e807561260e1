import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/figures/pdf.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { eventually } from './support/probes.ts';
import { leaveVoicemail } from './support/voicemail-call.ts';

/**
 * The staff console in a real headless Chromium (Debian's, driven by
 * playwright-core; nothing downloaded), against the real hotline: a SIPp
 * caller leaves a voicemail on the real Asterisk, a supervisor signs in,
 * finds the ticket in the queue, listens to it, changes it, switches the line
 * and reads the month's figures and its PDF.
 */
const env = await useStack();
const NIGHT = '2026-11-24T23:00:00+08:00';
const phones = new Phones(env);
const admin = { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' };
const USER = { username: 'console.sup', password: 'a long console password 42' };
const ADMIN = { username: 'console.admin', password: 'another long console password 7' };
/** Days this file enters into the stack's shared calendar (removed in afterAll, whatever happens). */
const DAYS_2027 = ['2027-01-01', '2027-02-06', '2027-02-11', '2027-02-12'];
const ICS_2027 = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//console//EN',
  'BEGIN:VEVENT', 'UID:spring-1@test', 'DTSTART;VALUE=DATE:20270211', 'DTEND;VALUE=DATE:20270213', 'SUMMARY:春节', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:spring-makeup@test', 'DTSTART;VALUE=DATE:20270206', 'SUMMARY:春节补班', 'END:VEVENT',
  'END:VCALENDAR', ''].join('\r\n');
/** Screenshots for the README: written when HOTLINE_SCREENSHOTS names a folder (docs/screenshots). */
const SHOTS = process.env.HOTLINE_SCREENSHOTS;
const shot = async (name: string) => { if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`) }); };
const from = uniqueCaller();
let hotline: HotlineProcess;
let browser: Browser;
let page: Page;
let ticket: { reference: string; id: string };
const downloads = mkdtempSync(path.join(tmpdir(), 'hotline-console-'));

beforeAll(async () => {
  hotline = await startHotline(env, { now: NIGHT });
  for (const [who, role] of [[USER, 'supervisor'], [ADMIN, 'admin']] as const) {
    const created = await fetch(`${env.httpUrl}/api/staff`, { method: 'POST', headers: admin, body: JSON.stringify({ ...who, role }) });
    expect([201, 409]).toContain(created.status);
  }
  const call = await leaveVoicemail(phones, env, from);
  expect((await call.done).ok).toBe(true);
  ticket = await eventually(async () => {
    const res = await fetch(`${env.httpUrl}/api/tickets?q=${from}`, { headers: admin });
    const { tickets } = (await res.json()) as { tickets: any[] };
    return tickets.find((t) => t.callerNumber === from && t.recording.state === 'stored');
  }, 'the voicemail ticket with its audio', 30_000);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'] });
  page = await (await browser.newContext({ acceptDownloads: true, locale: 'en-US', viewport: { width: 1280, height: 800 } })).newPage();
  // What the page itself reports goes into the test's output: a failing wait then says why.
  page.on('pageerror', (err) => console.error(`[console page error] ${err.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[console page] ${m.text()}`); });
}, 240_000);

afterAll(async () => {
  // The switch lives in the stack's database: a failed test must not leave the next file's line in night mode.
  await fetch(`${env.httpUrl}/api/routing/override`, { method: 'DELETE', headers: { authorization: admin.authorization } }).catch(() => undefined);
  // So do the days this file entered: the calendar is the stack's too.
  for (const day of DAYS_2027) await fetch(`${env.httpUrl}/api/calendar/days/${day}`, { method: 'DELETE', headers: { authorization: admin.authorization } }).catch(() => undefined);
  await browser?.close();
  await phones.stopAll();
  await hotline?.stop();
  rmSync(downloads, { recursive: true, force: true });
});

describe('the staff console in a browser', () => {
  it('signed out: / leads to the sign-in page and the API gives no data', async () => {
    await page.goto(`${env.httpUrl}/`);
    await page.waitForSelector('#signin');
    expect(page.url()).toBe(`${env.httpUrl}/console/`);
    // Chinese by default; the staff member chooses English (kept in the browser).
    expect(await page.textContent('#signin h1')).toBe('登录');
    await page.selectOption('#lang', 'en-US');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('#signin h1')?.textContent === 'Sign in');
    expect(await page.content()).not.toContain(ticket.reference);
    const status = await page.evaluate(async () => (await fetch('/api/tickets')).status);
    expect(status).toBe(401);
  });

  it('signs in with a staff account; the session is an HttpOnly cookie, nothing in web storage', async () => {
    await page.fill('input[name=username]', USER.username);
    await page.fill('input[name=password]', USER.password);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#open-state');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'hotline_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => (globalThis as any).document.cookie)).not.toContain('hotline_session');
    const stored = await page.evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage }) + JSON.stringify({ ...(globalThis as any).sessionStorage }));
    expect(stored).not.toContain(session.value);
  });

  it('a state-changing request without the CSRF token is refused, even with the cookie', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/routing/override', {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'day', until: new Date(Date.now() + 3600_000).toISOString() }),
    })).status);
    expect(status).toBe(403);
    const routing = (await (await fetch(`${env.httpUrl}/api/routing`, { headers: admin })).json()) as any;
    expect(routing.override).toBeNull();
  });

  it('the queue shows the voicemail ticket; its recording plays in the page', async () => {
    await page.goto(`${env.httpUrl}/console/#/tickets`);
    await page.waitForSelector('#queue table');
    const refs = await page.$$eval('tr[data-ref]', (rows) => rows.map((r: any) => r.dataset.ref));
    expect(refs).toContain(ticket.reference);
    await shot('tickets');
    await page.click(`tr[data-ref="${ticket.reference}"] a`);
    await page.waitForSelector('audio#recording');
    await page.evaluate(() => ((globalThis as any).document.getElementById('recording')).play());
    const first = await eventually(async () => {
      const a = await page.evaluate(() => { const el = (globalThis as any).document.getElementById('recording'); return { d: el.duration, t: el.currentTime }; });
      return a.d > 0 && a.t > 0 ? a : null;
    }, 'the recording to play', 15_000);
    expect(first.d).toBeGreaterThan(3);
    await shot('ticket');
    await eventually(async () => (await page.evaluate(() => ((globalThis as any).document.getElementById('recording')).currentTime)) > first.t + 0.5 || null, 'playback to advance', 10_000);
  });

  it('claims the ticket and changes its status', async () => {
    await page.click('#claim');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('saved')?.textContent !== '');
    await page.selectOption('#change select[name=status]', 'in_progress');
    await page.fill('#change input[name=note]', 'called the customer from the console');
    await page.click('#change button[type=submit]');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('ticket-status')?.textContent === 'in_progress');
    const res = await fetch(`${env.httpUrl}/api/tickets/${ticket.reference}`, { headers: admin });
    const { ticket: changed, history } = (await res.json()) as any;
    expect(changed).toMatchObject({ status: 'in_progress', assignee: USER.username });
    expect(history.map((h: any) => h.actor)).toContain(USER.username);
  });

  it('the day/night switch changes the Now page', async () => {
    await page.goto(`${env.httpUrl}/console/#/now`);
    await page.waitForSelector('#open-state');
    expect(await page.textContent('#open-state')).toBe('Closed');
    await page.selectOption('#override select[name=mode]', 'day');
    await page.click('#override button[type=submit]');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('open-state')?.textContent === 'Open');
    await shot('now');
    await page.selectOption('#override select[name=mode]', 'night');
    await page.click('#override button[type=submit]');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('open-state')?.textContent === 'Closed');
    const routing = (await (await fetch(`${env.httpUrl}/api/routing`, { headers: admin })).json()) as any;
    expect(routing.override).toMatchObject({ mode: 'night', setBy: USER.username });
    // Back to the calendar: the stack's next test file must find the line as its calendar says.
    await page.click('#clear-override');
    await page.waitForSelector('#clear-override', { state: 'hidden' });
    const after = (await (await fetch(`${env.httpUrl}/api/routing`, { headers: admin })).json()) as any;
    expect(after.override).toBeNull();
  });

  it('the figures page draws its plots for the month, and its PDF holds the month and the answer rate', async () => {
    await page.goto(`${env.httpUrl}/console/#/figures`);
    await page.waitForSelector('#pick');
    await page.fill('#pick input[name=month]', '2026-11');
    await page.click('#pick button[type=submit]');
    await page.waitForSelector('#plot-answer canvas');
    const drawn = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.plots canvas')].map((c: any) => c.width));
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...drawn)).toBeGreaterThan(100);
    // The voicemail call of this run counts: the month has calls, so the answer rate is a figure.
    expect(await page.textContent('tr[data-key=answerRate]')).toMatch(/\d+\.\d %/);
    await shot('figures');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#pdf')]);
    const file = path.join(downloads, 'report.pdf');
    await download.saveAs(file);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('2026-11');
    expect(text).toMatch(/Answer rate[\s\S]*?\d+\.\d %/);
  });

  it('the Now page warns that the next 60 days reach a year without holidays; the calendar page enters them', async () => {
    const days2027 = async () => ((await (await fetch(`${env.httpUrl}/api/calendar/days?year=2027`, { headers: admin })).json()) as any).days as any[];
    await page.goto(`${env.httpUrl}/console/#/now`);
    // The stack's clock says 24 November 2026: 60 days ahead is January 2027, whose holidays nobody entered.
    await page.waitForSelector('#calendar-warning:not([hidden])');
    expect(await page.textContent('#calendar-warning')).toContain('2027');
    await page.click('#calendar-warning a');
    await page.waitForSelector('#year-unknown');
    expect(page.url()).toContain('#/calendar/2027');

    // One day by hand: it is listed and the routing has it; then removed again.
    await page.fill('#add-day input[name=date]', '2027-01-01');
    await page.selectOption('#add-day select[name=kind]', 'holiday');
    await page.fill('#add-day input[name=name]', '元旦');
    await page.click('#add-day button[type=submit]');
    await page.waitForSelector('tr[data-date="2027-01-01"]');
    expect(await days2027()).toContainEqual(expect.objectContaining({ date: '2027-01-01', kind: 'holiday', name: '元旦', source: 'database', setBy: USER.username }));
    await page.click('button[data-remove="2027-01-01"]');
    await page.waitForSelector('tr[data-date="2027-01-01"]', { state: 'detached' });
    expect((await days2027()).map((d) => d.date)).not.toContain('2027-01-01');

    // The year's arrangement from an iCalendar file: two holidays and a make-up working day.
    await page.setInputFiles('#import input[name=file]', { name: 'china-2027.ics', mimeType: 'text/calendar', buffer: Buffer.from(ICS_2027) });
    await page.click('#import button[type=submit]');
    await page.waitForSelector('tr[data-date="2027-02-12"]');
    await page.waitForFunction(() => ((globalThis as any).document.getElementById('import-result')?.textContent ?? '').includes('Imported'));
    const imported = await days2027();
    expect(imported).toContainEqual(expect.objectContaining({ date: '2027-02-11', kind: 'holiday', name: '春节' }));
    expect(imported).toContainEqual(expect.objectContaining({ date: '2027-02-06', kind: 'makeup-workday' }));
    await shot('calendar');
    // 2027 has holidays now: the warning is gone.
    await page.goto(`${env.httpUrl}/console/#/now`);
    await page.waitForSelector('#open-state');
    await page.waitForSelector('#calendar-warning', { state: 'hidden' });
  });

  it('the callbacks page lists the jobs and the opt-out list', async () => {
    await page.goto(`${env.httpUrl}/console/#/callbacks`);
    await page.waitForSelector('#optout');
    await shot('callbacks');
  });

  it('a supervisor sees no audit log: no link, and the API refuses', async () => {
    expect(await page.isHidden('#nav-audit')).toBe(true);
    expect(await page.evaluate(async () => (await fetch('/api/audit')).status)).toBe(403);
  });

  it('signs out: the cookie no longer opens the API', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin');
    const status = await page.evaluate(async () => (await fetch('/api/tickets')).status);
    expect(status).toBe(401);
  });

  it('an admin reads the audit log: the supervisor listened to the recording and changed the ticket', async () => {
    await page.fill('input[name=username]', ADMIN.username);
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('#signin button[type=submit]');
    // Signing in again keeps the page the browser was on; the audit link appears for an admin only.
    await page.waitForSelector('#nav-audit', { state: 'visible' });
    await page.click('#nav-audit');
    await page.waitForSelector('#audit-filter');
    await page.fill('#audit-filter input[name=actor]', USER.username);
    await page.click('#audit-filter button[type=submit]');
    // The page showed every actor's entries first; wait for the filtered ones (the list is replaced when they arrive).
    await page.waitForFunction((who) => {
      const rows = [...(globalThis as any).document.querySelectorAll('#audit tbody tr')] as Array<{ textContent: string }>;
      return rows.length > 0 && rows.every((r) => r.textContent.includes(who));
    }, USER.username);
    const rows = await page.$$eval('#audit tbody tr', (trs) => trs.map((tr: any) => tr.textContent as string));
    expect(rows.find((r) => r.includes('recording.read')), rows.join('\n')).toContain(ticket.reference);
    expect(rows.some((r) => r.includes('PATCH /api/tickets/:ref') || r.includes('POST /api/tickets'))).toBe(true);
    expect(rows.every((r) => r.includes(USER.username))).toBe(true);
    await shot('audit');
  });
});
