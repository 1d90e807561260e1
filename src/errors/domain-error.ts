/**
 * Errors the domain raises when a request cannot be done as asked. Each
 * carries the HTTP status it maps to and a stable error id (the `error` field
 * of the JSON answer, for clients to branch on); the one fastify error handler
 * (src/http/app.ts) answers with them, so routes need no try/catch.
 */
export class DomainError extends Error {
  constructor(
    /** Stable id of the kind of error: 'not-found', 'conflict', 'forbidden', … */
    readonly errorId: string,
    readonly httpStatus: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Malformed or meaningless input (400). */
export class InputError extends DomainError {
  constructor(message: string) {
    super('bad-request', 400, message);
  }
}

/** The caller's role does not allow it (403). */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

/** No such thing (404). */
export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not-found', 404, message);
  }
}

/** The thing's state does not allow it now (409). */
export class ConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

/** A part the request needs is away for a moment (503, with retry-after). */
export class UnavailableError extends DomainError {
  constructor(message: string, options?: ErrorOptions) {
    super('unavailable', 503, message, options);
  }
}
