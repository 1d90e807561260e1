/**
 * One line of the CDR file Asterisk's cdr_custom writes for the calls the
 * dialplan handles alone (asterisk-config/cdr_custom.conf). The format is ours:
 * its first field names it, so a line of another format is refused rather
 * than misread. Times are epoch seconds with microseconds, as CDR(start,u)
 * gives them: no time zone can shift them.
 */
export const CDR_FORMAT = 'hotline-cdr-1';

const FIELDS = [
  'format', 'uniqueid', 'linkedid', 'sequence', 'start', 'answer', 'end', 'disposition',
  'src', 'dstchannel', 'lastdata', 'fallbackAt', 'acceptedAt', 'called', 'sipCallId',
] as const;

export interface CdrRecord {
  /** The caller's channel (party A): the ARI channel id of the same call. */
  uniqueid: string;
  linkedid: string;
  sequence: number;
  start: Date;
  /** null: not answered (Asterisk writes 0). */
  answer: Date | null;
  end: Date;
  /** ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION. */
  disposition: string;
  callerNumber: string;
  /** The dialled party's channel (PJSIP/duty2-00000002), '' when nothing was dialled. */
  dstChannel: string;
  /** The data of the last application: for a duty attempt, Dial's arguments. */
  lastData: string;
  /** When the dialplan fallback began (marked by [hotline-fallback]); null on other calls. */
  fallbackAt: Date | null;
  /** When the officer of this Dial pressed 1 ([hotline-duty-accept]). */
  acceptedAt: Date | null;
  calledNumber: string;
  sipCallId: string;
}

export class CdrLineError extends Error {
  override name = 'CdrLineError';
}

/** Parses one line (without its newline); throws CdrLineError saying what is wrong. */
export function parseCdrLine(line: string): CdrRecord {
  const cells = splitCsv(line);
  if (cells[0] !== CDR_FORMAT) throw new CdrLineError(`not a ${CDR_FORMAT} line (first field "${(cells[0] ?? '').slice(0, 40)}")`);
  if (cells.length !== FIELDS.length) throw new CdrLineError(`${cells.length} fields, expected ${FIELDS.length}`);
  const f = Object.fromEntries(FIELDS.map((name, i) => [name, cells[i]!])) as Record<(typeof FIELDS)[number], string>;
  if (!f.uniqueid) throw new CdrLineError('no uniqueid');
  const sequence = Number(f.sequence);
  if (!Number.isInteger(sequence)) throw new CdrLineError(`sequence "${f.sequence}" is not a number`);
  const start = epoch(f.start, 'start');
  const end = epoch(f.end, 'end');
  if (!start || !end) throw new CdrLineError('a record without start or end time');
  return {
    uniqueid: f.uniqueid,
    linkedid: f.linkedid,
    sequence,
    start,
    answer: epoch(f.answer, 'answer'),
    end,
    disposition: f.disposition,
    callerNumber: f.src,
    dstChannel: f.dstchannel,
    lastData: f.lastdata,
    fallbackAt: epoch(f.fallbackAt, 'fallback mark'),
    acceptedAt: epoch(f.acceptedAt, 'acceptance mark'),
    calledNumber: f.called,
    sipCallId: f.sipCallId,
  };
}

/** "1796341177.940934" → a Date (ms precision); '' or 0 → null. */
function epoch(text: string, what: string): Date | null {
  if (text === '') return null;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new CdrLineError(`${what} "${text.slice(0, 40)}" is not epoch seconds`);
  const seconds = Number(text);
  return seconds === 0 ? null : new Date(Math.round(seconds * 1000));
}

/**
 * Splits a CSV line as CSV_QUOTE writes it: fields in double quotes with inner
 * quotes doubled, or bare fields without commas or quotes.
 */
export function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new CdrLineError('a quoted field is not closed');
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
    } else {
      const comma = line.indexOf(',', i);
      cells.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return cells;
    if (line[i] !== ',') throw new CdrLineError(`unexpected "${line[i]}" after a quoted field`);
    i++;
    if (i === line.length) {
      cells.push('');
      return cells;
    }
  }
}
