// The base of every error that crosses a module boundary: a stable code, an HTTP status and a message
// that tells the caller what to do next. The HTTP layer turns these into {"error":{code,message,details}}.

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  static validation(message: string, details?: unknown) {
    return new AppError('VALIDATION_FAILED', 400, message, details);
  }

  static unauthorized(message = 'missing or invalid bearer token') {
    return new AppError('UNAUTHORIZED', 401, message);
  }

  static forbidden(message: string) {
    return new AppError('FORBIDDEN', 403, message);
  }

  static notFound(what: string) {
    return new AppError('NOT_FOUND', 404, `${what} not found`);
  }

  static conflict(message: string, details?: unknown) {
    return new AppError('CONFLICT', 409, message, details);
  }

  static unavailable(message: string) {
    return new AppError('SERVICE_UNAVAILABLE', 503, message);
  }
}
