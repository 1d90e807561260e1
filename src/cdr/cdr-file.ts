import { open } from 'node:fs/promises';

/**
 * Reading the CDR file incrementally. Asterisk appends a line per record
 * (cdr_custom opens, appends and closes the file for each); a reader may meet
 * a line being written, so only complete lines are taken and the position
 * stays at the start of the first incomplete one. The file is known by its
 * inode: another file under the name (rotated away, or recreated after a
 * truncation) is read from its start.
 */

export interface FilePosition {
  /** dev:ino of the file the offset belongs to ('' before the first read). */
  fileId: string;
  offset: number;
}

export interface CdrChunk {
  /** Complete lines with the byte offset each starts at; empty lines left out. */
  lines: Array<{ text: string; offset: number }>;
  /** Where this read started (0 when the file was read from its start). */
  start: number;
  /** Where the next read starts: after the last complete line. */
  next: FilePosition;
  /** Bytes in the file not yet read (beyond this chunk). */
  pendingBytes: number;
  /** When the file was last written (ms since epoch). */
  modifiedAt: number;
  /** The file is not the one of the stored position, or shorter: it was read from its start. */
  restarted: boolean;
}

/** Reads at most this much per call: a large backlog is imported in several rounds. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** The complete lines after `from`; null when the file does not exist (Asterisk has written no CDR yet). */
export async function readCdrChunk(file: string, from: FilePosition, maxBytes = MAX_CHUNK_BYTES): Promise<CdrChunk | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = await handle.stat();
    const fileId = `${st.dev}:${st.ino}`;
    const restarted = from.fileId !== '' && (from.fileId !== fileId || st.size < from.offset);
    const start = from.fileId === fileId && st.size >= from.offset ? from.offset : 0;
    const length = Math.min(st.size - start, maxBytes);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const { lines, consumed } = completeLines(buffer.subarray(0, read), start);
    if (consumed === 0 && length === maxBytes && maxBytes > 0) {
      throw new Error(`${file}: no line end within ${maxBytes} bytes at offset ${start}: not a CDR file`);
    }
    return {
      lines,
      start,
      next: { fileId, offset: start + consumed },
      pendingBytes: st.size - start - read,
      modifiedAt: st.mtimeMs,
      restarted,
    };
  } finally {
    await handle.close();
  }
}

/** The complete lines of a buffer read at `base`, and how many bytes they take (the rest is an unfinished line). */
export function completeLines(buffer: Buffer, base: number): { lines: CdrChunk['lines']; consumed: number } {
  const lines: CdrChunk['lines'] = [];
  let at = 0;
  for (;;) {
    const nl = buffer.indexOf(0x0a, at);
    if (nl < 0) break;
    const text = buffer.subarray(at, nl).toString('utf8').replace(/\r$/, '');
    if (text.trim() !== '') lines.push({ text, offset: base + at });
    at = nl + 1;
  }
  return { lines, consumed: at };
}
