import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallRepository } from '../../../src/calls/call-repository.ts';
import { CdrImporter } from '../../../src/cdr/cdr-importer.ts';
import { callIdOf, fallbackCalls } from '../../../src/cdr/fallback-call.ts';
import { parseCdrLine } from '../../../src/cdr/cdr-line.ts';
import { FiguresRepository } from '../../../src/figures/figures-repository.ts';
import { computeFigures } from '../../../src/figures/kpi.ts';
import { parseMonth } from '../../../src/figures/month.ts';
import { captureLog } from '../../support/db-helpers.ts';
import { cdrLine, REAL_CALL } from '../../support/cdr-lines.ts';
import { useEmbeddedDatabase } from '../../support/embedded-db.ts';

/**
 * The import of Asterisk's fallback CDR file into the call records, on the
 * embedded database the default deployment runs: idempotent, incremental
 * across restarts, safe against a line being written and a replaced file, and
 * counted by the monthly figures.
 */
const store = useEmbeddedDatabase('cdr-import', { migrated: true });
const context = { language: 'zh-CN' as const, dutyTargets: [{ target: 'duty1', dialString: 'PJSIP/duty1' }, { target: 'duty2', dialString: 'PJSIP/duty2' }] };
const DEC = parseMonth('2026-12', 'Asia/Shanghai');
const T = Date.parse('2026-12-10T02:00:00Z') / 1000;
let dir: string;
let file: string;
let capture: ReturnType<typeof captureLog>;
/** The file was written long ago unless a test says otherwise: nothing waits for more records. */
let wallClock = () => Date.now() + 60_000;

const importer = () => new CdrImporter({ file, host: 'node-a', pool: store.db.pool, calls: new CallRepository(store.db.pool), context, log: capture.log, wallClock: () => wallClock() });
const count = async () => Number((await store.db.pool.query(`select count(*) from calls`)).rows[0].count);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdr-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async (t) => {
  file = path.join(dir, `${t.task.id}.csv`);
  capture = captureLog();
  wallClock = () => Date.now() + 60_000;
  await store.db.pool.query('delete from calls');
});

describe('importing the fallback CDR file', () => {
  it('writes each call once however often the file is imported, and the figures count it', async () => {
    await writeFile(file, `${REAL_CALL.join('\n')}\n${cdrLine({ uniqueid: 'hotline-1.1', start: T, answer: T, end: T + 20, dial: 'PJSIP/duty1' })}\n`);
    expect(await importer().importOnce()).toEqual({ imported: 2, lines: 3 });
    // A fresh importer (a restarted application) goes on from the stored position: nothing new.
    expect(await importer().importOnce()).toEqual({ imported: 0, lines: 0 });
    // Even the whole file again (position lost) writes nothing twice.
    await store.db.pool.query('delete from cdr_import');
    expect(await importer().importOnce()).toEqual({ imported: 0, lines: 3 });
    expect(await count()).toBe(2);

    const row = await new CallRepository(store.db.pool).get(callIdOf('hotline-1796341177.0'));
    expect(row).toMatchObject({ channelId: 'hotline-1796341177.0', direction: 'inbound', outcome: 'emergency-accepted', answeredAt: '2026-12-03T23:39:37.941Z' });
    expect(row!.emergency).toMatchObject({ via: 'dialplan', acceptedBy: 'duty2', acceptSeconds: 15.205 });

    const figures = computeFigures(DEC, await new FiguresRepository(store.db.pool).month(DEC));
    expect(figures.figures.find((f) => f.key === 'answerRate')).toMatchObject({ numerator: 2, denominator: 2 });
    expect(figures.emergency).toMatchObject({ calls: 2, accepted: 1, abandoned: 1, acceptSeconds: { p50: 15.205, p90: 15.205, max: 15.205 } });
    const dec10 = figures.days.find((d) => d.date === '2026-12-10');
    expect(dec10).toMatchObject({ calls: 1, answered: 1, emergencies: 1 });
  });

  it('leaves a line Asterisk is still writing for the next round, and then takes it', async () => {
    const line = cdrLine({ uniqueid: 'hotline-2.1', start: T, answer: T, end: T + 9, dial: 'PJSIP/duty1', acceptedAt: T + 5 });
    await writeFile(file, line.slice(0, 60));
    expect(await importer().importOnce()).toEqual({ imported: 0, lines: 0 });
    await appendFile(file, `${line.slice(60)}\n`);
    expect(await importer().importOnce()).toEqual({ imported: 1, lines: 1 });
    expect((await new CallRepository(store.db.pool).get(callIdOf('hotline-2.1')))!.outcome).toBe('emergency-accepted');
  });

  it('waits for the newest call while the file is fresh: its next fork (the accepting one) may still come', async () => {
    const u = 'hotline-3.1';
    wallClock = () => Date.now();
    await writeFile(file, `${cdrLine({ uniqueid: 'hotline-3.0', start: T - 60, answer: T - 60, end: T - 50 })}\n${cdrLine({ uniqueid: u, sequence: 0, start: T, answer: T, end: T + 6, disposition: 'CONGESTION', dial: 'PJSIP/duty1' })}\n`);
    const im = importer();
    expect(await im.importOnce()).toEqual({ imported: 1, lines: 2 });
    expect(im.status.pendingBytes).toBeGreaterThan(0);
    await appendFile(file, `${cdrLine({ uniqueid: u, sequence: 2, start: T + 6, answer: T + 6, end: T + 20, dial: 'PJSIP/duty2', acceptedAt: T + 10 })}\n`);
    wallClock = () => Date.now() + 60_000;
    expect(await im.importOnce()).toEqual({ imported: 1, lines: 2 });
    const row = await new CallRepository(store.db.pool).get(callIdOf(u));
    expect(row).toMatchObject({ outcome: 'emergency-accepted' });
    expect(row!.emergency!.attempts.map((a) => a.result)).toEqual(['no-key', 'accepted']);
    expect(im.status).toMatchObject({ importedCalls: 2, pendingBytes: 0, error: null });
  });

  it('reads a replaced (rotated) file from its start, and skips lines that are no CDR of ours, saying so', async () => {
    await writeFile(file, `${cdrLine({ uniqueid: 'hotline-4.1', start: T, answer: T, end: T + 5 })}\n`);
    expect((await importer().importOnce()).imported).toBe(1);
    await rename(file, `${file}.1`);
    await writeFile(file, `garbage from somewhere else\n${cdrLine({ uniqueid: 'hotline-4.2', start: T + 60, answer: T + 60, end: T + 65 })}\n`);
    const im = importer();
    expect(await im.importOnce()).toEqual({ imported: 1, lines: 2 });
    expect(im.status.skippedLines).toBe(1);
    expect(capture.lines.map((l) => l.msg)).toEqual(expect.arrayContaining([
      expect.stringMatching(/replaced or truncated/),
      expect.stringMatching(/skipped a line of the CDR file/),
    ]));
    expect(await count()).toBe(2);
  });

  it('completes the record of a call the application had handed to the dialplan instead of counting it twice', async () => {
    const calls = new CallRepository(store.db.pool);
    const [fallback] = fallbackCalls(REAL_CALL.map(parseCdrLine), context);
    await calls.upsert([{ ...fallback!, id: '8a0e2c1e-7c1b-4a57-9a51-2f1f1c5d0a01', nodes: [], outcome: 'failed', outcomeDetail: {}, endedNode: null, emergency: null }]);
    await writeFile(file, `${REAL_CALL.join('\n')}\n`);
    expect((await importer().importOnce()).imported).toBe(1);
    await store.db.pool.query('delete from cdr_import');
    expect((await importer().importOnce()).imported).toBe(0);
    expect(await count()).toBe(1);
    const row = await calls.get('8a0e2c1e-7c1b-4a57-9a51-2f1f1c5d0a01');
    expect(row).toMatchObject({ outcome: 'emergency-accepted', endedNode: 'hotline-fallback' });
    expect(row!.emergency).toMatchObject({ via: 'dialplan', acceptedBy: 'duty2' });
  });

  it('has nothing to do before Asterisk wrote its first CDR', async () => {
    const im = importer();
    expect(await im.importOnce()).toEqual({ imported: 0, lines: 0 });
    expect(im.status).toMatchObject({ importedCalls: 0, error: null });
  });
});
