import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { isGoneError, type AriConnection } from './ari-connection.ts';
import { CallEndedError, type Bridge, type CallLeg } from './port.ts';
import { ariCalls } from './ari-rest.ts';

/**
 * Bridges: the ones this process made (two legs talking until either leaves),
 * and the ones it adopted after a restart (a connected call that outlived the
 * previous process, watched until someone leaves it, then torn down).
 */
export class AriBridges {
  private readonly own = new Map<string, Set<string>>();
  private readonly adopted = new Map<string, Set<string>>();

  constructor(
    private readonly ari: AriConnection,
    private readonly log: Logger,
    /** Told when an adopted bridge ends, with the ids of the channels that were in it. */
    private readonly onAdoptedEnded?: (channelIds: string[]) => void,
  ) {}

  get size(): number {
    return this.own.size + this.adopted.size;
  }

  /** True for a bridge this process made or adopted. */
  knows(bridgeId: string): boolean {
    return this.own.has(bridgeId) || this.adopted.has(bridgeId);
  }

  isAdopted(bridgeId: string): boolean {
    return this.adopted.has(bridgeId);
  }

  async bridge(a: CallLeg, b: CallLeg): Promise<Bridge> {
    for (const leg of [a, b]) if (leg.ended.aborted) throw new CallEndedError(leg.id, 'gone before bridging');
    const bridgeId = randomUUID();
    await this.ari.request('create bridge', (c) => c.bridges.create({ type: 'mixing', bridgeId, name: 'hotline' }));
    this.own.set(bridgeId, new Set([a.id, b.id]));
    const destroy = async () => {
      if (!this.own.delete(bridgeId)) return;
      await Promise.allSettled([a.hangup(), b.hangup()]);
      await this.ari.request('destroy bridge', (c) => c.bridges.destroy({ bridgeId })).catch(() => {});
    };
    try {
      await this.ari.request('join bridge', (c) => c.bridges.addChannel({ bridgeId, channel: [a.id, b.id] }));
    } catch (err) {
      await destroy();
      // A leg that hung up in the instant before joining ends the call normally.
      const gone = [a, b].find((l) => l.ended.aborted);
      if (gone || isGoneError(err)) throw new CallEndedError(gone?.id ?? a.id, 'gone while bridging');
      throw err;
    }
    return { id: bridgeId, ended: firstEnded([a, b]), destroy };
  }

  /** Watches a connected call found after a restart. */
  adopt(bridgeId: string, members: readonly string[]): void {
    this.adopted.set(bridgeId, new Set(members));
    this.log.info({ bridge: bridgeId }, 'a connected call survived the restart; watching it');
  }

  /** A channel is gone: an adopted bridge it was in has ended. */
  channelGone(channelId: string): void {
    for (const [bridgeId, members] of this.adopted) {
      if (members.has(channelId)) this.left(bridgeId, channelId);
    }
  }

  /** An adopted bridge (from before a restart) ends when anyone leaves it. */
  left(bridgeId: string, channelId: string): void {
    const members = this.adopted.get(bridgeId);
    if (!members) return;
    this.adopted.delete(bridgeId);
    this.log.info({ bridge: bridgeId, left: channelId }, 'a call picked up after restart has ended');
    for (const other of members) {
      if (other !== channelId) void this.ari.request('hangup', ariCalls.hangup(other)).catch(() => {});
    }
    void this.ari.request('destroy bridge', (c) => c.bridges.destroy({ bridgeId })).catch(() => {});
    this.onAdoptedEnded?.([...members]);
  }
}

/** Resolves with the id of the first leg that ends. */
function firstEnded(legs: CallLeg[]): Promise<string> {
  return new Promise((resolve) => {
    const handlers: Array<() => void> = [];
    const done = (id: string) => {
      legs.forEach((l, i) => l.ended.removeEventListener('abort', handlers[i]!));
      resolve(id);
    };
    for (const leg of legs) {
      if (leg.ended.aborted) {
        resolve(leg.id);
        return;
      }
    }
    for (const leg of legs) {
      const h = () => done(leg.id);
      handlers.push(h);
      leg.ended.addEventListener('abort', h, { once: true });
    }
  });
}
