import { randomUUID } from 'node:crypto';
import { readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TicketDraft } from '../../../src/tickets/ticket.ts';
import { VoicemailJournal } from '../../../src/voicemail/journal.ts';
import { makeTempDir, removeDir } from '../../support/db-helpers.ts';

function draft(): TicketDraft {
  const id = randomUUID();
  return {
    id, category: 'other', level: null, callerNumber: '13800138000', callbackNumber: '13800138000', language: 'zh-CN',
    callId: null, createdAt: '2026-11-24T02:00:00.000Z', acceptedAt: '2026-11-24T02:00:00.000Z', deadline: '2026-11-26T02:00:00.000Z',
    recordingName: `voicemail-${id}`,
  };
}

describe('VoicemailJournal', () => {
  let root: string;
  let journal: VoicemailJournal;

  beforeEach(async () => {
    root = await makeTempDir('hotline-journal-');
    journal = new VoicemailJournal(path.join(root, 'journal'));
  });
  afterEach(async () => removeDir(root));

  it('writes, reads back, overwrites and removes an entry; no temporary files stay', async () => {
    const d = draft();
    expect(await journal.read(d.id)).toBeNull();
    await journal.write({ draft: d });
    expect(await journal.read(d.id)).toEqual({ draft: d });
    await journal.write({ draft: d, finished: { at: '2026-11-24T02:01:00.000Z', end: 'silence' }, audio: null });
    expect(await journal.read(d.id)).toEqual({ draft: d, finished: { at: '2026-11-24T02:01:00.000Z', end: 'silence' }, audio: null });
    expect(await readdir(journal.dir)).toEqual([`${d.id}.json`]);
    await journal.remove(d.id);
    await journal.remove(d.id); // already gone: fine
    expect(await journal.read(d.id)).toBeNull();
    expect(await journal.list()).toEqual([]);
  });

  it('lists nothing when the folder does not exist yet', async () => {
    expect(await journal.list()).toEqual([]);
  });

  it('refuses ids that are not ticket ids (no file names from elsewhere)', async () => {
    const d = { ...draft(), id: '../../etc/passwd' };
    await expect(journal.write({ draft: d })).rejects.toThrow(/not a ticket id/);
    await expect(journal.read('../x')).rejects.toThrow(/not a ticket id/);
  });

  it('a file cut short is reported and skipped; temporary files are ignored', async () => {
    const good = draft();
    await journal.write({ draft: good });
    const bad = `${randomUUID()}.json`;
    await writeFile(path.join(journal.dir, bad), JSON.stringify({ draft: draft() }).slice(0, 30));
    await writeFile(path.join(journal.dir, `${randomUUID()}.json.1a2b3c4d.tmp`), '{"draft":');
    const reported: string[] = [];
    expect(await journal.list((file) => reported.push(file))).toEqual([{ draft: good }]);
    expect(reported).toEqual([bad]);
  });

  it('an entry removed while the list is being read is skipped without a report (not "unreadable")', async () => {
    const good = draft();
    await journal.write({ draft: good });
    // Stands in for an entry the keeper removed between readdir and readFile.
    await symlink(path.join(root, 'gone.json'), path.join(journal.dir, `${randomUUID()}.json`));
    const reported: string[] = [];
    expect(await journal.list((file) => reported.push(file))).toEqual([{ draft: good }]);
    expect(reported).toEqual([]);
  });
});
