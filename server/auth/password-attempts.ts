import { db } from "../db";
import {
  releaseAttempt,
  reserveAttempt,
  SIGN_IN_FAILURES_PER_ACCOUNT,
  SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
  SIGN_IN_FAILURES_PER_ADDRESS,
  type FailureLimit,
} from "../rate-limit/failures";
import { clientAddressFrom } from "./client-address";

export const TOO_MANY_PASSWORDS = "Too many failed sign-ins for this account or from this address.";

/** Every check of a password (sign-in, password change) counts against these. */
export function passwordLimits(email: string, headers: Headers): FailureLimit[] {
  const account = email.trim().toLowerCase();
  const address = clientAddressFrom(headers);
  return [
    { subject: `sign-in-account-address:${account}|${address}`, max: SIGN_IN_FAILURES_PER_ACCOUNT_AND_ADDRESS },
    { subject: `sign-in-account:${account}`, max: SIGN_IN_FAILURES_PER_ACCOUNT },
    { subject: `sign-in-address:${address}`, max: SIGN_IN_FAILURES_PER_ADDRESS },
  ];
}

/**
 * Runs one password check with its attempt reserved first (so concurrent
 * guesses cannot all pass a count read before any is recorded): throws the
 * 429's AppError when a limit is used up; the attempt stays counted when
 * `failed` says the password was wrong, and is taken back otherwise.
 */
export async function withPasswordAttempt<T>(
  email: string,
  headers: Headers,
  attempt: () => Promise<T>,
  failed: (result: T | undefined, error?: unknown) => boolean | Promise<boolean>,
): Promise<T> {
  const reservation = await reserveAttempt({ db: db(), limits: passwordLimits(email, headers), message: TOO_MANY_PASSWORDS });
  let result: T;
  try {
    result = await attempt();
  } catch (error) {
    if (!(await failed(undefined, error))) await releaseAttempt({ db: db(), reservation });
    throw error;
  }
  if (!(await failed(result))) await releaseAttempt({ db: db(), reservation });
  return result;
}
