import { describe, expect, it } from "vitest";
import { listAnswer, nextPageUrl, withStringParameters } from "../../server/http/rest/engine-answers";

const job = (model_parameters: unknown) => ({
  id: "j",
  base_llm: { model_provider: "openai", model_name: "m", model_parameters },
  cost: { n_epochs: 3 },
});

describe("withStringParameters", () => {
  it("turns every non-string model parameter into a string, in a job or a list, and nothing else", () => {
    const cases: Array<[unknown, unknown]> = [
      [{ n_epochs: 1 }, { n_epochs: "1" }],
      [
        { n_epochs: "1", batch_size: 4 },
        { n_epochs: "1", batch_size: "4" },
      ],
      [
        { n_epochs: "}", learning_rate_multiplier: 0.5 },
        { n_epochs: "}", learning_rate_multiplier: "0.5" },
      ],
      [
        { n_epochs: 'a","b":', batch_size: 2 },
        { n_epochs: 'a","b":', batch_size: "2" },
      ],
    ];
    for (const [given, expected] of cases) {
      expect(JSON.parse(withStringParameters(JSON.stringify(job(given))))).toEqual(job(expected));
      expect(JSON.parse(withStringParameters(JSON.stringify([job({ n_epochs: "2" }), job(given)])))).toEqual([
        job({ n_epochs: "2" }),
        job(expected),
      ]);
    }
  });

  it("leaves answers that need nothing byte for byte as they are", () => {
    for (const body of [
      JSON.stringify(job({ n_epochs: "1" })),
      JSON.stringify(job(null)),
      JSON.stringify(job({})),
      '{"status":true}',
      JSON.stringify([{ n_epochs: 1 }]),
    ]) {
      expect(withStringParameters(body)).toBe(body);
    }
  });
});

describe("listAnswer", () => {
  it("answers the items, and links the next page with the request's own query and the new cursor", () => {
    const url = new URL("http://internal/api/v1/finetunings?db_connection_id=c&limit=2&cursor=old");
    const more = listAnswer(JSON.stringify({ items: [{ id: "a" }], next_cursor: "n x" }), url, "https://room.example");
    expect(JSON.parse(more.body)).toEqual([{ id: "a" }]);
    expect(more.headers).toEqual({
      link: '<https://room.example/api/v1/finetunings?db_connection_id=c&limit=2&cursor=n+x>; rel="next"',
      "x-next-cursor": "n x",
    });
    expect(listAnswer(JSON.stringify({ items: [], next_cursor: null }), url, undefined)).toEqual({ body: "[]", headers: {} });
    expect(nextPageUrl(url, undefined, "n")).toBe("/api/v1/finetunings?db_connection_id=c&limit=2&cursor=n");
  });
});
