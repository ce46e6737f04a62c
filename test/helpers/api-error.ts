// For unit tests of code that answers with ApiErrors: what `f` threw, if anything.

import { ApiError } from '../../api/errors.js';

/** The ApiError `f` throws, or undefined when it returns; any other error is rethrown. */
export function apiErrorOf(f: () => unknown): ApiError | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  return undefined;
}
