import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that may carry secrets or full phone numbers. pino removes them
 * from every line wherever they appear one level deep, so a careless
 * `log.info({ caller })` cannot leak a number; code logs masked numbers under
 * other names (`from`, `to`) produced by maskNumber().
 */
const REDACTED = [
  'password', '*.password', 'token', '*.token', 'authorization', '*.authorization',
  'caller', '*.caller', 'callerNumber', '*.callerNumber', 'number', '*.number',
  'callbackNumber', '*.callbackNumber', 'ariPassword', '*.ariPassword',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'hotline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
