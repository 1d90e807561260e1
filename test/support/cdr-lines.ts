/**
 * Lines of the fallback CDR file (asterisk-config/cdr_custom.conf) as Asterisk
 * 16 wrote them for a real fallback call (test/e2e/fallback.test.ts): duty1
 * answered and did not press 1 (CONGESTION), duty2 accepted. `cdrLine` makes
 * others of the same shape.
 */
export interface CdrLineInit {
  uniqueid: string;
  sequence?: number;
  start: number;
  answer?: number;
  end: number;
  disposition?: string;
  src?: string;
  dial?: string;
  fallbackAt?: number | null;
  acceptedAt?: number | null;
}

export function cdrLine(o: CdrLineInit): string {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const t = (v: number | null | undefined) => (v == null ? '' : v.toFixed(3));
  const dstChannel = o.dial ? `${o.dial}-0000000${o.sequence ?? 0}` : '';
  const lastData = o.dial ? `${o.dial},6,m(duty-wait)U(hotline-duty-accept^${o.src ?? '1009'})` : '';
  return [
    'hotline-cdr-1', q(o.uniqueid), q(o.uniqueid), String(o.sequence ?? 0), o.start.toFixed(6), (o.answer ?? 0).toFixed(6), o.end.toFixed(6),
    q(o.disposition ?? 'ANSWERED'), q(o.src ?? '1009'), q(dstChannel), q(lastData),
    q(o.fallbackAt === undefined ? t(o.start + 0.002) : t(o.fallbackAt)), q(t(o.acceptedAt)), q(o.fallbackAt === null ? '' : '95158'), q(o.fallbackAt === null ? '' : `call-${o.uniqueid}`),
  ].join(',');
}

export const REAL_CALL = [
  'hotline-cdr-1,"hotline-1796341177.0","hotline-1796341177.0",0,1796341177.940934,1796341177.941180,1796341190.878191,"CONGESTION","1009","PJSIP/duty1-00000001","PJSIP/duty1,6,m(duty-wait)U(hotline-duty-accept^1009)","1796341177.943","","95158","4d1c-call-id"',
  'hotline-cdr-1,"hotline-1796341177.0","hotline-1796341177.0",2,1796341190.889504,1796341190.889504,1796341196.564403,"ANSWERED","1009","PJSIP/duty2-00000002","PJSIP/duty2,6,m(duty-wait)U(hotline-duty-accept^1009)","1796341177.943","1796341193.148","95158","4d1c-call-id"',
];
