import dgram from 'node:dgram';

/** Every SIPp instance and its media live on the loopback address. */
export const LOOPBACK = '127.0.0.1';

/**
 * A UDP port on 127.0.0.1 that is free right now: the kernel picks one for a
 * socket bound to port 0, which is then closed. Another process could take the
 * port before it is used again, so bind it soon (SIPp exits with code 254
 * "Unable to bind main socket" if it lost the race).
 */
export async function freeUdpPort(host: string = LOOPBACK): Promise<number> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return socket.address().port;
  } finally {
    socket.close();
  }
}

async function canBind(port: number, host: string): Promise<dgram.Socket | undefined> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, host, () => resolve(socket));
  });
}

/** Ports handed out by freeUdpPortBlock in this process, not to be given twice. */
const handedOut = new Set<number>();

export interface PortBlockOptions {
  /** How many consecutive ports (default 4: SIPp's RTP port, +1, +2 for video, +3). */
  count?: number;
  /** Lowest and highest first port (defaults 20000..29990): below the kernel's ephemeral range
   * (32768+, where freeUdpPort's ports come from) and apart from Asterisk's RTP range. */
  min?: number;
  max?: number;
  host?: string;
}

/**
 * The first of `count` consecutive free UDP ports, starting at an even number
 * (RTP uses the even port, RTCP the odd one above it). SIPp binds its media
 * port (-mp) and the port two above it for video, so several SIPp instances each
 * need their own block. Blocks are picked at random and checked by binding every
 * port in them; a block is never handed out twice by one process.
 */
export async function freeUdpPortBlock(options: PortBlockOptions = {}): Promise<number> {
  const count = options.count ?? 4;
  const min = options.min ?? 20000;
  const max = options.max ?? 29990;
  const host = options.host ?? LOOPBACK;
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = (min + Math.floor((Math.random() * (max - min)) / 2) * 2) & ~1;
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    const bound: dgram.Socket[] = [];
    let free = true;
    for (const port of ports) {
      const socket = await canBind(port, host);
      if (!socket) {
        free = false;
        break;
      }
      bound.push(socket);
    }
    await Promise.all(bound.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (free) {
      for (const p of ports) handedOut.add(p);
      return base;
    }
  }
  throw new Error(`no block of ${count} free UDP ports between ${min} and ${max}`);
}
