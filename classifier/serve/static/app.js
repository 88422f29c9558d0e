// The desk's page: paste or drop headlines, label them through /v1/predict, read, filter, sort, download.
// Text from the server is always set with textContent, never parsed as HTML.
"use strict";

const EXPLAIN = 5; // reasons asked for each row, shown when a row is expanded
const PAGE_ROWS = 200; // rows drawn at a time: thousands of table rows make every sort slow to lay out
// entries: every row in input order; view: the rows the filter keeps, in the chosen order
const state = { entries: [], view: [], page: 0, request: null, finished: 0 };

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function percent(p) {
  if (p === null || p === undefined) return "";
  if (p < 0.005) return "<1%";
  if (p > 0.995 && p < 1) return ">99%";
  return `${Math.round(p * 100)}%`;
}

function signed(x, places = 2) {
  return (x >= 0 ? "+" : "\u2212") + Math.abs(x).toFixed(places);
}

// Red at -1, amber at 0, green at +1.
function toneColour(tone) {
  return `hsl(${Math.round(60 + 60 * tone)}, 70%, 40%)`;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function setBusy(busy, text) {
  $("classify").disabled = busy;
  $("status").textContent = text || "";
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.error || response.statusText;
  } catch {
    return response.statusText || "no details";
  }
}

// A request from the paste box: one headline a line; trailing blank lines dropped, inner ones kept as rows.
function fromPaste() {
  const lines = $("headlines").value.split(/\r\n|\n|\r/);
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  if (!lines.some((line) => line.trim() !== "")) {
    showError("Nothing to classify: paste some headlines, one a line, or drop a .csv or .txt file.");
    return null;
  }
  return {
    body: JSON.stringify({ headlines: lines, explain: EXPLAIN }),
    contentType: "application/json",
    query: "",
    label: `${lines.length.toLocaleString()} headline${lines.length === 1 ? "" : "s"}`,
  };
}

// A request from a dropped or chosen file, sent as it is: the server reads CSV, TSV and text.
function fromFile(file) {
  const name = file.name.toLowerCase();
  const type = name.endsWith(".csv") ? "text/csv"
    : name.endsWith(".tsv") ? "text/tab-separated-values"
    : name.endsWith(".txt") ? "text/plain" : null;
  if (!type) {
    showError(`${file.name}: drop a .csv, .tsv or .txt file.`);
    return null;
  }
  const params = new URLSearchParams({ explain: String(EXPLAIN) });
  if (type !== "text/plain") params.set("column", $("column").value.trim() || "headline");
  return { body: file, contentType: type, query: `?${params}`, label: file.name };
}

// Each answered request, good or bad, bumps data-finished on <body> (tests and scripts wait on it).
function finished() {
  state.finished += 1;
  document.body.dataset.finished = String(state.finished);
}

async function classify(request) {
  if (!request) return;
  try {
    await send(request);
  } finally {
    finished();
  }
}

async function send(request) {
  clearError();
  setBusy(true, `Labelling ${request.label}\u2026`);
  const started = performance.now();
  let response;
  try {
    response = await fetch(`/v1/predict${request.query}`, {
      method: "POST",
      headers: { "Content-Type": request.contentType, Accept: "application/json" },
      body: request.body,
    });
  } catch (error) {
    setBusy(false);
    showError(`Could not reach the server: ${error.message}`);
    return;
  }
  if (!response.ok) {
    setBusy(false);
    showError(`The server refused the request (${response.status}): ${await problemText(response)}`);
    return;
  }
  const data = await response.json();
  if (!data.predictions.length) {
    setBusy(false);
    showError(`Nothing to classify: ${request.label} holds no headlines.`);
    return;
  }
  state.request = request;
  render(data.predictions);
  const blank = data.predictions.filter((p) => p.topic === null).length;
  const took = Math.round(performance.now() - started);
  setBusy(false, `${request.label}: ${data.predictions.length.toLocaleString()} labelled in ${took} ms` +
    (blank ? `, ${blank} blank` : ""));
}

function topicChip(topic, confidence) {
  const chip = element("span", `chip topic-${topic}`);
  chip.append(element("span", "name", topic), element("span", "prob", percent(confidence)));
  return chip;
}

function toneCell(tone, label) {
  const cell = element("div", "tone");
  const bar = element("div", "bar");
  bar.setAttribute("role", "img");
  bar.setAttribute("aria-label", `tone ${signed(tone)} (${label})`);
  const fill = element("span", "fill");
  const width = Math.min(Math.abs(tone), 1) * 50;
  fill.style.left = `${tone >= 0 ? 50 : 50 - width}%`;
  fill.style.width = `${width}%`;
  fill.style.background = toneColour(tone);
  bar.append(fill);
  cell.append(bar, element("span", "num", signed(tone)), element("span", `tone-word tone-${label}`, label));
  return cell;
}

function makeRow(entry) {
  const p = entry.prediction;
  const row = element("tr", "row");
  row.dataset.index = String(entry.index);
  const blank = p.topic === null;
  const moreCell = element("td", "c-more");
  if (!blank) {
    const more = element("button", "more", "\u25b8");
    more.type = "button";
    more.setAttribute("aria-expanded", "false");
    more.setAttribute("aria-label", "Show the reasons");
    more.title = "Show the reasons";
    moreCell.append(more);
  }
  const headline = element("td", "c-headline", blank ? "(blank line)" : p.headline);
  if (blank) headline.classList.add("blank");
  const topic = element("td", "c-topic");
  const alt = element("td", "c-alt");
  const tone = element("td", "c-tone");
  if (!blank) {
    topic.append(topicChip(p.topic, p.topic_confidence));
    alt.append(element("span", "alt-name", p.topic_alt), element("span", "prob", percent(p.topic_alt_confidence)));
    tone.append(toneCell(p.tone, p.tone_label));
  }
  row.append(moreCell, element("td", "c-id", p.id), headline, topic, alt, tone);
  return row;
}

function reasonList(title, reasons) {
  const box = element("div", "reason-box");
  box.append(element("h3", "", title));
  const list = element("ul", "reasons");
  for (const [term, weight] of reasons || []) {
    const item = element("li", weight >= 0 ? "pos" : "neg");
    item.append(element("code", "term", term), element("span", "weight", signed(weight, 3)));
    list.append(item);
  }
  if (!list.children.length) list.append(element("li", "none", "no single term stands out"));
  box.append(list);
  return box;
}

function makeDetail(entry) {
  const p = entry.prediction;
  const row = element("tr", "detail");
  const cell = element("td");
  cell.colSpan = 6;
  const wrap = element("div", "reason-wrap");
  wrap.append(
    reasonList(`Why ${p.topic}`, p.topic_reasons),
    reasonList(`What moved the tone (${signed(p.tone)})`, p.tone_reasons),
  );
  cell.append(wrap);
  row.append(cell);
  return row;
}

function setExpanded(button, open) {
  button.setAttribute("aria-expanded", String(open));
  button.textContent = open ? "\u25be" : "\u25b8";
  button.setAttribute("aria-label", open ? "Hide the reasons" : "Show the reasons");
}

function toggle(entry, button) {
  entry.open = !entry.open;
  setExpanded(button, entry.open);
  if (entry.open) {
    entry.detail = entry.detail || makeDetail(entry);
    entry.row.after(entry.detail);
  } else if (entry.detail) {
    entry.detail.remove();
  }
}

function render(predictions) {
  state.entries = predictions.map((prediction, index) => ({ prediction, index, row: null, detail: null, open: false }));
  const counts = new Map();
  for (const { prediction } of state.entries) {
    if (prediction.topic !== null) counts.set(prediction.topic, (counts.get(prediction.topic) || 0) + 1);
  }
  const filter = $("filter");
  const chosen = filter.value;
  filter.textContent = "";
  filter.append(new Option(`all (${predictions.length.toLocaleString()})`, ""));
  for (const [topic, count] of [...counts].sort((a, b) => b[1] - a[1])) {
    filter.append(new Option(`${topic} (${count.toLocaleString()})`, topic));
  }
  filter.value = counts.has(chosen) ? chosen : "";
  $("results").hidden = false;
  apply();
}

const SORTS = {
  "tone-asc": (p) => p.tone,
  "tone-desc": (p) => -p.tone,
  "conf-desc": (p) => -p.topic_confidence,
  "conf-asc": (p) => p.topic_confidence,
};

// Filter and sort every row, then draw the first page.
function apply() {
  const topic = $("filter").value;
  const key = SORTS[$("sort").value];
  const view = topic ? state.entries.filter((entry) => entry.prediction.topic === topic) : state.entries.slice();
  if (key) {
    // blank rows (no scores) go last; ties keep input order
    view.sort((a, b) => {
      const x = a.prediction.topic === null ? Infinity : key(a.prediction);
      const y = b.prediction.topic === null ? Infinity : key(b.prediction);
      return x - y || a.index - b.index;
    });
  }
  state.view = view;
  state.page = 0;
  drawPage();
}

function drawPage() {
  const pages = Math.max(1, Math.ceil(state.view.length / PAGE_ROWS));
  state.page = Math.min(Math.max(state.page, 0), pages - 1);
  const first = state.page * PAGE_ROWS;
  const shown = state.view.slice(first, first + PAGE_ROWS);
  const rows = document.createDocumentFragment();
  for (const entry of shown) {
    entry.row = entry.row || makeRow(entry);
    rows.append(entry.row);
    if (entry.open) rows.append(entry.detail);
  }
  $("rows").replaceChildren(rows);
  const total = state.entries.length.toLocaleString();
  $("shown").textContent = `${state.view.length.toLocaleString()} of ${total} shown`;
  $("pager").hidden = pages === 1;
  $("page-label").textContent = shown.length
    ? `rows ${(first + 1).toLocaleString()}\u2013${(first + shown.length).toLocaleString()} of ${state.view.length.toLocaleString()}`
    : "";
  $("prev").disabled = state.page === 0;
  $("next").disabled = state.page >= pages - 1;
}

function turn(step) {
  state.page += step;
  drawPage();
  $("results").scrollIntoView({ block: "start" });
}

// The CSV is the server's, made by the same code as `headlines predict --safe-csv`: all rows, input order.
async function download() {
  const request = state.request;
  if (!request) return;
  clearError();
  const query = `${request.query}${request.query ? "&" : "?"}safe_csv=true`;
  let response;
  try {
    response = await fetch(`/v1/predict${query}`, {
      method: "POST",
      headers: { "Content-Type": request.contentType, Accept: "text/csv" },
      body: request.body,
    });
  } catch (error) {
    showError(`Could not reach the server: ${error.message}`);
    return;
  }
  if (!response.ok) {
    showError(`The server refused the download (${response.status}): ${await problemText(response)}`);
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = element("a");
  link.href = url;
  link.download = "headlines-labelled.csv";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function setUp() {
  $("input").addEventListener("submit", (event) => {
    event.preventDefault();
    clearError();
    classify(fromPaste());
  });
  $("headlines").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("input").requestSubmit();
  });
  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    if (file) {
      clearError();
      classify(fromFile(file));
    }
    $("file").value = "";
  });
  const drop = $("input");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("dragging");
  });
  drop.addEventListener("dragleave", (event) => {
    if (!drop.contains(event.relatedTarget)) drop.classList.remove("dragging");
  });
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("dragging");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    clearError();
    if (file) classify(fromFile(file));
    else showError("Nothing to classify: drop a .csv, .tsv or .txt file.");
  });
  // a file dropped beside the box must not replace the page
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
  $("rows").addEventListener("click", (event) => {
    const button = event.target.closest("button.more");
    if (!button) return;
    const entry = state.entries[Number(button.closest("tr").dataset.index)];
    toggle(entry, button);
  });
  $("filter").addEventListener("change", apply);
  $("prev").addEventListener("click", () => turn(-1));
  $("next").addEventListener("click", () => turn(1));
  $("sort").addEventListener("change", apply);
  $("download").addEventListener("click", download);
}

setUp();
