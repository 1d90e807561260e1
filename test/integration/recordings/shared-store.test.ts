import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toneWav } from '../../../src/audio/wav.ts';
import { RecordingStore } from '../../../src/recordings/recording-store.ts';
import { makeTempDir, removeDir } from '../../support/db-helpers.ts';
import { useMigratedDatabase } from '../../support/migrated-db.ts';

const CREATED = new Date('2026-11-24T02:00:00.000Z');

/** Makes a stored file two days old (the sweep leaves younger files alone). */
async function backdate(file: string): Promise<void> {
  const old = new Date(Date.now() - 2 * 86_400_000);
  await utimes(file, old, old);
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Two nodes, each with its own recordings folder, one database: what one
 * node stored, the other serves (whole and by byte range), and deleting it
 * deletes it for both.
 */
describe('RecordingStore shared through PostgreSQL', () => {
  const db = useMigratedDatabase();
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('hotline-shared-store-');
  });
  afterAll(async () => removeDir(dir));

  it("serves on node B what node A recorded, whole and by range; a removal through either removes it for both, the other node's copy at its sweep", async () => {
    const a = new RecordingStore(path.join(dir, 'a'), db.pool, 'node-a');
    const b = new RecordingStore(path.join(dir, 'b'), db.pool, 'node-b');
    const wav = toneWav(700);
    const stored = await a.save(randomUUID(), CREATED, wav);

    expect(await b.size(stored.path)).toBe(wav.length);
    expect((await readAll(await b.open(stored.path))).equals(wav)).toBe(true);
    const slice = await readAll(await b.open(stored.path, { start: 40, end: 1039 }));
    expect(slice.equals(wav.subarray(40, 1040))).toBe(true);
    const { rows } = await db.pool.query('select stored_by, sha256 from recording_audio where path = $1', [stored.path]);
    expect(rows).toEqual([{ stored_by: 'node-a', sha256: stored.sha256 }]);

    // Saving the same audio again (a keeper repeating after a crash) changes nothing.
    await a.save(stored.path.split('/').at(-1)!.replace('.wav', ''), CREATED, wav);
    expect((await db.pool.query('select count(*)::int as n from recording_audio')).rows[0].n).toBe(1);

    await b.remove(stored.path);
    expect(await b.size(stored.path)).toBeNull();
    // Node A's folder still has its copy; nothing points at it any more (its ticket's path was cleared),
    // so A's sweep deletes it once it is a day old (younger files may be a save in progress).
    expect(existsSync(a.resolve(stored.path))).toBe(true);
    const dayAgo = new Date(Date.now() - 86_400_000);
    const nothingPoints = async () => new Set<string>();
    expect(await a.sweepLocal(dayAgo, nothingPoints)).toEqual({ removed: 0, shared: 0 });
    await backdate(a.resolve(stored.path));
    expect(await a.sweepLocal(dayAgo, nothingPoints)).toEqual({ removed: 1, shared: 0 });
    expect(existsSync(a.resolve(stored.path))).toBe(false);
  });

  it('a recording stored before the database kept audio is served from its folder, and the sweep shares it with the other nodes', async () => {
    const a = new RecordingStore(path.join(dir, 'old-a'));
    const wav = toneWav(500);
    const stored = await a.save(randomUUID(), CREATED, wav); // no database: as an installation before migration 017
    await backdate(a.resolve(stored.path));
    const upgradedA = new RecordingStore(a.root, db.pool, 'node-a');
    const b = new RecordingStore(path.join(dir, 'old-b'), db.pool, 'node-b');
    expect(await upgradedA.size(stored.path)).toBe(wav.length);
    expect(await b.size(stored.path)).toBeNull();
    // A ticket still points at it: copied into the database, not deleted.
    const pointed = async (paths: string[]) => new Set(paths.filter((p) => p === stored.path));
    expect(await upgradedA.sweepLocal(new Date(Date.now() - 86_400_000), pointed)).toEqual({ removed: 0, shared: 1 });
    expect(existsSync(a.resolve(stored.path))).toBe(true);
    expect((await readAll(await b.open(stored.path))).equals(wav)).toBe(true);
  });

  it('a store without a database keeps working from its folder alone', async () => {
    const alone = new RecordingStore(path.join(dir, 'alone'));
    const wav = toneWav(300);
    const stored = await alone.save(randomUUID(), CREATED, wav);
    expect((await readAll(await alone.open(stored.path))).equals(wav)).toBe(true);
  });
});
