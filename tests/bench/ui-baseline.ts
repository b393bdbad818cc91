// The badge target's yardstick: the same click → badge measurement on a
// minimal React page (one button, one row, one role=status badge, state set in
// the click's handler), in the same Chromium, in the same run. What the
// product's page takes beyond this is the product's own work.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";
import { chromium } from "playwright";
import { stats, type Stats } from "./lib";

const HREF = "/jobs/baseline";

// The page's code, bundled with the app's own React in production mode.
const ENTRY = `
import { useState } from "react";
import { createRoot } from "react-dom/client";
function Row() {
  const [status, setStatus] = useState("Running");
  return (
    <table><tbody><tr>
      <td><a href="${HREF}">baseline</a></td>
      <td><span role="status">{status}</span></td>
      <td><button onClick={() => setStatus("Cancelled")}>Cancel job</button><button onClick={() => setStatus("Running")}>Reset</button></td>
    </tr></tbody></table>
  );
}
createRoot(document.getElementById("root")).render(<Row />);
`;

const PROBE = `(href) => {
  const probe = { clickAt: 0, changedAt: 0, done: false };
  window.__benchProbe = probe;
  const badgeText = () => document.querySelector('a[href="' + href + '"]')?.closest("tr")?.querySelector('[role="status"]')?.textContent?.trim();
  window.addEventListener("click", () => { probe.clickAt ||= performance.now(); }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (probe.done || !probe.clickAt || badgeText() !== "Cancelled") return;
    probe.changedAt = performance.now();
    probe.done = true;
    observer.disconnect();
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
}`;

/** Click → badge "Cancelled" on the minimal React page, `clicks` times, in Chromium at `executablePath`. */
export async function measureBaselineBadge(opts: {
  executablePath: string;
  args: string[];
  clicks: number;
  resolveDir: string;
}): Promise<Stats> {
  const bundle = await build({
    stdin: { contents: ENTRY, loader: "tsx", resolveDir: opts.resolveDir },
    bundle: true,
    minify: true,
    write: false,
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const js = bundle.outputFiles[0]?.text ?? "";
  const server = createServer((req, res) => {
    if (req.url === "/app.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    else
      res
        .writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><html><body><div id="root"></div><script src="/app.js"></script></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({ executablePath: opts.executablePath, args: opts.args, timeout: 60_000 });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.getByRole("status").waitFor();
    const samples: number[] = [];
    for (let i = 0; i < opts.clicks; i++) {
      await page.getByRole("button", { name: "Reset" }).click();
      await page.getByRole("status").filter({ hasText: "Running" }).waitFor();
      await page.evaluate(`(${PROBE})(${JSON.stringify(HREF)})`);
      await page.getByRole("button", { name: "Cancel job" }).click();
      await page.waitForFunction("window.__benchProbe?.done === true", null, { timeout: 10_000 });
      const probe = await page.evaluate<{ clickAt: number; changedAt: number }>("window.__benchProbe");
      samples.push(probe.changedAt - probe.clickAt);
    }
    return stats(samples);
  } finally {
    await browser.close();
    server.close();
  }
}
