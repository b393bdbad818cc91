import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";

export const MIN_PASSWORD_LENGTH = 12;

// Checked offline against zxcvbn's common-password and word lists: a password
// it can guess in under 10^8 tries (score below 3) is refused, whatever its length.
const MIN_SCORE = 3;

let checker: ZxcvbnFactory | undefined;

/** Why the password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, userInputs: string[] = []): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > 256) return "The password can have at most 256 characters.";
  checker ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  const result = checker.check(password, userInputs);
  if (result.score >= MIN_SCORE) return null;
  return "The password is too easy to guess: it is close to a common password, word or keyboard pattern. Choose a longer, less common one.";
}
