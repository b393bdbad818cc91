import type { RuleDefinition, RulesetDefinition } from "@stoplight/spectral-core";
import owasp from "@stoplight/spectral-owasp-ruleset";
import { oas } from "@stoplight/spectral-rulesets";

// The Spectral ruleset the OpenAPI document is held to (tests/integration/openapi-lint.test.ts):
// spectral:oas and the OWASP API Security ruleset, every rule on, but those below.

type Rule = RuleDefinition;
const owaspRules = (owasp as unknown as { rules: Record<string, Rule> }).rules;

// What a client sends: every parameter's and request body's schemas, at any depth.
const REQUEST_PARTS = ["$.paths[*][*].parameters[*]", "$.paths[*][*].requestBody"];
const ofType = (type: string) =>
  REQUEST_PARTS.flatMap((part) => [
    `${part}..[?(@ && @.type=="${type}")]`,
    `${part}..[?(@ && @.type && @.type.constructor.name === "Array" && @.type.includes("${type}"))]`,
  ]);

/** An OWASP size rule, with its own check, applied to what clients send. */
function onRequests(name: string, type: string): Rule {
  const rule = owaspRules[name];
  if (!rule) throw new Error(`The OWASP ruleset has no rule ${name}`);
  return { ...rule, given: ofType(type) };
}

export const openApiRuleset: RulesetDefinition = {
  extends: [
    [oas as RulesetDefinition, "all"],
    [owasp, "all"],
  ],
  rules: {
    // Off: only 429 answers carry rate-limit information (Retry-After, declared); no answer sends RateLimit headers, and the document declares only what is sent.
    "owasp:api4:2023-rate-limit": "off",
    // Off: no CORS is served, so no answer carries Access-Control-Allow-Origin; the policy is stated in info (description, x-cors).
    "owasp:api8:2023-define-cors-origin": "off",
    // Off, and held to requests below: answers repeat what the provider says (errors, ids, model names), which the server does not cut to a length.
    "owasp:api4:2023-string-limit": "off",
    // Off, and held to requests below: an answer's arrays are as long as the job's history (events, trips, checkpoints), bounded by pages where they grow.
    "owasp:api4:2023-array-limit": "off",
    "request-string-limit": onRequests("owasp:api4:2023-string-limit", "string"),
    "request-array-limit": onRequests("owasp:api4:2023-array-limit", "array"),
  },
};
