import { draftOf, ticketSink } from '../../../src/voicemail/ticket-sink.ts';
import { eventually } from '../../support/eventually.ts';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import type { Ticket, TicketDraft } from '../../../src/tickets/ticket.ts';
import { VoicemailJournal } from '../../../src/voicemail/journal.ts';
import { RecordingStore } from '../../../src/recordings/recording-store.ts';
import { VoicemailKeeper, type VoicemailKeeperOptions } from '../../../src/voicemail/voicemail-keeper.ts';
import { pcmToWav, toneWav } from '../../../src/audio/wav.ts';
import { FakeRecordingArchive } from '../../support/fake-recordings.ts';
import { startPg, startPgCluster, stopPg, type PgCluster } from '../../support/pg-cluster.ts';
import { captureLog, makeTempDir, removeDir, type CapturedLog } from '../../support/db-helpers.ts';

const cal = loadConfig({}).calendar;
const silent = createLogger('silent');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** When the test voicemails are left: Tue 2026-11-24 10:00 Shanghai. */
const CREATED = '2026-11-24T02:00:00.000Z';

function draft(createdAt = CREATED): TicketDraft {
  const id = randomUUID();
  const { acceptedAt, deadline } = deadlineFor(cal, 'repair', null, new Date(createdAt));
  return {
    id,
    category: 'repair',
    level: null,
    callerNumber: '13800138000',
    callbackNumber: '13800138000',
    language: 'zh-CN',
    callId: randomUUID(),
    createdAt,
    acceptedAt: acceptedAt.toISOString(),
    deadline: deadline.toISOString(),
    recordingName: `voicemail-${id}`,
  };
}


async function filesUnder(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) as import('node:fs').Dirent[];
  return names.filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))).sort();
}

describe('VoicemailKeeper with PostgreSQL, a journal and a recording store', () => {
  let cluster: PgCluster;
  let pool: pg.Pool;
  let repo: TicketRepository;

  // Per test
  let dir: string;
  let journal: VoicemailJournal;
  let store: RecordingStore;
  let archive: FakeRecordingArchive;
  let completed: Ticket[];
  let logs: CapturedLog;
  let clock: { t: Date };
  const keepers: VoicemailKeeper[] = [];

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
    pool.on('error', () => {}); // idle connections dropped by stopPg
    await migrate(pool, silent);
    repo = new TicketRepository(pool, cal);
  }, 60_000);

  afterAll(async () => {
    try {
      await pool?.end();
    } finally {
      await cluster?.stop();
    }
  });

  beforeEach(async () => {
    await pool.query('truncate ticket_history, tickets, ticket_day_counters');
    dir = await makeTempDir('hotline-keeper-');
    journal = new VoicemailJournal(path.join(dir, 'journal'));
    store = new RecordingStore(path.join(dir, 'store'));
    archive = new FakeRecordingArchive();
    completed = [];
    logs = captureLog();
    clock = { t: new Date('2026-11-24T02:01:00.000Z') };
  });

  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.stop()));
    await removeDir(dir);
  });

  function keeper(over: Partial<VoicemailKeeperOptions> = {}): VoicemailKeeper {
    const k = new VoicemailKeeper({
      journal,
      tickets: ticketSink(repo),
      archive,
      store,
      log: logs.log,
      onCompleted: async (t) => {
        completed.push(t);
      },
      maxRecordingSeconds: 120,
      graceMs: 1000,
      createWaitMs: 500,
      retryMs: 100,
      maxRetryMs: 400,
      now: () => clock.t,
      ...over,
    });
    keepers.push(k);
    return k;
  }

  const ticketCount = async () => (await pool.query('select count(*)::int as n from tickets')).rows[0].n as number;
  const actions = async (id: string) => (await repo.history(id)).map((h) => h.action);

  /** Asserts that the ticket's audio is in the store, byte for byte `wav`. */
  async function expectStored(t: Ticket | null, wav: Buffer, ms: number) {
    expect(t?.recording).toMatchObject({ state: 'stored', bytes: wav.length, sha256: sha256(wav) });
    expect(t!.recording.path).toBe(`2026/11/${t!.id}.wav`);
    expect(Math.abs(t!.recording.ms! - ms)).toBeLessThanOrEqual(1);
    const file = await readFile(store.resolve(t!.recording.path!));
    expect(sha256(file)).toBe(sha256(wav));
    expect(await filesUnder(store.root)).toEqual([t!.recording.path]);
  }

  it('open → finish: the ticket is completed with its audio in the store, and everything else cleaned up', async () => {
    const k = keeper();
    const d = draft();
    await k.open(d);
    expect(await journal.read(d.id)).toEqual({ draft: d });
    expect((await repo.get(d.id))?.recording.state).toBe('recording');

    const wav = toneWav(2500);
    archive.stored.set(d.recordingName, wav);
    await k.finish(d.id, 'silence');
    await eventually(() => completed.length > 0, 'onCompleted');

    const t = await repo.get(d.id);
    await expectStored(t, wav, 2500);
    expect(t).toMatchObject({ completedAt: clock.t.toISOString(), recording: { end: 'silence' } });
    expect(await actions(d.id)).toEqual(['created', 'recorded']);
    expect(await journal.list()).toEqual([]);
    expect(archive.stored.has(d.recordingName)).toBe(false);
    expect(archive.removed).toEqual([d.recordingName]);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ id: d.id, recording: { state: 'stored' } });
    // A late second finish (the node's error path) does nothing.
    await k.finish(d.id, 'hangup');
    await k.reconcile(); // a whole pass more: anything left to do would be done by now
    expect(completed).toHaveLength(1);
    expect(await actions(d.id)).toEqual(['created', 'recorded']);
  });

  describe('the database away', () => {
    afterEach(async () => {
      await startPg(cluster); // whatever a failed test left
    });

    it('stopped between open and finish: the ticket and its audio appear exactly once when it is back', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      expect(await ticketCount()).toBe(1);

      await stopPg(cluster);
      const wav = toneWav(1800);
      archive.stored.set(d.recordingName, wav);
      await k.finish(d.id, 'hangup');
      await eventually(() => logs.messages('warn').includes('voicemail not complete yet; retrying'), 'a failed attempt');
      // Kept, not lost: the journal has it, finished; the recording is still in Asterisk.
      expect(await journal.read(d.id)).toMatchObject({ draft: d, finished: { end: 'hangup' } });
      expect(archive.stored.has(d.recordingName)).toBe(true);
      expect(completed).toHaveLength(0);

      await startPg(cluster);
      await eventually(() => completed.length > 0, 'onCompleted');
      await k.reconcile(); // a whole pass more: any duplicate would show up now
      expect(await ticketCount()).toBe(1);
      const t = await repo.get(d.id);
      await expectStored(t, wav, 1800);
      expect(t?.recording.end).toBe('hangup');
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(completed).toHaveLength(1);
      expect(await journal.list()).toEqual([]);
      expect(archive.removed).toEqual([d.recordingName]);
      expect(logs.messages('warn')).toContain('voicemail not complete yet; retrying');
    });

    it('stopped before open: open returns in time, and the ticket is made once the database is back', async () => {
      const k = keeper();
      const d = draft();
      await stopPg(cluster);
      const started = Date.now();
      await k.open(d);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await journal.read(d.id)).toEqual({ draft: d });

      const wav = toneWav(1200);
      archive.stored.set(d.recordingName, wav);
      await k.finish(d.id, 'key');
      await eventually(() => logs.messages('warn').includes('voicemail not complete yet; retrying'), 'a failed attempt');
      await startPg(cluster);
      await eventually(() => completed.length > 0, 'onCompleted');
      await k.reconcile(); // a whole pass more: any duplicate would show up now
      expect(await ticketCount()).toBe(1);
      const t = await repo.get(d.id);
      expect(t?.reference).toBe('HL-20261124-0001');
      await expectStored(t, wav, 1200);
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(completed).toHaveLength(1);
    });
  });

  describe('reconcile', () => {
    it('completes the voicemail of a keeper that crashed mid-recording (journal entry, not finished) with end "restart"', async () => {
      const d = draft();
      await keeper().open(d); // the process that died: no finish
      const wav = toneWav(3000);
      archive.stored.set(d.recordingName, wav); // Asterisk closed the recording when the call ended

      const k2 = keeper();
      await k2.reconcile();
      await eventually(() => completed.length > 0, 'onCompleted');
      const t = await repo.get(d.id);
      await expectStored(t, wav, 3000);
      expect(t?.recording.end).toBe('restart');
      expect(t?.completedAt).toBe(clock.t.toISOString());
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(await journal.list()).toEqual([]);
      expect(archive.stored.size).toBe(0);
    });

    it('completes a crashed voicemail whose ticket never reached the database (journal only)', async () => {
      const d = draft();
      await journal.write({ draft: d });
      const wav = toneWav(900);
      archive.stored.set(d.recordingName, wav);
      await keeper().reconcile();
      await eventually(() => completed.length > 0, 'onCompleted');
      const t = await repo.get(d.id);
      expect(t?.reference).toBe('HL-20261124-0001');
      await expectStored(t, wav, 900);
      expect(t?.recording.end).toBe('restart');
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
    });

    it('completes a ticket left "recording" in the database when the journal was lost', async () => {
      const d = draft();
      await repo.create(d);
      const wav = toneWav(1500);
      archive.stored.set(d.recordingName, wav);
      await keeper().reconcile();
      await eventually(() => completed.length > 0, 'onCompleted');
      const t = await repo.get(d.id);
      await expectStored(t, wav, 1500);
      expect(t?.recording.end).toBe('restart');
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(await journal.list()).toEqual([]);
      expect(archive.removed).toEqual([d.recordingName]);
      expect(logs.messages('warn')).toContain('completing a voicemail left unfinished by an earlier run');
    });

    it('leaves a recording that is still live alone, and completes it once it has ended', async () => {
      const inJournal = draft();
      await keeper().open(inJournal); // crashed keeper, the caller still speaking
      const inDbOnly = draft();
      await repo.create(inDbOnly); // journal lost, the caller still speaking
      archive.live.add(inJournal.recordingName).add(inDbOnly.recordingName);
      clock.t = new Date(Date.parse(CREATED) + 60 * 60_000); // long past max + grace: only "live" holds it back

      const k = keeper();
      await k.reconcile(); // the whole pass: what it leaves alone stays alone
      expect(completed).toEqual([]);
      expect((await repo.unfinished([''])).map((t) => t.id).sort()).toEqual([inJournal.id, inDbOnly.id].sort());
      expect(await journal.read(inJournal.id)).toEqual({ draft: inJournal });
      expect(await journal.read(inDbOnly.id)).toBeNull();
      expect(archive.removed).toEqual([]);

      archive.live.clear();
      const a = toneWav(700);
      const b = toneWav(1100);
      archive.stored.set(inJournal.recordingName, a).set(inDbOnly.recordingName, b);
      await k.reconcile();
      await eventually(() => completed.length === 2, 'both completed');
      await expectStoredOne(inJournal.id, a, 700);
      await expectStoredOne(inDbOnly.id, b, 1100);
      expect(await repo.unfinished([''])).toEqual([]);
    });

    async function expectStoredOne(id: string, wav: Buffer, ms: number) {
      const t = await repo.get(id);
      expect(t?.recording).toMatchObject({ state: 'stored', bytes: wav.length, sha256: sha256(wav), ms, end: 'restart' });
      expect(sha256(await readFile(store.resolve(t!.recording.path!)))).toBe(sha256(wav));
    }

    it('leaves this process\'s own recording in progress alone', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      archive.stored.set(d.recordingName, toneWav(500)); // as if Asterisk had written it already
      clock.t = new Date(Date.parse(CREATED) + 60 * 60_000);
      await k.reconcile(); // the whole pass
      expect(completed).toEqual([]);
      expect((await repo.get(d.id))?.recording.state).toBe('recording');
      expect(await journal.read(d.id)).toEqual({ draft: d });
    });

    it('a young unfinished voicemail with no recording yet is waited for; an old one is completed empty', async () => {
      const d = draft();
      await journal.write({ draft: d });
      clock.t = new Date(Date.parse(CREATED) + 30_000);
      const k = keeper();
      await k.reconcile(); // the whole pass
      expect(completed).toEqual([]);
      expect(await journal.read(d.id)).toEqual({ draft: d });

      clock.t = new Date(Date.parse(CREATED) + 122_000); // > 120 s + 1 s grace
      await k.reconcile();
      await eventually(() => completed.length > 0, 'onCompleted');
      const t = await repo.get(d.id);
      expect(t?.recording).toMatchObject({ state: 'empty', path: null, end: 'restart' });
      expect(await journal.list()).toEqual([]);
    });
  });

  it('a voicemail finished by this process while a reconcile pass runs keeps its own journal entry (and its real end)', async () => {
    const d = draft();
    const wav = toneWav(1300);
    let failComplete = 0;
    let hook: (() => Promise<void>) | null = null;
    const k = keeper({
      tickets: {
        create: (x) => repo.create(x),
        completeRecording: async (...a) => {
          if (failComplete > 0) {
            failComplete--;
            throw new Error('connection terminated unexpectedly');
          }
          return repo.completeRecording(...a);
        },
        unfinished: async () => {
          const h = hook;
          hook = null;
          await h?.();
          return (await repo.unfinished([''])).map(draftOf);
        },
      },
    });
    // Between the pass's journal listing (empty) and its ticket query, a call opens and finishes a voicemail,
    // whose completion fails once after the audio is stored.
    hook = async () => {
      await k.open(d);
      archive.stored.set(d.recordingName, wav);
      failComplete = 1;
      await k.finish(d.id, 'key');
      await eventually(async () => failComplete === 0 && (await journal.read(d.id))?.audio !== undefined, 'the first completion attempt');
    };
    await k.reconcile();
    await eventually(() => completed.length > 0, 'onCompleted');
    const t = await repo.get(d.id);
    await expectStored(t, wav, 1300);
    expect(t?.recording.end).toBe('key');
    expect(logs.messages('warn')).not.toContain('completing a voicemail left unfinished by an earlier run');
  });

  describe('Asterisk away', () => {
    it('an archive that fails delays the voicemail but does not lose it', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      const wav = toneWav(2000);
      archive.stored.set(d.recordingName, wav);
      archive.failWith = new Error('connect ECONNREFUSED 127.0.0.1:8088');
      await k.finish(d.id, 'silence');
      await eventually(() => logs.messages('warn').includes('voicemail not complete yet; retrying'), 'a failed attempt');
      expect(completed).toEqual([]);
      expect((await repo.get(d.id))?.recording.state).toBe('recording');
      expect(await journal.read(d.id)).toMatchObject({ finished: { end: 'silence' } });

      archive.failWith = null;
      await eventually(() => completed.length > 0, 'onCompleted');
      await k.reconcile(); // a whole pass more: any duplicate would show up now
      const t = await repo.get(d.id);
      await expectStored(t, wav, 2000);
      expect(t?.recording.end).toBe('silence');
      expect(completed).toHaveLength(1);
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(await journal.list()).toEqual([]);
    });

    it('an archive that fails while the reconciler asks about a crashed voicemail: retried, then completed', async () => {
      const d = draft();
      await journal.write({ draft: d });
      const wav = toneWav(600);
      archive.stored.set(d.recordingName, wav);
      archive.failWith = new Error('ARI unreachable');
      const k = keeper();
      await k.reconcile(); // the whole pass, which could not ask Asterisk
      expect(completed).toEqual([]);
      expect(await journal.read(d.id)).toEqual({ draft: d });
      archive.failWith = null;
      await eventually(() => completed.length > 0, 'onCompleted');
      await expectStored(await repo.get(d.id), wav, 600);
    });

    it('removing the recording from Asterisk failing after the ticket is complete: retried, ticket completed once', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      const wav = toneWav(800);
      archive.stored.set(d.recordingName, wav);
      const remove = archive.remove.bind(archive);
      let failures = 3;
      archive.remove = async (name) => {
        if (failures-- > 0) throw new Error('ARI 500');
        return remove(name);
      };
      await k.finish(d.id, 'silence');
      await eventually(() => completed.length > 0, 'onCompleted');
      await eventually(() => archive.removed.length > 0, 'the recording removed from Asterisk');
      await k.reconcile(); // a whole pass more: any duplicate would show up now
      expect(completed).toHaveLength(1);
      expect(archive.removed).toEqual([d.recordingName]);
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(await journal.list()).toEqual([]);
    });
  });

  describe('no usable audio', () => {
    it('a caller who left no audio: the ticket is completed "empty"', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      await k.finish(d.id, 'hangup');
      await eventually(() => completed.length > 0, 'onCompleted');
      const t = await repo.get(d.id);
      expect(t?.recording).toEqual({ state: 'empty', name: d.recordingName, path: null, bytes: null, ms: null, sha256: null, speechMs: 0, end: 'hangup', node: '' });
      expect(await actions(d.id)).toEqual(['created', 'recorded']);
      expect(await journal.list()).toEqual([]);
      expect(await filesUnder(store.root)).toEqual([]);
    });

    it('a recording with no samples is "empty" and leaves no file in the store', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      archive.stored.set(d.recordingName, pcmToWav(Buffer.alloc(0)));
      await k.finish(d.id, 'hangup');
      await eventually(() => completed.length > 0, 'onCompleted');
      expect((await repo.get(d.id))?.recording).toMatchObject({ state: 'empty', path: null });
      expect(await filesUnder(store.root)).toEqual([]);
      expect(archive.stored.has(d.recordingName)).toBe(false);
    });

    it('a recording that is not WAV audio: the ticket is completed, the original is kept in Asterisk', async () => {
      const k = keeper();
      const d = draft();
      await k.open(d);
      const junk = Buffer.from('this is not a RIFF file at all');
      archive.stored.set(d.recordingName, junk);
      await k.finish(d.id, 'silence');
      await eventually(() => completed.length > 0, 'onCompleted');
      expect((await repo.get(d.id))?.recording).toMatchObject({ state: 'empty', path: null, end: 'silence' });
      expect(logs.messages('error')).toContain('recording is not usable audio; kept in Asterisk');
      // "Kept in Asterisk" must be true: staff may still recover it by hand.
      expect(archive.stored.get(d.recordingName)).toEqual(junk);
      expect(archive.removed).toEqual([]);
      expect(await journal.list()).toEqual([]);
      expect(await filesUnder(store.root)).toEqual([]);
    });
  });

  it('a journal file cut short whose ticket is in the database: the ticket is completed from the database and Asterisk', async () => {
    const d = draft();
    await repo.create(d);
    await mkdir(journal.dir, { recursive: true });
    await writeFile(path.join(journal.dir, `${d.id}.json`), JSON.stringify({ draft: d }).slice(0, 25));
    const wav = toneWav(400);
    archive.stored.set(d.recordingName, wav);
    await keeper().reconcile();
    await eventually(() => completed.length > 0, 'onCompleted');
    await expectStored(await repo.get(d.id), wav, 400);
    expect(logs.lines.filter((l) => l.msg === 'unreadable voicemail journal entry')).toHaveLength(1);
    expect(await journal.list()).toEqual([]);
  });

  it('a journal folder that cannot be read is reported and retried, not thrown at the timer that started the pass', async () => {
    const broken = new VoicemailJournal(path.join(dir, 'not-a-folder'));
    await writeFile(broken.dir, 'a file where the journal folder should be');
    const k = keeper({ journal: broken });
    await expect(k.reconcile()).resolves.toBeUndefined();
    expect(logs.messages('error')).toContain('cannot read the voicemail journal; retrying');
    // It tries again by itself.
    await eventually(() => logs.messages('error').filter((m) => m === 'cannot read the voicemail journal; retrying').length >= 2, 'a second attempt');
  });

  it('a journal file cut short is reported and skipped; the others are completed', async () => {
    const good = draft();
    await journal.write({ draft: good, finished: { at: clock.t.toISOString(), end: 'silence' } });
    const badId = randomUUID();
    const whole = JSON.stringify({ draft: draft(), finished: { at: clock.t.toISOString(), end: 'silence' } });
    await writeFile(path.join(journal.dir, `${badId}.json`), whole.slice(0, 40));
    const wav = toneWav(1000);
    archive.stored.set(good.recordingName, wav);

    const k = keeper();
    await k.reconcile();
    await eventually(() => completed.length > 0, 'onCompleted');
    await expectStored(await repo.get(good.id), wav, 1000);
    const errors = logs.lines.filter((l) => l.msg === 'unreadable voicemail journal entry');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: `${badId}.json` });
    // Left where it is for someone to look at; not deleted, not in the way.
    expect(await readdir(journal.dir)).toEqual([`${badId}.json`]);
    expect(await ticketCount()).toBe(1);
  });
});
