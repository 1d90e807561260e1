import { withinDeadline } from '../async/deadline.ts';
import type { Logger } from '../logging/logger.ts';
import type { AriConnection } from './ari-connection.ts';
import { ariCalls } from './ari-rest.ts';

/**
 * The dialplan's way to know that the application is there before it answers
 * a call: a global variable holding the epoch second of the application's
 * last heartbeat (asterisk-config/extensions.conf reads it). Asterisk 16 has
 * no dialplan function that says whether a Stasis application is registered,
 * and once a call is answered it can no longer be refused to the balancer, so
 * a node whose application is gone or stuck must be told apart by time:
 * APP_ALIVE_SECONDS without a heartbeat. A clean stop clears it at once.
 * Real time on purpose (not the service clock, which tests may set): it is
 * compared with Asterisk's ${EPOCH}.
 */
export const APP_ALIVE_VARIABLE = 'HOTLINE_APP_ALIVE';
export const HEARTBEAT_MS = 1000;
/** What the dialplan allows between heartbeats (rendered into it). */
export const APP_ALIVE_SECONDS = 3;

export class AppPresence {
  private timer: NodeJS.Timeout | undefined;
  private sending = false;

  constructor(
    private readonly ari: AriConnection,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * Stops the heartbeat and tells the dialplan at once (before the connection
   * closes). A stop does not wait long on an Asterisk that does not answer:
   * the heartbeat then goes stale within APP_ALIVE_SECONDS anyway.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.ari.isConnected) await withinDeadline(this.set('0').catch(() => {}), 1000, undefined);
  }

  private async beat(): Promise<void> {
    if (this.sending || !this.ari.isConnected) return;
    this.sending = true;
    try {
      await this.set(String(Math.floor(Date.now() / 1000)));
    } catch (err) {
      this.log.debug({ err }, 'heartbeat to the dialplan not sent');
    } finally {
      this.sending = false;
    }
  }

  private async set(value: string): Promise<void> {
    await this.ari.requestAside('heartbeat', ariCalls.setGlobal(APP_ALIVE_VARIABLE, value));
  }
}
