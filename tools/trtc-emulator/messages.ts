/** The emulator's API errors: a code, its realistic default message, and a private detail for `calls`. */

/** An API error decision: code + message (+ a private detail for `calls`). */
export interface ApiError {
  code: string;
  message: string;
  detail?: string;
}

/** Realistic default messages (Tencent may change the wording; clients must branch on Code only). */
export function defaultMessage(code: string, action: string): string {
  switch (code) {
    case 'RequestLimitExceeded':
      return 'Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls.';
    case 'RequestLimitExceeded.UinLimitExceeded':
      return 'Your account request frequency exceeds the limit. Please reduce the frequency of calls.';
    case 'RequestLimitExceeded.IPLimitExceeded':
      return 'Your IP request frequency exceeds the limit. Please reduce the frequency of calls.';
    case 'InternalError':
      return 'An internal error has occurred. Retry your request, but if the problem persists, contact us.';
    case 'InternalError.BackendFail':
      return 'Backend service failed.';
    case 'InternalError.BackendTimeOut':
      return 'Backend service timed out.';
    case 'InternalError.DBError':
      return 'Database error.';
    case 'ServiceUnavailable':
      return 'The service is temporarily unavailable. Please try again later.';
    case 'ResourceUnavailable':
      return 'The resource is temporarily unavailable.';
    case 'ResourceInUse':
      return 'The resource is in use.';
    case 'InvalidAction':
      return `The requested action \`${action}\` does not exist.`;
    case 'ActionOffline':
      return `The action \`${action}\` has been taken offline.`;
    case 'NoSuchVersion':
      return 'The requested version does not exist.';
    case 'NoSuchProduct':
      return 'The requested product does not exist.';
    case 'AuthFailure.SignatureExpire':
      return 'Signature expired. Timestamp is out of the allowed 300 second window of the server time.';
    case 'AuthFailure.SignatureFailure':
      return 'The provided credentials could not be validated. Please check your signature is correct.';
    case 'AuthFailure.SecretIdNotFound':
      return 'The SecretId is not found, please ensure that your SecretId is correct.';
    case 'AuthFailure.InvalidSecretId':
      return 'Invalid key (not a TencentCloud API key type).';
    case 'AuthFailure.TokenFailure':
      return 'The provided token is invalid or has expired.';
    case 'AuthFailure.InvalidAuthorization':
      return 'The `Authorization` header is invalid.';
    case 'AuthFailure.MFAFailure':
      return 'MFA verification failed.';
    case 'AuthFailure.UnauthorizedOperation':
      return `You are not authorized to perform the operation (trtc:${action}).`;
    case 'AuthFailure.UnRealNameAuthenticated':
      return 'The account has not completed real-name authentication.';
    case 'UnauthorizedOperation':
      return 'Unauthorized operation.';
    case 'UnsupportedProtocol':
      return 'The request protocol is not supported.';
    case 'UnsupportedRegion':
      return 'The region is not supported.';
    case 'RequestSizeLimitExceeded':
      return 'The request size exceeds the limit.';
    case 'LimitExceeded':
      return 'The quota limit has been exceeded.';
    case 'FailedOperation':
      return 'The operation failed.';
    case 'InvalidParameter':
      return 'A parameter is invalid.';
    case 'InvalidParameterValue':
      return 'A parameter value is invalid.';
    case 'MissingParameter':
      return 'A required parameter is missing.';
    case 'UnknownParameter':
      return 'An unknown parameter was passed.';
    default:
      return `The request failed with error \`${code}\`.`;
  }
}

export function apiError(code: string, message: string, detail?: string): ApiError {
  return detail === undefined ? { code, message } : { code, message, detail };
}
