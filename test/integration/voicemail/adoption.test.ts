import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toneWav } from '../../../src/audio/wav.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { NodeRegistry } from '../../../src/nodes/index.ts';
import { RecordingStore } from '../../../src/recordings/recording-store.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import type { TicketDraft } from '../../../src/tickets/ticket.ts';
import { VoicemailJournal } from '../../../src/voicemail/journal.ts';
import { ticketSink } from '../../../src/voicemail/ticket-sink.ts';
import { VoicemailKeeper } from '../../../src/voicemail/voicemail-keeper.ts';
import { captureLog, makeTempDir, removeDir, type CapturedLog } from '../../support/db-helpers.ts';
import { FakeRecordingArchive } from '../../support/fake-recordings.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

const cal = loadConfig({}).calendar;
const CREATED = '2026-11-24T02:00:00.000Z';
/** Long after any recording could still be going on (max 120 s + 1 s grace below). */
const LATER = new Date('2026-11-24T02:30:00.000Z');

function draft(): TicketDraft {
  const id = randomUUID();
  const { acceptedAt, deadline } = deadlineFor(cal, 'repair', null, new Date(CREATED));
  return {
    id, category: 'repair', level: null, callerNumber: '13800138000', callbackNumber: '13800138000', language: 'zh-CN',
    callId: randomUUID(), createdAt: CREATED, acceptedAt: acceptedAt.toISOString(), deadline: deadline.toISOString(), recordingName: `voicemail-${id}`,
  };
}

/**
 * Two nodes' keepers on one database, each with its own journal, Asterisk
 * (a fake archive) and recordings folder. A voicemail belongs to the node that
 * records it; the other node leaves it alone while that node lives, and
 * adopts it once the node is gone: with the audio if it can reach it, else
 * completed as 'node-lost' for staff to call back. Never dropped silently.
 */
describe('voicemails of a node that is gone', () => {
  let cluster: PgCluster;
  let pool: pg.Pool;
  let repo: TicketRepository;
  let dir: string;
  let logs: CapturedLog;
  const keepers: VoicemailKeeper[] = [];

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
    await migrate(pool, createLogger('silent'));
    repo = new TicketRepository(pool, cal);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await cluster?.stop();
  });
  beforeEach(async () => {
    await pool.query('truncate ticket_history, tickets, ticket_day_counters, nodes, recording_audio');
    dir = await makeTempDir('hotline-adopt-');
    logs = captureLog();
  });
  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.stop()));
    await removeDir(dir);
  });

  function node(id: string, archive = new FakeRecordingArchive()) {
    const registry = new NodeRegistry(pool, id, 60);
    const keeper = new VoicemailKeeper({
      journal: new VoicemailJournal(path.join(dir, id, 'journal')),
      tickets: ticketSink(repo),
      archive,
      store: new RecordingStore(path.join(dir, id, 'store'), pool, id),
      log: logs.log.child({ node: id }),
      maxRecordingSeconds: 120,
      graceMs: 1000,
      createWaitMs: 500,
      retryMs: 100,
      maxRetryMs: 400,
      now: () => LATER,
      nodeId: id,
      goneNodes: () => registry.gone(),
    });
    keepers.push(keeper);
    return { registry, keeper, archive };
  }

  /** Node A opens a voicemail and dies before it finishes (no finish, no journal pass: the process is gone). */
  async function openedOnA() {
    const a = node('node-a');
    await a.registry.beat();
    const d = draft();
    await a.keeper.open(d);
    await a.keeper.stop();
    return { a, d };
  }

  it('while the recording node lives, another node leaves its unfinished voicemail alone', async () => {
    const { d } = await openedOnA();
    const b = node('node-b');
    await b.keeper.reconcile();
    const t = await repo.get(d.id);
    expect(t?.recording.state).toBe('recording');
    expect(t?.recording.node).toBe('node-a');
  });

  it('once the node is gone, another adopts it: completed as node-lost for staff, never silently dropped', async () => {
    const { d } = await openedOnA();
    await pool.query(`update nodes set last_seen = now() - interval '10 minutes' where id = 'node-a'`);
    const b = node('node-b');
    await b.keeper.reconcile();
    const t = await repo.get(d.id);
    expect(t?.recording).toMatchObject({ state: 'empty', end: 'node-lost', node: 'node-a', path: null });
    expect(logs.lines.some((l) => l.msg === 'adopting a voicemail of a node that is gone' && l.recordedOn === 'node-a' && l.node === 'node-b')).toBe(true);
  });

  it('an adopting node that can reach the audio keeps it, and every node serves it', async () => {
    const { d } = await openedOnA();
    await pool.query(`update nodes set last_seen = now() - interval '10 minutes' where id = 'node-a'`);
    // Node B's Asterisk has the recording (a spool shared by the two Asterisks, or copied over by an operator).
    const archive = new FakeRecordingArchive();
    const wav = toneWav(900);
    archive.stored.set(d.recordingName, wav);
    const b = node('node-b', archive);
    await b.keeper.reconcile();
    const t = await repo.get(d.id);
    expect(t?.recording).toMatchObject({ state: 'stored', end: 'node-lost', bytes: wav.length });
    const c = new RecordingStore(path.join(dir, 'node-c', 'store'), pool, 'node-c');
    expect(await c.size(t!.recording.path!)).toBe(wav.length);
  });

  it('the recording node comes back with the audio after another adopted its voicemail: the audio still reaches the ticket', async () => {
    const a = node('node-a');
    await a.registry.beat();
    const d = draft();
    await a.keeper.open(d);
    await a.keeper.stop(); // node A stops with the voicemail in its journal
    await pool.query(`update nodes set last_seen = now() - interval '10 minutes' where id = 'node-a'`);
    await node('node-b').keeper.reconcile();
    expect((await repo.get(d.id))?.recording).toMatchObject({ state: 'empty', end: 'node-lost' });

    // Node A is back, its Asterisk still holding the recording, and its journal still has the entry.
    const wav = toneWav(800);
    const back = node('node-a');
    back.archive.stored.set(d.recordingName, wav);
    await back.registry.beat();
    await back.keeper.reconcile();
    const t = await repo.get(d.id);
    expect(t?.recording).toMatchObject({ state: 'stored', end: 'restart', bytes: wav.length, node: 'node-a' });
    expect(back.archive.stored.has(d.recordingName)).toBe(false); // removed from Asterisk only once kept
    expect((await repo.history(d.id)).filter((h) => h.action === 'recorded')).toHaveLength(2);
  });

  it("a node's own unfinished voicemail is completed by that node when it comes back", async () => {
    const { d } = await openedOnA();
    const again = node('node-a');
    await again.keeper.reconcile();
    expect((await repo.get(d.id))?.recording).toMatchObject({ state: 'empty', end: 'restart' });
  });
});
