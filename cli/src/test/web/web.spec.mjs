// The web view in a real browser: Debian's chromium driven by playwright-core. Run by WebViewIT, which
// starts the workers and `bin/pipeline web`, and sends a batch when this script prints READY.
// env: BASE_URL, WEB_TOKEN, SCREENSHOTS (a directory), SPEECH_NAME (a recording with speech), HOSTILE_NAME.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.env.BASE_URL;
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });
const failures = [];
function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures.push(what);
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
async function until(what, fn, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(100);
  }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
const dialogs = [];
page.on("dialog", d => { dialogs.push(d.message()); d.dismiss(); });
page.on("pageerror", e => failures.push("page error: " + e.message));

try {
  // 1. the overview follows a batch from its first progress to completed, refreshing itself
  await page.goto(base + "/");
  await until("the overview's first refresh", () => page.evaluate(() => document.getElementById("refreshed").textContent !== "…"));
  console.log("READY");
  const seen = new Set();
  const batchId = await until("a batch on the overview", () => page.evaluate(() => {
    const b = document.querySelector(".batch[data-batch]");
    return b && b.dataset.batch;
  }));
  let shotTaken = false;
  let working = "";
  await until("the batch completed on the overview", async () => {
    const state = await page.evaluate(id => {
      const b = document.querySelector('.batch[data-batch="' + id + '"]');
      return b ? { progress: b.dataset.progress, completed: b.classList.contains("completed") } : null;
    }, batchId);
    if (state) seen.add(state.progress);
    if (!working) {
      working = await page.evaluate(() => Array.from(document.querySelectorAll("#workers li"))
        .map(li => li.textContent).find(t => t.includes("working on calls/")) || "");
    }
    if (state && !state.completed && Number(state.progress) > 0 && !shotTaken) {
      shotTaken = true;
      await page.screenshot({ path: shots + "/overview-in-progress.png", fullPage: true });
    }
    return state && state.completed;
  }, 240000);
  const values = [...seen].map(Number).sort((a, b) => a - b);
  check(values.length >= 2 && values[0] < 100 && values[values.length - 1] === 100,
        "the overview showed the batch's progress moving, then complete: " + JSON.stringify(values));
  check(working !== "", "a worker was shown working on a recording of the batch: " + working);
  await page.screenshot({ path: shots + "/overview.png", fullPage: true });

  // 2. the batch page: every recording, a hostile name shown as text, nothing executed
  await page.goto(base + "/batch/" + batchId);
  const names = await page.$$eval("#recordings td.name", tds => tds.map(td => td.textContent));
  check(names.includes(process.env.HOSTILE_NAME), "the file name holding <script> is shown as text: " + JSON.stringify(names));
  check(await page.$$eval("script", s => s.length) === 1, "no script element comes from a name");
  check(dialogs.length === 0, "no alert ran: " + JSON.stringify(dialogs));
  await page.screenshot({ path: shots + "/batch.png", fullPage: true });

  // 3. the transcript: the audio plays, the highlighted word moves along, a click on a word seeks there
  await page.click("#recordings a >> text=" + process.env.SPEECH_NAME);
  await page.waitForSelector("#transcript .word");
  const words = await page.$$eval("#transcript .word", ws => ws.map(w => ({ text: w.textContent, start: +w.dataset.start })));
  check(words.length >= 3, "the transcript has its words: " + words.map(w => w.text).join(" "));
  await page.evaluate(() => document.getElementById("player").play());
  await until("the audio playing", () => page.evaluate(() => document.getElementById("player").currentTime > 0.3), 20000);
  const first = await until("a highlighted word", () => page.evaluate(() => {
    const w = document.querySelector("#transcript .word.current");
    return w && w.dataset.start;
  }), 20000);
  const later = await until("the highlight moving on", () => page.evaluate(s => {
    const w = document.querySelector("#transcript .word.current");
    return w && w.dataset.start !== s && w.dataset.start;
  }, first), 20000);
  check(Number(later) > Number(first), "the highlight moved with the audio: " + first + " -> " + later);
  await page.screenshot({ path: shots + "/transcript.png", fullPage: true });
  const target = words[words.length - 1];
  await page.evaluate(() => document.getElementById("player").pause());
  await page.click("#transcript .word >> nth=" + (words.length - 1));
  const at = await until("the seek", () => page.evaluate(() => {
    const a = document.getElementById("player");
    return !a.seeking && a.currentTime > 0 ? a.currentTime : null;
  }), 10000);
  check(Math.abs(at - target.start) < 0.35, "clicking '" + target.text + "' seeks to " + target.start + " (at " + at + ")");
  const vtt = await page.evaluate(async () => (await fetch(document.querySelector('.downloads a[href$=".vtt"]').href)).text());
  check(vtt.startsWith("WEBVTT"), "the VTT download");

  // 4. dead letters: refused without the token, retried with it (and gone from the list)
  await page.goto(base + "/dead");
  check(await page.locator("tr.dead").count() === 1, "the dead job is listed with its reason: "
        + await page.locator("td.reason").first().textContent());
  await page.click("tr.dead button");
  await until("the refusal", () => page.evaluate(() => document.getElementById("result").textContent));
  check((await page.textContent("#result")).startsWith("refused (401)"), "without the token the retry is refused: " + await page.textContent("#result"));
  check(await page.locator("tr.dead").count() === 1, "the dead job is still there");
  await page.fill("#token", process.env.WEB_TOKEN);
  await page.click("tr.dead button");
  await until("the list without the job", async () => (await page.locator("#none").count()) === 1, 10000);
  check(await page.locator("tr.dead").count() === 0, "with the token the job is retried and leaves the list");
  await page.screenshot({ path: shots + "/dead.png", fullPage: true });
} catch (e) {
  failures.push(String(e && e.stack || e));
  await page.screenshot({ path: shots + "/failure.png", fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
if (failures.length) {
  console.log("FAILURES:\n" + failures.join("\n"));
  process.exit(1);
}
console.log("ALL PASSED");
