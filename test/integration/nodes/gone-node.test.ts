import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CallRepository } from '../../../src/calls/call-repository.ts';
import { NodeRegistry } from '../../../src/nodes/index.ts';
import { useMigratedDatabase } from '../../support/migrated-db.ts';

/**
 * The nodes sharing a database: alive while they beat, gone for good after
 * goneAfterSeconds of silence (by the database's clock). The records of calls
 * that were going on a node that is gone are closed, as of when it was last
 * seen; a live node's calls are not touched.
 */
describe('nodes that are gone for good', () => {
  const db = useMigratedDatabase();

  const call = async (node: string, o: { ended?: boolean; outcome?: string } = {}) => {
    const id = randomUUID();
    await db.pool.query(
      `insert into calls (id, channel_id, direction, language, started_at, ended_at, outcome, node_id)
       values ($1::uuid, $1::text, 'inbound', 'zh-CN', now() - interval '20 minutes', $2, $3, $4)`,
      [id, o.ended ? new Date() : null, o.outcome ?? null, node],
    );
    return id;
  };
  const row = async (id: string) => (await db.pool.query('select ended_at, ended_by, outcome, outcome_detail from calls where id = $1', [id])).rows[0];

  it('tells the nodes that beat from those silent too long, and closes the calls that died with the latter', async () => {
    const a = new NodeRegistry(db.pool, 'node-a', 60);
    const b = new NodeRegistry(db.pool, 'node-b', 60);
    await a.beat();
    await b.beat();
    expect(await b.gone()).toEqual([]);
    await db.pool.query(`update nodes set last_seen = now() - interval '10 minutes' where id = 'node-a'`);
    expect(await b.gone()).toEqual(['node-a']);
    expect(await a.gone()).toEqual([]); // never itself
    expect((await b.list()).map((n) => [n.id, n.alive])).toEqual([['node-a', false], ['node-b', true]]);

    const open = await call('node-a');
    const accepted = await call('node-a', { outcome: 'emergency-accepted' });
    const ended = await call('node-a', { ended: true, outcome: 'completed' });
    const live = await call('node-b');
    const repo = new CallRepository(db.pool, 'node-b');
    expect(await repo.closeOfGoneNodes(await b.gone())).toBe(2);

    const lastSeen = (await db.pool.query(`select last_seen from nodes where id = 'node-a'`)).rows[0].last_seen;
    expect(await row(open)).toMatchObject({ ended_at: lastSeen, ended_by: 'hotline', outcome: 'failed', outcome_detail: { nodeLost: true } });
    expect(await row(accepted)).toMatchObject({ outcome: 'emergency-accepted', outcome_detail: { nodeLost: true } });
    expect((await row(ended)).outcome_detail).toEqual({});
    expect((await row(live)).ended_at).toBeNull();
    // A node that comes back beats again and is alive.
    await a.beat();
    expect(await b.gone()).toEqual([]);
  });
});
