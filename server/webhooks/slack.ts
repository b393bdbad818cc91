import type { FinetuningJob } from "../finetuning/schema";
import type { WebhookEventType, WebhookPayload } from "./schema";

// A delivery as a Slack incoming-webhook message (https://api.slack.com/messaging/webhooks):
// `text` for notifications and clients without blocks, `blocks` for the
// channel — which job, what happened, why, what it cost so far, and a link to it.

const WHAT_HAPPENED: Partial<Record<WebhookEventType, { emoji: string; words: string }>> = {
  "guardrail.triggered": { emoji: ":rotating_light:", words: "A guardrail tripped" },
  "job.failed": { emoji: ":x:", words: "The job failed" },
  "job.cancelled": { emoji: ":no_entry_sign:", words: "The job was cancelled" },
  "job.cancel_stuck": { emoji: ":hourglass:", words: "The provider has not confirmed the cancel" },
  "sweep.run_stopped": { emoji: ":scissors:", words: "The sweep stopped this run" },
};

// Slack's limits: a section's text 3,000 characters, a field's 2,000.
const REASON_MAX = 1_000;
const NAME_MAX = 200;

/** Slack's mrkdwn reads &, < and > as markup: anything from a job or a provider is escaped. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function usd(amount: number): string {
  return amount > 0 && amount < 0.01 ? "< $0.01" : `$${amount.toFixed(2)}`;
}

/** "$12.40 of ~$31.00", "$3.10" once final, "< $0.01", or "unknown" (never a made-up number). */
export function costWords(cost: FinetuningJob["cost"]): string {
  if (cost.final_usd !== null) return usd(cost.final_usd);
  if (cost.so_far_usd === null) return "unknown";
  return cost.estimated_total_usd !== null ? `${usd(cost.so_far_usd)} of ~${usd(cost.estimated_total_usd)}` : usd(cost.so_far_usd);
}

function reasonOf(payload: WebhookPayload): string {
  const { change, job } = payload.data;
  return change.reason ?? job.error ?? (change.to ? `now ${change.to}` : "no reason given");
}

export function slackMessage(payload: WebhookPayload, appUrl: string): { text: string; blocks: unknown[] } {
  const { job } = payload.data;
  const what = WHAT_HAPPENED[payload.type] ?? { emoji: ":information_source:", words: payload.type };
  const name = cut(job.alias ?? job.id, NAME_MAX);
  const link = `${appUrl.replace(/\/+$/, "")}/jobs/${job.id}`;
  const reason = cut(reasonOf(payload), REASON_MAX);
  const cost = costWords(job.cost);
  return {
    text: slackEscape(`${what.words}: ${name} (${job.status}). ${reason}. Cost: ${cost}. ${link}`),
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `${what.emoji} *${what.words}*: <${link}|${slackEscape(name)}>` },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Job*\n${slackEscape(name)}\n\`${job.id}\`` },
          { type: "mrkdwn", text: `*Status*\n${job.status}` },
          { type: "mrkdwn", text: `*Reason*\n${slackEscape(reason)}` },
          { type: "mrkdwn", text: `*Cost*\n${cost}` },
        ],
      },
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Open the job" }, url: link }],
      },
    ],
  };
}
