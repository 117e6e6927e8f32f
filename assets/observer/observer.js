// The Observer's page: one WebSocket to the server that served it, an update at most 4 times a
// second, and action requests that carry the token typed in the header. Every value is set as
// text (never as HTML): names and reasons are user data.
"use strict";

const $ = (id) => document.getElementById(id);
const FEED_KEEP = 500;

const view = {
  update: null,
  events: [],
  lastSeq: 0,
  actions: false,
  detailPid: null,
  sort: { key: "pid", desc: false },
  nextId: 1,
  pending: new Map(),
};
let socket = null;

takeTokenFromFragment();
connect();
wireControls();

// --- connection ---------------------------------------------------------------------------

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket = ws;
  ws.onopen = () => setConnection(true);
  ws.onclose = () => {
    setConnection(false);
    for (const done of view.pending.values()) done({ ok: false, message: "the connection closed" });
    view.pending.clear();
    setTimeout(connect, 1000);
  };
  ws.onmessage = (e) => receive(JSON.parse(e.data));
}

function receive(msg) {
  if (msg.type === "hello") {
    view.actions = msg.actions;
    const mode = $("mode");
    mode.textContent = msg.actions ? "actions need the token" : "read-only (no token set)";
    mode.className = `pill ${msg.actions ? "on" : "off"}`;
    addEvents(msg.events);
  } else if (msg.type === "update") {
    view.update = msg;
    addEvents(msg.events);
    render();
  } else if (msg.type === "result") {
    const done = view.pending.get(msg.id);
    view.pending.delete(msg.id);
    if (done) done(msg);
  }
}

function setConnection(up) {
  const c = $("connection");
  c.textContent = up ? "live" : "disconnected";
  c.className = `pill ${up ? "on" : "off"}`;
}

function act(action, pid, extra) {
  return new Promise((resolve) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return resolve({ ok: false, message: "not connected" });
    const id = view.nextId++;
    view.pending.set(id, resolve);
    socket.send(JSON.stringify({ type: "action", id, token: $("token").value, action, pid, ...extra }));
  });
}

// --- rendering ----------------------------------------------------------------------------

function render() {
  const u = view.update;
  const byPid = new Map(u.processes.map((p) => [p.pid, p]));
  $("counts").textContent = `${u.processCount} processes · ${u.supervisors.length} supervisors · ${u.clients.length} clients`;
  renderTrees(u, byPid);
  renderClients(u.clients);
  renderProcesses(u);
  renderNames(u.names);
  renderNodes(u.nodes);
  renderFeed();
  if (view.detailPid !== null) renderDetail(byPid.get(view.detailPid), u);
}

function renderTrees(u, byPid) {
  const sups = new Map(u.supervisors.map((s) => [s.pid, s]));
  const nested = new Set();
  for (const s of u.supervisors) for (const c of s.children) if (c.pid !== null && sups.has(c.pid)) nested.add(c.pid);
  const roots = u.supervisors.filter((s) => !nested.has(s.pid));
  const out = roots.map((s) => supervisorNode(s, sups, byPid, new Set()));
  $("trees").replaceChildren(...(out.length ? out : [el("p", { class: "empty" }, "no supervisor running")]));
}

function supervisorNode(s, sups, byPid, seen) {
  seen.add(s.pid);
  const head = el(
    "div",
    { class: "sup-head" },
    pidLink(s.pid),
    el("strong", {}, s.name ?? s.module),
    el("span", { class: `restarts${s.restarts > 0 ? " hot" : ""}`, title: `restarts within the last ${s.maxSeconds} s` }, `restarts ${s.restarts}/${s.maxRestarts} in ${s.maxSeconds}s`),
    el("span", { class: "muted" }, `${s.module} · ${s.strategy}`),
  );
  const children = s.children.map((c) => {
    const sub = c.pid !== null ? sups.get(c.pid) : undefined;
    if (sub && !seen.has(sub.pid)) return el("li", { class: "child", "data-id": c.id ?? "" }, supervisorNode(sub, sups, byPid, seen));
    const p = c.pid !== null ? byPid.get(c.pid) : undefined;
    return el(
      "li",
      { class: `child ${c.state}`, "data-id": c.id ?? "", "data-pid": c.pid ?? "" },
      el("span", { class: `dot ${c.state}`, title: c.state }),
      c.pid ? pidLink(c.pid) : el("span", { class: "pid muted" }, c.state),
      el("span", {}, c.id ?? p?.name ?? ""),
      el("span", { class: "muted" }, [p?.module, p?.state, c.restart === "permanent" ? "" : c.restart].filter(Boolean).join(" · ")),
      p && p.mailbox > 0 ? el("span", { class: "badge" }, `mailbox ${p.mailbox}`) : "",
    );
  });
  return el("div", { class: "sup", "data-pid": s.pid }, head, el("ul", {}, ...children));
}

function renderClients(clients) {
  const rows = clients.map((c) =>
    el(
      "tr",
      { "data-pid": c.pid },
      el("td", {}, pidLink(c.pid)),
      el("td", {}, c.name ?? ""),
      el("td", { class: "url" }, c.url),
      el("td", {}, el("span", { class: `state ${c.state}` }, c.state)),
      el("td", { class: "num" }, String(c.attempt)),
      el("td", { class: "num" }, String(c.queued)),
      el("td", { class: "num" }, sparkline(c.inHistory), ` ${c.inRate}`),
      el("td", { class: "num" }, sparkline(c.outHistory), ` ${c.outRate}`),
      el("td", { class: "reason" }, c.lastDisconnect ?? ""),
    ),
  );
  $("clients").tBodies[0].replaceChildren(...rows);
}

function renderProcesses(u) {
  const filter = $("process-filter").value.trim().toLowerCase();
  const rows = u.processes.filter((p) => !filter || [p.pid, p.name ?? "", p.module ?? ""].some((s) => s.toLowerCase().includes(filter)));
  const { key, desc } = view.sort;
  rows.sort((a, b) => compare(sortValue(a, key), sortValue(b, key)) * (desc ? -1 : 1));
  $("processes").tBodies[0].replaceChildren(
    ...rows.map((p) =>
      el(
        "tr",
        { "data-pid": p.pid, class: p.status },
        el("td", {}, pidLink(p.pid)),
        el("td", {}, p.name ?? ""),
        el("td", {}, p.module ?? p.kind),
        el("td", {}, p.state ?? ""),
        el("td", {}, p.status + (p.tracing ? " · traced" : "")),
        el("td", { class: "num mailbox" }, String(p.mailbox)),
        el("td", { class: "num" }, p.rate === null ? "" : String(p.rate)),
        el("td", {}, callbackText(p)),
        el("td", { class: "num" }, String(p.links.length)),
        el("td", { class: "num" }, String(p.monitors.length + p.monitoredBy.length)),
      ),
    ),
  );
  const hidden = u.processCount - u.processes.length;
  $("process-more").textContent = hidden > 0 ? `${hidden} more processes not shown (the largest mailboxes are)` : "";
}

function renderNames(names) {
  const rows = (list) => list.map(([name, pid]) => el("tr", {}, el("td", {}, name), el("td", {}, pidLink(pid))));
  $("registered").tBodies[0].replaceChildren(...rows(names.registered));
  $("global").tBodies[0].replaceChildren(...rows(names.global));
}

function renderNodes(nodes) {
  const box = $("nodes");
  if (nodes === null) return box.replaceChildren(el("p", { class: "empty" }, "distribution is off"));
  if (nodes.error !== null) return box.replaceChildren(el("p", { class: "error" }, nodes.error));
  box.replaceChildren(
    el("p", {}, "this node: ", el("strong", {}, nodes.self)),
    el("table", {}, el("tbody", {}, ...nodes.nodes.map((n) => el("tr", {}, el("td", {}, n.name), el("td", {}, el("span", { class: `state ${n.state}` }, n.state)), el("td", { class: "muted" }, n.detail))))),
    el("h3", {}, "global names"),
    el("table", {}, el("tbody", {}, ...nodes.globalNames.map(([name, holder]) => el("tr", {}, el("td", {}, name), el("td", {}, holder))))),
  );
}

function addEvents(events) {
  for (const e of events) {
    if (e.seq <= view.lastSeq) continue;
    view.lastSeq = e.seq;
    view.events.push(e);
  }
  if (view.events.length > FEED_KEEP) view.events.splice(0, view.events.length - FEED_KEEP);
}

function renderFeed() {
  const filter = $("feed-filter").value.trim().toLowerCase();
  const shown = view.events.filter((e) => !filter || e.channel.toLowerCase().includes(filter) || e.text.toLowerCase().includes(filter));
  $("feed").replaceChildren(
    ...shown
      .slice(-200)
      .reverse()
      .map((e) => el("li", {}, el("time", {}, new Date(e.at).toTimeString().slice(0, 8)), el("span", { class: "channel" }, e.channel), el("span", {}, e.text))),
  );
}

// --- the process page ---------------------------------------------------------------------

function openDetail(pid) {
  view.detailPid = pid;
  $("action-result").textContent = "";
  $("detail").hidden = false;
  if (view.update) render();
}

function renderDetail(p, u) {
  $("detail-title").textContent = p ? `${p.name ?? p.module ?? "process"} ${p.pid}` : `${view.detailPid} (ended)`;
  const fields = $("detail-fields");
  if (!p) {
    fields.replaceChildren(el("dt", {}, "status"), el("dd", {}, "not running"));
    return;
  }
  const client = u.clients.find((c) => c.pid === p.pid);
  const sup = u.supervisors.find((s) => s.pid === p.pid);
  const pairs = [
    ["pid", p.pid],
    ["name", p.name ?? "—"],
    ["module", p.module ?? "(plain process)"],
    ["kind", p.kind],
    ["state", p.state ?? "—"],
    ["status", p.status + (p.tracing ? ", traced" : "")],
    ["mailbox", String(p.mailbox)],
    ["messages/s", p.rate === null ? "not counted" : String(p.rate)],
    ["last callback", callbackText(p) || "—"],
    ["traps exits", p.trapExit ? "yes" : "no"],
    ["links", pidList(p.links)],
    ["monitors", pidList(p.monitors)],
    ["monitored by", pidList(p.monitoredBy)],
  ];
  if (sup) pairs.push(["supervises", `${sup.children.length} children, ${sup.strategy}, restarts ${sup.restarts}/${sup.maxRestarts} in ${sup.maxSeconds}s`]);
  if (client) pairs.push(["url", client.url], ["connection", `${client.state}, attempt ${client.attempt}, ${client.queued} queued`], ["last disconnect", client.lastDisconnect ?? "—"]);
  fields.replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  for (const b of document.querySelectorAll("#detail-actions [data-behaviour]")) b.disabled = p.kind === "process";
  document.querySelector("#detail-actions [data-client]").hidden = !client;
}

async function runDetailAction(name) {
  const pid = view.detailPid;
  if (pid === null) return;
  const out = $("action-result");
  out.className = "";
  out.textContent = `${name}…`;
  let result;
  if (name === "kill") result = await act("kill", pid, { reason: $("kill-reason").value || "kill" });
  else if (name === "trace-on" || name === "trace-off") result = await act("trace", pid, { on: name === "trace-on" });
  else result = await act(name, pid, {});
  out.textContent = result.message;
  out.className = result.ok ? "ok" : "error";
}

// --- controls -----------------------------------------------------------------------------

function wireControls() {
  $("detail-close").addEventListener("click", () => {
    view.detailPid = null;
    $("detail").hidden = true;
  });
  for (const b of document.querySelectorAll("#detail-actions button")) b.addEventListener("click", () => runDetailAction(b.dataset.action));
  for (const th of document.querySelectorAll("#processes th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      view.sort = { key, desc: view.sort.key === key ? !view.sort.desc : key === "mailbox" || key === "rate" };
      if (view.update) render();
    });
  }
  for (const id of ["process-filter", "feed-filter"]) $(id).addEventListener("input", () => view.update && render());
  // mousedown as well as click: a row may be redrawn between the press and the release, and the
  // click then lands on the table instead of the link.
  for (const type of ["mousedown", "click"]) {
    document.addEventListener(type, (e) => {
      const link = e.target.closest("a.pid");
      if (!link || (type === "mousedown" && e.button !== 0)) return;
      e.preventDefault();
      openDetail(link.dataset.pid);
    });
  }
}

/** `#token=…` opens the page ready to act; the fragment never reaches the server, and is removed from the address bar. */
function takeTokenFromFragment() {
  const m = /^#token=(.+)$/.exec(location.hash);
  if (!m) return;
  $("token").value = decodeURIComponent(m[1]);
  history.replaceState(null, "", location.pathname + location.search);
}

// --- helpers ------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function pidLink(pid) {
  return el("a", { class: "pid", href: "#", "data-pid": pid }, pid);
}

function pidList(pids) {
  if (pids.length === 0) return "—";
  const span = el("span", {});
  pids.forEach((pid, i) => span.append(i ? " " : "", pidLink(pid)));
  return span;
}

function callbackText(p) {
  if (p.callback === null) return "";
  if (p.callbackMs === null) return `${p.callback} (< 250 ms)`;
  return `${p.callback} (${p.status === "running" ? "running " : ""}${formatMs(p.callbackMs)})`;
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

function sparkline(values) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 60 16");
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(60 * i) / Math.max(1, values.length - 1)},${15 - (14 * v) / max}`).join(" ");
  const line = document.createElementNS(NS, "polyline");
  line.setAttribute("points", points);
  svg.append(line);
  return svg;
}

function sortValue(p, key) {
  switch (key) {
    case "pid":
      return p.pid.split(".").map((n) => n.replace(/\D/g, "").padStart(10, "0")).join(".");
    case "links":
      return p.links.length;
    case "monitors":
      return p.monitors.length + p.monitoredBy.length;
    case "rate":
      return p.rate ?? -1;
    default:
      return p[key] ?? "";
  }
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
