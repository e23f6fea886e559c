/**
 * Radix's `Status` body (`pkg/errors`, shared/reference/appwrapper-radix.md B2.1): every answer of
 * the job-scheduler that is not a job or batch is one of these, success included.
 */
export interface RadixStatusBody {
  readonly status: 'Success' | 'Failure';
  readonly message: string;
  /** Omitted on success, as upstream omits an empty reason. */
  readonly reason?: string;
  readonly code: number;
}

/** Radix's reasons, plus the HTTP ones kubejobs adds where upstream has no case. */
export type RadixReason = 'BadRequest' | 'NotFound' | 'Invalid' | 'InternalError' | 'RequestEntityTooLarge' | 'ServiceUnavailable' | 'MethodNotAllowed';

/** An answer with a Radix `Status` body and its HTTP status. */
export class RadixApiError extends Error {
  public constructor(public readonly code: number, public readonly reason: RadixReason, message: string) {
    super(message);
  }

  /** The response body. */
  public body(): RadixStatusBody {
    return { status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

/** 404 `<kind> <name> not found`. */
export function notFound(kind: string, name: string): RadixApiError {
  return new RadixApiError(404, 'NotFound', `${kind} ${name} not found`);
}

/** 422 `<name> is invalid` or `<name> is invalid: <why>`. */
export function invalid(name: string, why?: string): RadixApiError {
  return new RadixApiError(422, 'Invalid', why ? `${name} is invalid: ${why}` : `${name} is invalid`);
}

/** 400 with a message. */
export function badRequest(message: string): RadixApiError {
  return new RadixApiError(400, 'BadRequest', message);
}

/** A success `Status` body. */
export function success(message: string): RadixStatusBody {
  return { status: 'Success', message, code: 200 };
}
