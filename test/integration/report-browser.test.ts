/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli.ts';
import { type SweepDocument, SweepDocumentSchema } from '../../functions/report/sweep-document.ts';
import { PRODUCT_VIEW } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * The HTML report of the demo fleet in a real browser: Debian's Chromium (installed by .ci/run),
 * driven by puppeteer-core, which never downloads a browser of its own.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the rendered report and its screenshot are kept for a person to look at (gitignored). */
const OUTPUT = resolve('.test-output');

const local = useStandIn({ ...PRODUCT_VIEW, resetEachTest: false });
let browser: Browser;
let page: Page;
let doc: SweepDocument;
const requests: string[] = [];
const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));

async function run(...args: string[]) {
  const out: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => out.push(t) };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join('') };
}

const visibleRows = () =>
  page.$$eval('#findings-table tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).length);

beforeAll(async () => {
  local.seedFleet({ demo: true });
  mkdirSync(OUTPUT, { recursive: true });
  const sweep = await run('sweep', '--policy', 'policies/default.yml', '--dry-run', '--json');
  doc = SweepDocumentSchema.parse(JSON.parse(sweep.stdout));
  const saved = join(OUTPUT, 'report-demo.sweep.json');
  writeFileSync(saved, sweep.stdout);
  const html = join(OUTPUT, 'report-demo.html');
  const report = await run('report', '--html', html, '--from', saved);
  expect(report.code).toBe(1);

  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage();
  page.on('request', (request) => requests.push(request.url()));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});

describe('report --html in headless Chromium', () => {
  it('loads nothing but itself: styles, script and charts are inline', () => {
    expect(requests).toEqual([expect.stringMatching(/^file:.*report-demo\.html$/)]);
  });

  it('heads the report with the verdict, account, regions and policy hash', async () => {
    // Act
    const header = await page.$eval('header', (h) => h.textContent ?? '');

    // Assess
    expect(await page.$eval('#status', (s) => s.textContent)).toBe('NOT COMPLIANT');
    expect(header).toContain(doc.account);
    expect(header).toContain('us-east-1');
    expect(header).toContain(doc.policy.sha256);
    expect(header).toContain('dry run: nothing was changed');
  });

  it('shows every finding of the demo fleet with its rule and policy line', async () => {
    // Act
    const rows = await page.$$eval('#findings-table tbody tr', (trs) =>
      trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent ?? '')),
    );

    // Assess
    expect(doc.findings.length).toBeGreaterThan(8);
    expect(rows).toHaveLength(doc.findings.length);
    for (const f of doc.findings) {
      const match = rows.find(
        (r) =>
          r[1] === f.kind &&
          r[2]?.endsWith(f.snapshot) &&
          r[4] === (f.account ?? '') &&
          r[5] === f.rule &&
          r[6] === String(f.line ?? ''),
      );
      expect(match, `${f.snapshot} ${f.kind} ${f.account ?? ''}`).toBeDefined();
    }
  });

  it('gives each chart a text alternative with its figures', async () => {
    // Act
    const charts = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.map((svg) => ({
        role: svg.getAttribute('role'),
        desc: svg.querySelector('desc')?.textContent ?? '',
      })),
    );

    // Assess
    const unauthorized = doc.findings.filter((f) => f.kind === 'unauthorized-grant').length;
    expect(charts).toHaveLength(2);
    expect(charts.every((c) => c.role === 'img')).toBe(true);
    expect(charts[0]?.desc).toContain(`unauthorized-grant: ${unauthorized}`);
    expect(charts[1]?.desc).toBe(`us-east-1: ${doc.findings.length}`);
  });

  it('names the snapshots most at risk', async () => {
    // Act
    const risk = await page.$eval('#at-risk + .grid', (g) => g.textContent ?? '');

    // Assess
    expect(risk).toContain('finance-prod/finance-prod-q3-export');
    expect(risk).toContain('finance-prod/finance-prod-2023-yearend');
    expect(risk).not.toContain('legal-hold-finance-2022'); // exempted: not at risk
  });

  it('filters the table by kind and by text, and says how many rows are shown', async () => {
    // Act
    await page.select('#f-kind', 'unauthorized-grant');
    const byKind = await visibleRows();
    await page.select('#f-kind', '');
    await page.type('#f-text', 'finance-prod-support');
    const byText = await visibleRows();
    const count = await page.$eval('#count', (c) => c.textContent);
    await page.$eval('#f-text', (input) => {
      (input as HTMLInputElement).value = '';
      input.dispatchEvent(new Event('input'));
    });

    // Assess
    expect(byKind).toBe(doc.findings.filter((f) => f.kind === 'unauthorized-grant').length);
    expect(byText).toBe(doc.findings.filter((f) => f.snapshot === 'finance-prod-support-case').length);
    expect(count).toBe(`${byText} of ${doc.findings.length} findings shown`);
    expect(await visibleRows()).toBe(doc.findings.length);
  });

  it('sorts by a column from the keyboard alone', async () => {
    // Prepare: Tab from the last filter reaches the first column header's button.
    await page.focus('#f-severity');

    // Act
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    await page.keyboard.press('Enter');
    const sort = await page.$eval('#findings-table thead th', (th) => th.getAttribute('aria-sort'));
    const first = await page.$eval('#findings-table tbody tr', (tr) => (tr as HTMLElement).dataset.severity);

    // Assess
    expect(focused).toBe('Severity');
    expect(sort).toBe('ascending');
    expect(first).toBe('violation');
  });

  it('prints every row without the filter controls', async () => {
    // Prepare
    await page.select('#f-kind', 'too-old');

    // Act
    await page.emulateMediaType('print');
    const printed = await page.$$eval(
      '#findings-table tbody tr',
      (rows) => rows.filter((r) => getComputedStyle(r).display !== 'none').length,
    );
    const controls = await page.$eval('.controls', (c) => getComputedStyle(c).display);
    await page.emulateMediaType('screen');
    await page.select('#f-kind', '');

    // Assess
    expect(printed).toBe(doc.findings.length);
    expect(controls).toBe('none');
  });

  it('takes a screenshot of the whole report for a person to look at', async () => {
    // Act
    const file = join(OUTPUT, 'report-demo.png');
    await page.reload({ waitUntil: 'load' });
    await page.screenshot({ path: file as `${string}.png`, fullPage: true });

    // Assess
    console.log(`report screenshot: ${file}`);
    expect(file).toMatch(/\.png$/);
  });
});
