import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CallRepository } from '../../../src/calls/call-repository.ts';
import { useMigratedDatabase } from '../../support/migrated-db.ts';

/**
 * A connected call that outlived the application is watched by the next one
 * until someone leaves its bridge; then the records of the calls on the
 * bridge's channels are closed, found by channel (a record's id comes from
 * its channel; records of older versions have random ids but the same channel).
 */
describe('closing the records of a connected call adopted after a restart', () => {
  const db = useMigratedDatabase();

  const call = async (channel: string, ended: Date | null = null) => {
    const id = randomUUID();
    await db.pool.query(
      `insert into calls (id, channel_id, direction, language, started_at, ended_at, ended_by)
       values ($1::uuid, $2, 'inbound', 'zh-CN', now() - interval '5 minutes', $3, $4)`,
      [id, channel, ended, ended ? 'caller' : null],
    );
    return id;
  };
  const row = async (id: string) => (await db.pool.query('select ended_at, ended_by from calls where id = $1', [id])).rows[0];

  it('closes the open records on the bridge’s channels and leaves ended and other calls alone', async () => {
    const callerChannel = `node-a-${Date.now()}.1`;
    const officerChannel = randomUUID();
    const open = await call(callerChannel);
    const earlier = new Date(Date.now() - 60_000);
    const endedBefore = await call(officerChannel, earlier);
    const other = await call(`node-a-${Date.now()}.2`);
    const at = new Date();

    await new CallRepository(db.pool, 'node-a').markEndedOnChannels([callerChannel, officerChannel], at);

    expect(await row(open)).toEqual({ ended_at: at, ended_by: 'far-end' });
    expect(await row(endedBefore)).toEqual({ ended_at: earlier, ended_by: 'caller' });
    expect((await row(other)).ended_at).toBeNull();
  });
});
