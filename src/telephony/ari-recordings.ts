import type { AriConnection } from './ari-connection.ts';
import type { RecordingArchive } from './port.ts';

/**
 * Asterisk's stored recordings through ARI (/recordings/stored). The file is
 * fetched with a plain HTTP request: ari-client does not carry binary bodies.
 */
export class AriRecordingArchive implements RecordingArchive {
  constructor(private readonly ari: AriConnection) {}

  async fetch(name: string): Promise<Buffer | null> {
    const res = await this.ari.rest('GET', `recordings/stored/${encodeURIComponent(name)}/file`);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw new Error(`fetching recording ${name}: HTTP ${res.status} ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async isLive(name: string): Promise<boolean> {
    const res = await this.ari.rest('GET', `recordings/live/${encodeURIComponent(name)}`);
    await res.body?.cancel();
    if (res.status === 404) return false;
    if (!res.ok) throw new Error(`reading live recording ${name}: HTTP ${res.status}`);
    return true;
  }

  async remove(name: string): Promise<void> {
    const res = await this.ari.rest('DELETE', `recordings/stored/${encodeURIComponent(name)}`);
    await res.body?.cancel();
    if (res.status !== 404 && !res.ok) throw new Error(`removing recording ${name}: HTTP ${res.status}`);
  }

  async list(): Promise<string[]> {
    const res = await this.ari.rest('GET', 'recordings/stored');
    if (!res.ok) throw new Error(`listing recordings: HTTP ${res.status}`);
    const body = (await res.json()) as Array<{ name: string }>;
    return body.map((r) => r.name);
  }
}
