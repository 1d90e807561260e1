import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  user: string | undefined;
  raw: string;
  headers: Map<string, string>;
  text: string;
}

export interface TestSmtpServer {
  port: number;
  mails: ReceivedMail[];
  /** Error to answer the n-th DATA with (1-based), e.g. a 451 temporary failure; undefined accepts. */
  refuse: (n: number) => (Error & { responseCode?: number }) | undefined;
  close(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 that keeps what it receives. Plain text only
 * (no STARTTLS: its built-in certificate is for nothing); AUTH over the
 * plain connection when credentials are given.
 */
export async function startSmtpServer(credentials?: { user: string; password: string }): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  let dataCount = 0;
  const result = { mails, refuse: () => undefined } as unknown as TestSmtpServer;
  const options: SMTPServerOptions = {
    logger: false,
    disabledCommands: credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !credentials,
    onAuth(auth, _session, callback) {
      if (credentials && auth.username === credentials.user && auth.password === credentials.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const refusal = result.refuse(++dataCount);
        if (refusal) {
          callback(refusal);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, text } = parseMessage(raw);
        mails.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw,
          headers,
          text,
        });
        callback(null, 'queued');
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  result.port = (server.server.address() as AddressInfo).port;
  result.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return result;
}

/**
 * Headers (lower-case names, unfolded) and the decoded text of a single-part
 * message: enough for what the ticket e-mail is (nodemailer picks
 * quoted-printable or base64 for its non-ASCII text).
 */
export function parseMessage(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  let bytes: Buffer;
  if (encoding === 'base64') {
    bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  } else if (encoding === 'quoted-printable') {
    const unfolded = body.replace(/=\r\n/g, '');
    const out: number[] = [];
    for (let i = 0; i < unfolded.length; i++) {
      const hex = unfolded.slice(i + 1, i + 3);
      if (unfolded[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        out.push(...Buffer.from(unfolded[i]!, 'utf8'));
      }
    }
    bytes = Buffer.from(out);
  } else {
    bytes = Buffer.from(body, 'utf8');
  }
  return { headers, text: bytes.toString('utf8').replace(/\r\n/g, '\n') };
}
