import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

/**
 * Sends one SIP OPTIONS over UDP to host:port and resolves with the status
 * code of the answer (null when none came within timeoutMs). Enough to tell
 * that a SIP server is up; it is no SIP stack (no retransmission, no auth).
 */
export async function sipPing(host: string, port: number, timeoutMs = 1000): Promise<number | null> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    const local = socket.address();
    const tag = randomBytes(6).toString('hex');
    const callId = `${randomBytes(10).toString('hex')}@hotline`;
    const message = [
      `OPTIONS sip:${host}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:probe@${local.address}:${local.port}>;tag=${tag}`,
      `To: <sip:${host}:${port}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      `Contact: <sip:probe@${local.address}:${local.port}>`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      socket.on('message', (msg) => {
        const text = msg.toString('utf8');
        const m = /^SIP\/2\.0 (\d{3})/.exec(text);
        if (!m || !text.includes(callId)) return;
        const code = Number(m[1]);
        if (code < 200) return;
        clearTimeout(timer);
        resolve(code);
      });
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      socket.send(message, port, host);
    });
  } finally {
    socket.close();
  }
}
