import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../../src/auth/auth-service.ts';
import { authRoutes } from '../../../src/auth/routes.ts';
import { staffRoutes } from '../../../src/auth/staff-routes.ts';
import { dayKind, hoursOn, serviceState } from '../../../src/calendar/calendar.ts';
import { createCalendarDays, type CalendarDays } from '../../../src/calendar-days/index.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import type { ServiceDatabase } from '../../../src/feature.ts';
import { buildApp } from '../../../src/http/app.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { FAST_PASSWORDS } from '../../support/auth-app.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/**
 * The calendar stays true (issue 12 part 7): holidays and make-up days kept in
 * PostgreSQL beside the configured ones, over the HTTP API, with the roles,
 * and the health flag for a year ahead without holidays. The clock stands in
 * December 2026, when only 2026's holidays are configured.
 */
const SERVICE = 'test-service-token-0123456789';
const config = loadConfig({});
let now = new Date('2026-12-01T10:00:00+08:00');
const clock = { now: () => now };
const logLines: Array<Record<string, unknown>> = [];
const log = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
let cluster: PgCluster;
let pool: pg.Pool;
let app: FastifyInstance;
let feature: CalendarDays;
const tokens: Record<string, string> = {};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const as = (who: string) => bearer(tokens[who]!);
const call = (o: InjectOptions) => app.inject(o);

/** 元旦 2027 as a 3-day block (DTEND exclusive, folded SUMMARY) and one make-up working day. */
const ICAL_2027 = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//State Council//Holidays 2027//ZH',
  'BEGIN:VEVENT',
  'UID:2027-new-year@holidays',
  'DTSTART;VALUE=DATE:20270101',
  'DTEND;VALUE=DATE:20270104',
  'SUMMARY:元',
  ' 旦',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:2027-spring-makeup@holidays',
  'DTSTART;VALUE=DATE:20270220',
  'SUMMARY:春节补班',
  'CATEGORIES:补班',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

function database(p: pg.Pool): ServiceDatabase {
  return { pool: p, ready: Promise.resolve(), whenMigrated: async () => {} };
}

async function health() {
  const res = await call({ method: 'GET', url: '/health' });
  expect(res.statusCode).toBe(200);
  return res.json().calendarAhead;
}

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
  await migrate(pool, createLogger('silent'));
  const auth = new AuthService({ db: pool, log: createLogger('silent'), serviceToken: SERVICE, failureDelayMs: 0, passwordParams: FAST_PASSWORDS });
  feature = createCalendarDays({ config, db: database(pool), log, clock });
  app = await buildApp({
    log: createLogger('silent'),
    auth,
    features: [{ name: 'auth', routes: async (a) => { await authRoutes(a, auth); await staffRoutes(a, auth); } }, feature],
  });
  for (const [username, role] of [['alice', 'agent'], ['sam', 'supervisor']] as const) {
    const password = `${username}-password-123`;
    const res = await call({ method: 'POST', url: '/api/staff', headers: bearer(SERVICE), payload: { username, role, displayName: username, password } });
    expect(res.statusCode, res.body).toBe(201);
    const login = await call({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    expect(login.statusCode, login.body).toBe(200);
    tokens[username] = login.json().token;
  }
});

afterAll(async () => {
  for (const w of feature?.workers ?? []) await w.stop();
  await app?.close();
  await pool?.end();
  await cluster?.stop();
});

describe('calendar days', () => {
  it('at start, in December 2026, reports and logs that 2027 has no holidays', async () => {
    expect(dayKind(feature.store.current(), '2027-01-01')).toBe('workday');
    expect(await health()).toEqual({ ok: false, missingYears: [2027] });
    await expect.poll(() => logLines.filter((l) => l.level === 40 && /no public holidays are known for 2027/.test(String(l.msg)))).toHaveLength(1);
    const warning = logLines.find((l) => /no public holidays/.test(String(l.msg)))!;
    expect(warning).toMatchObject({ component: 'calendar-days', missingYears: [2027], databaseRead: true });
  });

  it('lets any staff member read the days, and only a supervisor change them', async () => {
    expect((await call({ method: 'GET', url: '/api/calendar/days?year=2026' })).statusCode).toBe(401);
    const year = await call({ method: 'GET', url: '/api/calendar/days?year=2026', headers: as('alice') });
    expect(year.statusCode).toBe(200);
    expect(year.json().holidaysKnown).toBe(true);
    expect(year.json().days[0]).toEqual({ date: '2026-01-01', kind: 'holiday', name: '元旦', greeting: 'new-year', source: 'config' });

    const put = await call({ method: 'PUT', url: '/api/calendar/days/2027-01-01', headers: as('alice'), payload: { kind: 'holiday', name: '元旦' } });
    expect(put.statusCode).toBe(403);
    expect(put.json().error).toBe('forbidden');
    expect((await call({ method: 'DELETE', url: '/api/calendar/days/2027-01-01', headers: as('alice') })).statusCode).toBe(403);
    expect((await call({ method: 'POST', url: '/api/calendar/import', headers: as('alice'), payload: { ical: ICAL_2027 } })).statusCode).toBe(403);
    expect((await pool.query('select count(*)::int as n from calendar_days')).rows[0].n).toBe(0);
  });

  it('refuses a malformed iCalendar with 400 and stores nothing', async () => {
    const broken = ICAL_2027.replace('DTSTART;VALUE=DATE:20270220', 'DTSTART:20270220T090000Z');
    const res = await call({ method: 'POST', url: '/api/calendar/import', headers: as('sam'), payload: { ical: broken } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad-request', message: expect.stringMatching(/line 13: DTSTART 20270220T090000Z is a date-time/) });
    const notIcal = await call({ method: 'POST', url: '/api/calendar/import', headers: as('sam'), payload: { ical: 'date,name\n2027-01-01,元旦' } });
    expect(notIcal.statusCode).toBe(400);
    expect((await call({ method: 'POST', url: '/api/calendar/import', headers: as('sam'), payload: {} })).statusCode).toBe(400);
    expect((await pool.query('select count(*)::int as n from calendar_days')).rows[0].n).toBe(0);
  });

  it('imports 2027: a 3-day holiday and a make-up day; current() then closes the line on 1 January 2027', async () => {
    const res = await call({ method: 'POST', url: '/api/calendar/import', headers: as('sam'), payload: { ical: ICAL_2027 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ events: 2, cancelled: 0, holidays: 3, makeupWorkdays: 1, added: 4, changed: 0, unchanged: 0, years: [2027] });

    const cal = feature.store.current();
    expect(dayKind(cal, '2027-01-01')).toBe('holiday');
    expect(dayKind(cal, '2027-01-03')).toBe('holiday');
    expect(dayKind(cal, '2027-01-04')).toBe('workday');
    expect(dayKind(cal, '2027-02-20')).toBe('makeup-workday');
    expect(hoursOn(cal, '2027-02-20')).toEqual(hoursOn(cal, '2027-01-04'));
    const state = serviceState(cal, new Date('2027-01-01T10:00:00+08:00'));
    expect(state).toMatchObject({ open: false, reason: 'holiday', dayKind: 'holiday', holiday: { name: '元旦', greeting: 'new-year' } });
    expect(state.nextChange).toEqual(new Date('2027-01-04T08:00:00+08:00'));
    expect(cal.holidays.filter((h) => h.date.startsWith('2027'))).toEqual([
      { date: '2027-01-01', name: '元旦', greeting: 'new-year' },
      { date: '2027-01-02', name: '元旦', greeting: 'new-year' },
      { date: '2027-01-03', name: '元旦', greeting: 'new-year' },
    ]);
    expect(cal.makeupWorkdays.filter((m) => m.date.startsWith('2027'))).toEqual([{ date: '2027-02-20', name: '春节补班' }]);

    const { rows } = await pool.query(`select to_char(date, 'YYYY-MM-DD') as date, kind, name, set_by from calendar_days order by date`);
    expect(rows).toEqual([
      { date: '2027-01-01', kind: 'holiday', name: '元旦', set_by: 'sam' },
      { date: '2027-01-02', kind: 'holiday', name: '元旦', set_by: 'sam' },
      { date: '2027-01-03', kind: 'holiday', name: '元旦', set_by: 'sam' },
      { date: '2027-02-20', kind: 'makeup-workday', name: '春节补班', set_by: 'sam' },
    ]);
    // Importing the same file again changes nothing.
    const again = await call({ method: 'POST', url: '/api/calendar/import', headers: as('sam'), payload: { ical: ICAL_2027 } });
    expect(again.json()).toMatchObject({ added: 0, changed: 0, unchanged: 4 });
  });

  it('then reports 2027 as known in /health and in the year listing', async () => {
    expect(await health()).toEqual({ ok: true, missingYears: [] });
    const year = (await call({ method: 'GET', url: '/api/calendar/days?year=2027', headers: as('alice') })).json();
    expect(year.holidaysKnown).toBe(true);
    expect(year.days.map((d: { date: string; kind: string; source: string; setBy?: string }) => [d.date, d.kind, d.source, d.setBy])).toEqual([
      ['2027-01-01', 'holiday', 'database', 'sam'],
      ['2027-01-02', 'holiday', 'database', 'sam'],
      ['2027-01-03', 'holiday', 'database', 'sam'],
      ['2027-02-20', 'makeup-workday', 'database', 'sam'],
    ]);
    // A year ahead that is still unknown: the flag follows the clock.
    now = new Date('2027-10-15T10:00:00+08:00');
    expect(await health()).toEqual({ ok: true, missingYears: [] });
    now = new Date('2027-12-01T10:00:00+08:00');
    expect(await health()).toEqual({ ok: false, missingYears: [2028] });
    now = new Date('2026-12-01T10:00:00+08:00');
  });

  it('sets, changes and removes single days as a supervisor', async () => {
    const put = (date: string, payload: object) => call({ method: 'PUT', url: `/api/calendar/days/${date}`, headers: as('sam'), payload });
    const added = await put('2027-02-11', { kind: 'holiday', name: '春节' });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ result: 'added', day: { date: '2027-02-11', kind: 'holiday', name: '春节', source: 'database', setBy: 'sam' } });
    expect((await put('2027-02-11', { kind: 'holiday', name: '春节' })).json().result).toBe('unchanged');
    expect((await put('2027-02-11', { kind: 'holiday', name: '春节假期' })).json().result).toBe('changed');
    expect(dayKind(feature.store.current(), '2027-02-11')).toBe('holiday');

    // Overrides a configured day: 2026-10-10 was a make-up day in the configuration.
    expect((await put('2026-10-10', { kind: 'holiday', name: '国庆节' })).statusCode).toBe(200);
    expect(dayKind(feature.store.current(), '2026-10-10')).toBe('holiday');
    expect((await call({ method: 'DELETE', url: '/api/calendar/days/2026-10-10', headers: as('sam') })).statusCode).toBe(204);
    expect(dayKind(feature.store.current(), '2026-10-10')).toBe('makeup-workday');

    const weekday = await put('2027-02-19', { kind: 'makeup-workday', name: '补班' });
    expect(weekday.statusCode).toBe(400);
    expect(weekday.json().message).toMatch(/Saturday or Sunday, not a fri/);
    expect((await put('2027-02-30', { kind: 'holiday' })).statusCode).toBe(400);
    expect((await put('2027-02-13', { kind: 'workday' })).statusCode).toBe(400);
    expect((await put('2027-02-13', { kind: 'holiday', extra: 1 })).statusCode).toBe(400);

    expect((await call({ method: 'DELETE', url: '/api/calendar/days/2027-02-11', headers: as('sam') })).statusCode).toBe(204);
    expect(dayKind(feature.store.current(), '2027-02-11')).toBe('workday');
    const gone = await call({ method: 'DELETE', url: '/api/calendar/days/2027-02-11', headers: as('sam') });
    expect(gone.statusCode).toBe(404);
    const configured = await call({ method: 'DELETE', url: '/api/calendar/days/2026-10-01', headers: as('sam') });
    expect(configured.statusCode).toBe(404);
    expect(configured.json().message).toMatch(/configured/);
    expect((await call({ method: 'DELETE', url: '/api/calendar/days/2027-02-30', headers: as('sam') })).statusCode).toBe(400);
  });

  it('another instance on the same database sees the days once it reloads', async () => {
    const other = createCalendarDays({ config, db: database(pool), log: createLogger('silent'), clock });
    await other.store.reload();
    expect(dayKind(other.store.current(), '2027-01-01')).toBe('holiday');
    await pool.query(`insert into calendar_days (date, kind, name, set_by) values ('2027-04-05', 'holiday', '清明节', 'psql')`);
    expect(dayKind(feature.store.current(), '2027-04-05')).toBe('workday');
    await feature.store.reload();
    expect(dayKind(feature.store.current(), '2027-04-05')).toBe('holiday');
  });

  it('the table refuses a kind it does not know', async () => {
    await expect(pool.query(`insert into calendar_days (date, kind, set_by) values ('2027-06-01', 'workday', 'psql')`)).rejects.toThrow(/check constraint/);
  });
});
