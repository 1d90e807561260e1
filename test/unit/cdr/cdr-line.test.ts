import { describe, expect, it } from 'vitest';
import { completeLines } from '../../../src/cdr/cdr-file.ts';
import { CdrLineError, parseCdrLine, splitCsv } from '../../../src/cdr/cdr-line.ts';
import { REAL_CALL } from '../../support/cdr-lines.ts';

describe('a line of the fallback CDR file', () => {
  it('reads what Asterisk wrote, times as epoch seconds (no time zone involved)', () => {
    const r = parseCdrLine(REAL_CALL[1]!);
    expect(r).toMatchObject({
      uniqueid: 'hotline-1796341177.0',
      linkedid: 'hotline-1796341177.0',
      sequence: 2,
      disposition: 'ANSWERED',
      callerNumber: '1009',
      dstChannel: 'PJSIP/duty2-00000002',
      lastData: 'PJSIP/duty2,6,m(duty-wait)U(hotline-duty-accept^1009)',
      calledNumber: '95158',
      sipCallId: '4d1c-call-id',
    });
    expect(r.start.toISOString()).toBe('2026-12-03T23:39:50.890Z');
    expect(r.end.toISOString()).toBe('2026-12-03T23:39:56.564Z');
    expect(r.fallbackAt?.toISOString()).toBe('2026-12-03T23:39:37.943Z');
    expect(r.acceptedAt?.toISOString()).toBe('2026-12-03T23:39:53.148Z');
  });

  it('takes an answer time of 0 and an empty mark as none', () => {
    const line = REAL_CALL[0]!.replace('1796341177.941180', '0.000000');
    const r = parseCdrLine(line);
    expect(r.answer).toBeNull();
    expect(r.acceptedAt).toBeNull();
  });

  it('keeps commas and doubled quotes inside quoted fields', () => {
    expect(splitCsv('a,"b,c","say ""1""",,""')).toEqual(['a', 'b,c', 'say "1"', '', '']);
    expect(splitCsv('a,')).toEqual(['a', '']);
  });

  it('refuses a line of another format, a cut line and bad times, saying why', () => {
    expect(() => parseCdrLine('"","1009","95158","from-trunk"')).toThrow(/not a hotline-cdr-1 line/);
    expect(() => parseCdrLine(REAL_CALL[0]!.slice(0, 80))).toThrow(CdrLineError);
    expect(() => parseCdrLine(REAL_CALL[0]!.replace('1796341177.940934', '2026-12-03 23:39:37'))).toThrow(/start .* is not epoch seconds/);
    expect(() => parseCdrLine(REAL_CALL[0]!.replace('"hotline-1796341177.0","hotline', '"","hotline'))).toThrow(/no uniqueid/);
  });
});

describe('complete lines of a chunk', () => {
  it('stops before a line Asterisk is still writing, and skips empty lines', () => {
    const text = `${REAL_CALL[0]}\n\n${REAL_CALL[1]!.slice(0, 50)}`;
    const { lines, consumed } = completeLines(Buffer.from(text), 100);
    expect(lines).toEqual([{ text: REAL_CALL[0], offset: 100 }]);
    expect(consumed).toBe(Buffer.byteLength(`${REAL_CALL[0]}\n\n`));
  });

  it('counts offsets in bytes, not characters', () => {
    const { lines } = completeLines(Buffer.from('é\r\nx\n'), 0);
    expect(lines).toEqual([{ text: 'é', offset: 0 }, { text: 'x', offset: 4 }]);
  });
});
