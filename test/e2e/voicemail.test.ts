import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { uac } from '../../tools/sipp/index.ts';
import { pgCtlByPath } from '../support/pg-cluster.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { AriProbe, eventually, promptMs, Records } from './support/probes.ts';
import { voicemailTimeline } from './support/voicemail-call.ts';

/**
 * Voicemail that becomes a ticket, on the real Asterisk with SIPp callers who
 * speak (the g711 pcap) and PostgreSQL: after hours (Tuesday 23:00) the caller
 * presses 2 (repair) during the after-hours message, confirms the number read
 * back with 1, and talks after the beep. The ticket is read through the staff
 * API with the service token. Key times come from the rendered prompts'
 * lengths (the manifest), plus margins.
 */
const env = await useStack();
const NIGHT = '2026-11-24T23:00:00+08:00';
const phones = new Phones(env);
const ari = new AriProbe(env);
const records = new Records(env);
const started: HotlineProcess[] = [];
const db = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
const auth = { authorization: `Bearer ${env.adminToken}` };

afterEach(async () => {
  await phones.stopAll();
  await Promise.all(started.splice(0).map((h) => h.stop()));
});

afterAll(async () => {
  await records.close();
  await db.end();
});

const ms = (id: string) => promptMs(env, id);

const timeline = () => voicemailTimeline(env);

async function ticketsOf(from: string): Promise<any[]> {
  const res = await fetch(`${env.httpUrl}/api/tickets?q=${from}`, { headers: auth });
  if (!res.ok) return [];
  return ((await res.json()) as { tickets: any[] }).tickets.filter((t) => t.callerNumber === from);
}

const storedTicket = (from: string, timeoutMs = 30_000) =>
  eventually(async () => (await ticketsOf(from)).find((t) => t.recording.state === 'stored'), `the ticket of ${from} with its audio`, timeoutMs);

async function startNight(): Promise<HotlineProcess> {
  const h = await startHotline(env, { now: NIGHT });
  started.push(h);
  return h;
}

describe('voicemail after hours', () => {
  it('keeps the message of a caller who hangs up in the middle of the recording, as a repair ticket readable only with a token', async () => {
    const hotline = await startNight();
    const from = uniqueCaller();
    const t = timeline();
    const call = await phones.call(
      uac({ to: '95158', from }).pause(t.pressTopic).dtmf('2').pause(t.confirm - t.pressTopic).dtmf('1').pause(t.speak - t.confirm).speak(6000).hangup(),
    );
    expect((await call.done).ok).toBe(true);

    const ticket = await storedTicket(from);
    expect(ticket).toMatchObject({ category: 'repair', level: null, status: 'new', callerNumber: from, callbackNumber: from, language: 'zh-CN' });
    // The caller spoke: a message, with most of the recording measured as speech.
    expect(ticket.noMessage).toBe(false);
    expect(ticket.recording.speechMs).toBeGreaterThan(2000);
    expect(ticket.reference).toMatch(/^HL-20261124-\d{4}$/);
    // Repair: 3 working days from the next opening (Wed 08:00) is Mon 30 Nov 08:00 local.
    expect(ticket.deadline).toBe('2026-11-30T00:00:00.000Z');
    // About the 6 s the caller spoke (the beep and the hang-up take a little).
    expect(ticket.recording.ms).toBeGreaterThan(3000);
    expect(ticket.recording.ms).toBeLessThan(12_000);
    expect(ticket.recording.end).toBe('hangup');

    const audio = await fetch(`${env.httpUrl}${ticket.recording.url}`, { headers: auth });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const body = Buffer.from(await audio.arrayBuffer());
    expect(body.length).toBe(ticket.recording.bytes);
    expect(body.toString('ascii', 0, 4)).toBe('RIFF');
    // Not every byte is silence: the caller's voice is in it.
    const samples = new Int16Array(body.buffer, body.byteOffset + 44, Math.floor((body.length - 44) / 2));
    expect(samples.some((s) => Math.abs(s) > 1000)).toBe(true);

    const part = await fetch(`${env.httpUrl}${ticket.recording.url}`, { headers: { ...auth, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${body.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(body.subarray(0, 100));
    expect((await fetch(`${env.httpUrl}${ticket.recording.url}`)).status).toBe(401);
    expect((await fetch(`${env.httpUrl}${ticket.recording.url}`, { headers: { authorization: 'Bearer wrong-token-123' } })).status).toBe(401);

    // Asterisk's copy is gone once ours is checked; the call record points at the ticket.
    await eventually(async () => !(await ari.storedRecordings()).includes(`voicemail-${ticket.id}`), 'the Asterisk copy to be removed', 10_000);
    const record = await records.endedFrom(from);
    expect(record).toMatchObject({ outcome: 'voicemail', category: 'repair', endedBy: 'caller', endedNode: 'voicemail-repair' });
    expect(record.outcomeDetail.ticketId).toBe(ticket.id);
    expect(hotline.errors()).toEqual([]);
  });

  it('keeps the callback number the caller keys instead of the caller id', async () => {
    await startNight();
    const from = uniqueCaller();
    const other = '13912345678';
    const t = timeline();
    const secondReadback = ms('readback-number') + other.length * ms('digit-1') + 1500;
    const call = await phones.call(
      uac({ to: '95158', from })
        .pause(t.pressTopic).dtmf('4')
        .pause(t.confirm - t.pressTopic).dtmf(`${other}#`)
        .pause(secondReadback).dtmf('1')
        .pause(ms('thank-you') + ms('voicemail-intro') + 2500).speak(4000).dtmf('#')
        .waitForHangup(60_000),
    );
    expect((await call.done).ok).toBe(true);
    const ticket = await storedTicket(from);
    expect(ticket).toMatchObject({ category: 'complaint', level: 1, callerNumber: from, callbackNumber: other });
    expect(ticket.recording.end).toBe('key');
    const record = await records.endedFrom(from);
    expect(record.keys.map((k) => k.key)).toEqual(['4', other, '1']);
  });

  it('a caller who stays silent after the beep until the silence limit leaves a ticket marked "no message"', async () => {
    await startNight();
    const from = uniqueCaller();
    const t = timeline();
    // No word after the beep: the 10 s silence limit ends the recording, the closing plays, the caller hangs up.
    const afterRecording = t.speak - t.confirm + 10_000 + ms('voicemail-saved') + 4000;
    const call = await phones.call(uac({ to: '95158', from }).pause(t.pressTopic).dtmf('2').pause(t.confirm - t.pressTopic).dtmf('1').pause(afterRecording).hangup());
    expect((await call.done).ok).toBe(true);

    const ticket = await eventually(async () => (await ticketsOf(from)).find((x) => x.recording.state !== 'recording'), `the ticket of ${from}`, 30_000);
    expect(ticket.recording.end).toBe('silence');
    expect(ticket.noMessage).toBe(true);
    expect(ticket.recording.speechMs ?? 0).toBeLessThan(1000);
    // The queue can list them apart.
    const listed = async (noMessage: boolean) => {
      const res = await fetch(`${env.httpUrl}/api/tickets?q=${from}&noMessage=${noMessage}`, { headers: auth });
      return ((await res.json()) as { tickets: any[] }).tickets.map((x) => x.id);
    };
    expect(await listed(true)).toEqual([ticket.id]);
    expect(await listed(false)).toEqual([]);
  });

  it('loses nothing when the database is away while the caller records: the ticket and its audio appear once', async () => {
    const hotline = await startNight();
    const from = uniqueCaller();
    const t = timeline();
    const call = await phones.call(uac({ to: '95158', from }).pause(t.pressTopic).dtmf('3').pause(t.confirm - t.pressTopic).dtmf('1').pause(t.speak - t.confirm).speak(8000).hangup());

    // The ticket exists before the recording starts; then the database goes away.
    await eventually(async () => (await ticketsOf(from)).length === 1, 'the ticket to be opened', 60_000);
    await pgCtlByPath(env.pg, 'stop');
    try {
      expect((await call.done).ok).toBe(true);
      // Away for a while: the keeper has had to try again at least twice.
      const retries = () => hotline.lines.filter((l) => l.msg === 'voicemail not complete yet; retrying').length;
      await eventually(() => retries() >= 2, 'the keeper to retry twice while the database is away', 30_000);
    } finally {
      await pgCtlByPath(env.pg, 'start');
    }
    const ticket = await storedTicket(from, 60_000);
    expect(ticket.category).toBe('billing');
    expect(ticket.recording.ms).toBeGreaterThan(4000);
    const { rows } = await db.query('select count(*)::int as n from tickets where caller_number = $1', [from]);
    expect(rows[0].n).toBe(1);
    const history = await db.query(`select action from ticket_history where ticket_id = $1 order by id`, [ticket.id]);
    expect(history.rows.map((r) => r.action)).toEqual(['created', 'recorded']);
  });

  it('completes the ticket of a caller who hangs up while the application is down, once, after it restarts', async () => {
    const first = await startNight();
    const from = uniqueCaller();
    const t = timeline();
    const call = await phones.call(uac({ to: '95158', from }).pause(t.pressTopic).dtmf('2').pause(t.confirm - t.pressTopic).dtmf('1').pause(t.speak - t.confirm).speak(10_000).hangup());

    // The ticket is opened before the beep; once Asterisk records the caller, the application dies.
    const { rows: opened } = await eventually(
      async () => {
        const r = await db.query('select recording_name from tickets where caller_number = $1', [from]);
        return r.rows.length > 0 ? r : undefined;
      },
      'the ticket to be opened',
      60_000,
    );
    await eventually(() => ari.isRecording(opened[0].recording_name), 'Asterisk to record the caller', 30_000, 100);
    await first.kill();
    started.splice(started.indexOf(first), 1);
    expect((await call.done).ok).toBe(true);

    const second = await startNight();
    const ticket = await storedTicket(from, 60_000);
    expect(ticket).toMatchObject({ category: 'repair', callbackNumber: from });
    expect(ticket.recording.end).toBe('restart');
    expect(ticket.recording.ms).toBeGreaterThan(5000);
    const { rows } = await db.query('select count(*)::int as n from tickets where caller_number = $1', [from]);
    expect(rows[0].n).toBe(1);
    expect(second.errors()).toEqual([]);
  });
});
