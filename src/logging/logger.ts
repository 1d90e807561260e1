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
  // HTTP: the request serializer logs no headers or bodies, but a handler
  // that logs `req.headers` or a body must not leak a bearer token or password.
  'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie',
  'body.password', 'req.body.password', 'currentPassword', '*.currentPassword', 'newPassword', '*.newPassword', 'adminToken', '*.adminToken', 'serviceToken', '*.serviceToken',
  'generatedPassword', '*.generatedPassword', 'passwordHash', '*.passwordHash',
];

/** `fields` go on every line: the node id, so a cluster's merged logs say which node wrote each. */
export function createLogger(level: string, destination?: DestinationStream, fields: Record<string, string> = {}): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'hotline', ...fields },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
