/**
 * A failure that is sent back to the client as the service's own error document.
 * `code` is the wire code the SDK deserializer maps to its typed exception class.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.status = status;
  }

  /** awsQuery error documents carry the blame side explicitly; the SDK reads it into `$fault`. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** Errors shared by all AWS query/json services (AWS "Common Errors"). */
export const commonErrors = {
  missingParameter: (name: string) =>
    new ServiceError('MissingParameter', `The request must contain the parameter ${name}`, 400),
  invalidParameterValue: (message: string) => new ServiceError('InvalidParameterValue', message, 400),
  invalidParameterCombination: (message: string) =>
    new ServiceError('InvalidParameterCombination', message, 400),
  invalidAction: (action: string) =>
    new ServiceError('InvalidAction', `The action ${action} is not valid for this web service.`, 400),
};
