import type pg from 'pg';
import type { CallRepository } from '../calls/call-repository.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { Logger } from '../logging/logger.ts';
import { readCdrChunk, type FilePosition } from './cdr-file.ts';
import { CdrLineError, parseCdrLine, type CdrRecord } from './cdr-line.ts';
import { completeHandedOff, fallbackCalls, type FallbackContext } from './fallback-call.ts';

export interface CdrImporterOptions {
  /** The CDR file Asterisk writes (cdr_custom.conf). */
  file: string;
  /** This machine: nodes sharing a database keep their own position in their own file. */
  host: string;
  pool: pg.Pool;
  calls: CallRepository;
  context: FallbackContext;
  log: Logger;
  /**
   * Asterisk writes a call's records one after the other when it ends; the
   * last call of a file written less than this long ago may still be growing
   * and waits for the next round.
   */
  settleMs?: number;
  /** Wall-clock time (compared with the file's modification time, so never the service's shifted clock). */
  wallClock?: () => number;
}

export interface ImportRound {
  /** Calls written: new records, and records of calls the application had handed to the dialplan, completed. */
  imported: number;
  /** Lines read, taken or skipped. */
  lines: number;
}

export interface ImportStatus {
  file: string;
  lastRunAt: string | null;
  /** Calls imported since the service started. */
  importedCalls: number;
  /** Bytes of the file not yet imported (the lag). */
  pendingBytes: number;
  /** Lines that were no CDR of ours (logged at error level, with their offset). */
  skippedLines: number;
  error: string | null;
}

/** Rounds of at most this many chunks (each MAX_CHUNK_BYTES), so a stop never waits long. */
const MAX_CHUNKS_PER_ROUND = 8;

/**
 * Imports the calls the dialplan fallback handled from Asterisk's CDR file
 * into the call records: reads the lines written since the stored position,
 * merges each call's records, writes one record per call (or completes the
 * application's own record of a call it had handed over), then stores the new
 * position. A crash between the two only repeats work: writes are idempotent.
 */
export class CdrImporter {
  readonly status: ImportStatus;
  private readonly settleMs: number;
  private readonly wallClock: () => number;

  constructor(private readonly o: CdrImporterOptions) {
    this.settleMs = o.settleMs ?? 2000;
    this.wallClock = o.wallClock ?? Date.now;
    this.status = { file: o.file, lastRunAt: null, importedCalls: 0, pendingBytes: 0, skippedLines: 0, error: null };
  }

  /** One round: everything readable now. */
  async importOnce(): Promise<ImportRound> {
    const round: ImportRound = { imported: 0, lines: 0 };
    try {
      for (let i = 0; i < MAX_CHUNKS_PER_ROUND; i++) {
        const more = await this.importChunk(round);
        if (!more) break;
      }
      this.status.error = null;
    } catch (err) {
      this.status.error = (err as Error).message;
      throw err;
    } finally {
      this.status.lastRunAt = new Date(this.wallClock()).toISOString();
    }
    return round;
  }

  /** Imports one chunk; true when more of the file is waiting. */
  private async importChunk(round: ImportRound): Promise<boolean> {
    const { file, log } = this.o;
    const from = await this.position();
    const chunk = await readCdrChunk(file, from);
    if (!chunk) return false;
    if (chunk.restarted) log.warn({ file, previous: from }, 'the CDR file was replaced or truncated: reading it from its start (calls imported before are not written twice)');
    const parsed: Array<{ record: CdrRecord; offset: number }> = [];
    for (const line of chunk.lines) {
      try {
        parsed.push({ record: parseCdrLine(line.text), offset: line.offset });
      } catch (err) {
        if (!(err instanceof CdrLineError)) throw err;
        this.status.skippedLines++;
        log.error({ file, offset: line.offset, problem: err.message }, 'skipped a line of the CDR file that is not a hotline CDR');
      }
    }
    // The newest call may have more records coming (written this instant, or beyond this chunk): it waits.
    let next = chunk.next;
    const growing = chunk.pendingBytes > 0 || this.wallClock() - chunk.modifiedAt < this.settleMs;
    const last = parsed.at(-1)?.record.uniqueid;
    if (growing && last !== undefined) {
      const cut = Math.min(...parsed.filter((p) => p.record.uniqueid === last).map((p) => p.offset));
      next = { ...next, offset: cut };
      parsed.splice(parsed.findIndex((p) => p.offset >= cut));
    }
    let imported = 0;
    for (const call of fallbackCalls(parsed.map((p) => p.record), this.o.context)) {
      if (await this.write(call)) imported++;
    }
    // Only a changed position is written: an idle file costs no write per poll.
    if (next.fileId !== from.fileId || next.offset !== from.offset || imported > 0) await this.savePosition(next, imported);
    if (imported > 0) log.info({ file, calls: imported }, 'imported calls the dialplan fallback handled');
    round.imported += imported;
    round.lines += chunk.lines.length;
    this.status.importedCalls += imported;
    this.status.pendingBytes = chunk.pendingBytes + (chunk.next.offset - next.offset);
    return chunk.pendingBytes > 0 && next.offset > chunk.start;
  }

  private async savePosition(next: FilePosition, imported: number): Promise<void> {
    await this.o.pool.query(
      `insert into cdr_import (host, file, file_id, byte_offset, imported_calls, imported_at) values ($1, $2, $3, $4, $5::bigint, case when $5::bigint > 0 then now() end)
       on conflict (host, file) do update set file_id = excluded.file_id, byte_offset = excluded.byte_offset,
         imported_calls = cdr_import.imported_calls + excluded.imported_calls,
         imported_at = coalesce(excluded.imported_at, cdr_import.imported_at), updated_at = now()`,
      [this.o.host, this.o.file, next.fileId, next.offset, imported],
    );
  }

  /** Where the import stands in the file (the start of an unknown file). */
  private async position(): Promise<FilePosition> {
    const { rows } = await this.o.pool.query<{ file_id: string; byte_offset: string }>(
      'select file_id, byte_offset from cdr_import where host = $1 and file = $2',
      [this.o.host, this.o.file],
    );
    return rows[0] ? { fileId: rows[0].file_id, offset: Number(rows[0].byte_offset) } : { fileId: '', offset: 0 };
  }

  /** Writes one fallback call; false when it was there already. */
  private async write(call: CallRecord): Promise<boolean> {
    const { calls, log } = this.o;
    // A call the application handed to the dialplan (a failure inside it) has its record already: complete that one.
    const own = (await calls.findByChannelId(call.channelId)).find((r) => r.id !== call.id && r.direction === 'inbound');
    if (own) {
      const completed = completeHandedOff(own, call);
      if (completed) {
        await calls.upsert([completed]);
        log.info({ call: own.id, channel: call.channelId }, 'completed the record of a call handed to the dialplan fallback');
      }
      return completed !== null;
    }
    return calls.insertNew(call);
  }
}
