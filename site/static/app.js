/* versus — static/app.js: the interactive layer of the generated site.
 *
 * Draws the workload pages' charts with uPlot (global `uPlot`, loaded before this file)
 * from the data files of docs/site-data.md (schema versus.site/1), keeps the view
 * (machine, scale, hidden series) in the URL fragment, and tells the browser test when
 * everything is drawn (body[data-ready], window.VERSUS_CHECK). Other pages only get
 * sortable tables. Plain ES2018 in one IIFE, no build step. It works from file:// with
 * the network off, so data files are classic scripts loaded through <script> tags
 * (fetch and modules are refused there). It never throws: anything missing or malformed
 * becomes a message in the place of the chart it belongs to.
 */
(() => {
"use strict";

const DATA = (window.VERSUS_DATA = window.VERSUS_DATA || {});
const RE_ID = /^[A-Za-z0-9_-]+$/; // machine, workload and metric ids, used in paths
const RE_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const RE_SHA = /^[0-9a-f]{7,40}$/;
const RE_REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const NB = "\u00a0"; // between a number and its unit
let root = "";

// ---- loader

const loads = {};     // key -> Promise: each file is loaded once
const ours = {};      // absolute src of the data scripts inserted here
const scriptErr = {}; // absolute src -> what went wrong while it ran

// A malformed data file throws while it runs. That belongs in its chart, not in the
// console, so the error is recorded and its report suppressed. From file:// every
// script is cross-origin, so the event is muted ("Script error.", no file name):
// document.currentScript is what tells which script it came from.
window.addEventListener("error", (e) => {
  const f = document.currentScript && document.currentScript.src;
  if (!(e instanceof ErrorEvent) || !f || !(ours[f] || /\/data\/index\.js$/.test(f))) return;
  scriptErr[f] = e.message && e.message !== "Script error." ? e.message : "it does not run";
  e.preventDefault();
}, true);

function load(key) {
  if (!loads[key]) {
    loads[key] = new Promise((resolve, reject) => {
      if (DATA[key] != null) return resolve(DATA[key]);
      const file = "data/" + key + ".js", s = document.createElement("script");
      s.src = root + file;
      ours[s.src] = 1;
      s.onload = () => {
        s.remove();
        if (DATA[key] != null) resolve(DATA[key]);
        else reject(new Error(file + (scriptErr[s.src] ? " is malformed (" + scriptErr[s.src] + ")" : " holds no data")));
      };
      s.onerror = () => { s.remove(); reject(new Error(file + " could not be loaded")); };
      document.head.appendChild(s);
    });
  }
  return loads[key];
}
const loadAll = (keys) => Promise.all(keys.map(load));

// ---- utilities

function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
const isObj = (x) => x != null && typeof x === "object" && !Array.isArray(x);
const num = (x) => typeof x === "number" && isFinite(x);
const sig = (x, p) => (x === 0 ? "0" : String(+x.toPrecision(p)));
const malformed = (what) => new Error(what + " is malformed");
const errText = (e) => String((e && e.message) || e);
const pad2 = (n) => (n < 10 ? "0" : "") + n;

const TIME = [[1, "ns"], [1e3, "µs"], [1e6, "ms"], [1e9, "s"]];
const BYTES = [[1, "B"], [1024, "KiB"], [1048576, "MiB"], [1073741824, "GiB"], [1099511627776, "TiB"]];
// linear byte axes step by 1, 2, 5 × B, KiB, MiB…, so that ticks read 1 MiB, 2 MiB
const BYTE_INCRS = [].concat(...BYTES.map((b) => [1, 2, 5, 10, 20, 50, 100, 200, 500].map((m) => m * b[0])));
const unitTable = (unit) => (unit === "ns" ? TIME : /^(b|bytes?)$/i.test(unit || "") ? BYTES : null);
const pickUnit = (tab, m) => tab.reduce((u, t) => (m >= t[0] ? t : u), tab[0]);

// A value with a readable unit: 284.4 ns, 1.2 µs, 3.05 MiB, 0.82×.
function fmt(v, unit, p = 4) {
  if (!num(v)) return "–";
  if (unit === "ratio") return sig(v, p) + "×";
  const tab = unitTable(unit);
  if (!tab) return sig(v, p) + (unit ? NB + unit : "");
  const u = pickUnit(tab, Math.abs(v));
  return sig(v / u[0], p) + NB + u[1];
}
// Axis labels: one unit along a linear axis (it reads as a ruler), one per label on a log axis.
const axisValues = (unit, log) => (u, splits) => {
  const tab = unitTable(unit);
  if (!tab || log) return splits.map((v) => (v == null ? null : fmt(v, unit, 3)));
  const un = pickUnit(tab, Math.max(0, ...splits.map((v) => Math.abs(v || 0))));
  return splits.map((v) => (v == null ? null : sig(v / un[0], 3) + NB + un[1]));
};
const axisSize = (u, values) => Math.max(36, Math.ceil(Math.max(0, ...(values || []).map((v) => String(v || "").length)) * 6.6) + 14);

// Log axis ticks at round values (1, 2, 5 × 10^k, finer when the range is narrow;
// powers of two for bytes), as many as fit 26 px apart. uPlot's own start at the
// scale's minimum, which is rarely a round number.
function logSplits(base2) {
  const tiers = base2 ? [[1], [1.5], [1.25, 1.75]] : [[1], [2, 5], [1.5, 3, 4, 6, 8], [1.2, 1.4, 1.6, 1.8, 2.5, 7, 9]];
  const b = base2 ? 2 : 10;
  return (u, ai, min, max) => {
    const px = u.bbox.height / uPlot.pxRatio, span = Math.log(max / min);
    let ms = [], out = [];
    for (let t = 0; t < tiers.length && out.length < 4; t++) {
      ms = ms.concat(tiers[t]);
      const cand = [];
      for (let e = Math.floor(Math.log(min) / Math.log(b)); Math.pow(b, e) <= max; e++) {
        for (const m of ms) { const v = m * Math.pow(b, e); if (v >= min && v <= max) cand.push(v); }
      }
      cand.sort((x, y) => x - y);
      if (!cand.every((v, i) => i === 0 || (Math.log(v / cand[i - 1]) / span) * px >= 26)) break;
      out = cand;
    }
    return out.length ? out : [min, max];
  };
}

function isoDate(t) {
  const d = new Date(t * 1000);
  return d.getUTCFullYear() + "-" + pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate()) +
    " " + pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()) + " UTC";
}
function lowerBound(a, x) {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}
// What a point's interval covers (docs/site-data.md, "points"): with fewer than 6
// trials no pair of order statistics reaches 95 %, and the range covers 1 − 2·0.5ⁿ.
function coverage(n, kind) {
  if (kind === "ratio") return n < 6 ? "95 % interval (Student's t)" : "95 % interval (Hodges–Lehmann)";
  const of = kind === "versions" ? " run" : " trial";
  if (!num(n)) return "interval of unknown coverage";
  if (n >= 6) return kind === "versions" ? "95 % interval of the median" : "95 % interval";
  if (n <= 1) return "one" + of + ", no interval";
  return "range of " + n + of + "s, covers " + sig(100 * (1 - 2 * Math.pow(0.5, n)), 3) + " %";
}
// Links only from checked text: an owner/name repository and hexadecimal commits.
function commitUrl(repo, first, from, to) {
  if (typeof repo !== "string" || !RE_REPO.test(repo) || /(^|\/)\.\.?(\/|$)/.test(repo)) return null;
  if (typeof to !== "string" || !RE_SHA.test(to)) return null;
  // the same commit measured again has nothing to compare: link the commit itself
  if (first || from === to) return "https://github.com/" + repo + "/commit/" + to;
  if (typeof from !== "string" || !RE_SHA.test(from)) return null;
  return "https://github.com/" + repo + "/compare/" + from + "..." + to;
}

// ---- the theme

const normCtx = document.createElement("canvas").getContext("2d");
function rgba(c, a) {
  normCtx.fillStyle = "#888";
  normCtx.fillStyle = c; // the canvas normalises any CSS colour to #rrggbb or rgba(…)
  const s = String(normCtx.fillStyle);
  const m = s[0] === "#" ? [0, 1, 3, 5].map((i) => parseInt(s.substr(i, 2), 16)) : s.match(/^rgba?\(([^,]+),([^,]+),([^,)]+)/);
  return m ? "rgba(" + m[1] + "," + m[2] + "," + m[3] + "," + a + ")" : c;
}
// Colours come from CSS custom properties, so style.css owns both themes.
function theme() {
  const cs = getComputedStyle(document.body);
  const v = (n, d) => cs.getPropertyValue(n).trim() || d;
  const list = (p, d) => d.map((x, i) => v(p + (i + 1), x));
  return {
    fg: v("--muted", "#5b6474"), ink: v("--ink", "#1d2330"), bg: v("--surface", "#fff"), grid: v("--grid", "rgba(0,0,0,.08)"),
    rust: list("--rust-", ["#c4490a", "#e69f00", "#cc79a7", "#8c3a0b"]),
    go: list("--go-", ["#0072b2", "#56b4e9", "#009e73", "#1f3a93"]),
    other: list("--series-", ["#6f42c1", "#009e73", "#d55e00", "#0072b2"]),
    band: parseFloat(v("--band-opacity", "0.16")) || 0.16,
  };
}
// Rust's series in warm colours, Go's in cool ones; past four, dashes tell them apart.
function seriesStyle(T, s) {
  const pal = s.lang === "rust" ? T.rust : s.lang === "go" ? T.go : T.other;
  return { color: pal[s.li % pal.length], dash: [null, [6, 3], [2, 3]][Math.floor(s.li / pal.length) % 3] };
}
const langColor = (T, tc) => (/^rust/.test(tc) ? T.rust[0] : /^go/.test(tc) ? T.go[0] : T.fg);

// ---- the view

const view = { machine: null, scale: "lin", hide: new Set(), group: null, all: false };
const dec = (s) => { try { return decodeURIComponent(s); } catch (e) { return s; } };
const enc = (s) => encodeURIComponent(s).replace(/%7C/g, "|").replace(/%3D/g, "=");
// #machine=5156fff4&scale=log&hide=key1,key2. Keys are percent-encoded one by one, so
// that a comma inside a key survives; the fragment is parsed by hand for that reason.
function readHash() {
  const v = { machine: null, scale: "lin", hide: new Set(), group: null, all: false };
  for (const kv of location.hash.replace(/^#/, "").split("&")) {
    const i = kv.indexOf("="), k = kv.slice(0, i), raw = kv.slice(i + 1);
    if (i < 0) continue;
    if (k === "machine") v.machine = dec(raw);
    else if (k === "scale") v.scale = dec(raw) === "log" ? "log" : "lin";
    else if (k === "hide") raw.split(",").forEach((x) => x && v.hide.add(dec(x)));
    else if (k === "group") v.group = RE_ID.test(dec(raw)) ? dec(raw) : null;
    else if (k === "all") v.all = raw === "1";
  }
  return v;
}
function writeHash() {
  const p = ["machine=" + enc(view.machine || ""), "scale=" + view.scale];
  if (view.group) p.push("group=" + enc(view.group));
  if (view.all) p.push("all=1");
  if (view.hide.size) p.push("hide=" + Array.from(view.hide, enc).join(","));
  try { history.replaceState(null, "", "#" + p.join("&")); } catch (e) { /* a sandboxed page may refuse */ }
}

// ---- a pane

let firstDrawn = false;
const resizer = window.ResizeObserver && new ResizeObserver((es) => es.forEach((e) => e.target._pane && e.target._pane.resize()));

/* One uPlot chart with its series toggles, tooltip and keyboard reading. spec:
 *   kind    "trend" | "ratio" | "versions";  title, titleLang: heading (versions)
 *   series  [{key, label, lang, li, xs, ys, lo, hi, n, expected, …}], xs ascending
 *   N       for run charts, the number of run positions;  unit, label
 *   xAxis   uPlot axis options for x;  xRange;  zoom;  band (default true)
 *   overlay (u, T, pane) draws on top;  tip (s, k) -> {rows: [[name, text, class]], url, wait}
 */
class Pane {
  constructor(host, spec) {
    this.spec = spec;
    const el = (this.el = h("div", "pane"));
    if (spec.title) el.appendChild(h("div", "pane-title lang-" + spec.titleLang, spec.title));
    this.legend = el.appendChild(h("div", "legend"));
    this.legend.setAttribute("role", "group");
    this.legend.setAttribute("aria-label", "Series shown" + (spec.title ? " (" + spec.title + ")" : ""));
    const area = (this.area = el.appendChild(h("div", "pane-plot")));
    area.tabIndex = 0;
    area.setAttribute("role", "application"); // the keys below are for it, not for a screen reader's browse mode
    area.setAttribute("aria-roledescription", "chart");
    area.setAttribute("aria-label", (spec.label || "chart") + ". Arrow keys read the points; Enter opens their commits.");
    this.live = el.appendChild(h("div", "sr-only"));
    this.live.setAttribute("aria-live", "polite");
    host.appendChild(el);
    this.align();
    this.buttons = spec.series.map((s) => {
      const b = this.legend.appendChild(h("button", "tog"));
      b.type = "button";
      b.title = s.key;
      b.appendChild(h("span", "sw"));
      b.appendChild(document.createTextNode(s.label));
      b.addEventListener("click", () => {
        if (!view.hide.delete(s.key)) view.hide.add(s.key);
        writeHash();
        applyHideAll();
      });
      return b;
    });
    if (spec.more) {
      const b = this.legend.appendChild(h("button", "tog more", "+ " + spec.more.count + " more toolchain" + (spec.more.count > 1 ? "s" : "")));
      b.type = "button";
      b.title = "Load the lines of the other pins (nightlies, older releases)";
      b.addEventListener("click", () => { b.disabled = true; b.textContent = "loading…"; spec.more.load(); });
    }
    if (spec.series.length < 2 && spec.kind !== "versions" && !spec.more) this.legend.hidden = true;
    area.addEventListener("keydown", (e) => this.key(e));
    area.addEventListener("blur", () => { if (this.kb) { this.kb = false; this.hideTip(); } });
    area._pane = this;
    if (resizer) resizer.observe(area);
    this.drawn = new Promise((r) => (this.onDrawn = r));
    this.build();
  }

  // All series on one x array, built once; uPlot wants aligned columns with nulls.
  align() {
    const S = this.spec.series, N = this.spec.N;
    let X, w = 0;
    if (N) { // run positions are small integers: mark them rather than sort
      const mark = new Uint8Array(N);
      for (const s of S) for (let k = 0; k < s.xs.length; k++) mark[s.xs[k]] = 1;
      X = new Float64Array(N);
      for (let i = 0; i < N; i++) if (mark[i]) X[w++] = i;
    } else {
      X = Float64Array.from([].concat(...S.map((s) => Array.from(s.xs)))).sort();
      for (let i = 0; i < X.length; i++) if (i === 0 || X[i] !== X[w - 1]) X[w++] = X[i];
    }
    X = X.slice(0, w);
    const edges = [], lines = [];
    for (const s of S) {
      const v = new Array(w).fill(null), lo = new Array(w).fill(null), hi = new Array(w).fill(null);
      for (let k = 0, c = 0; k < s.xs.length; k++) {
        while (X[c] < s.xs[k]) c++;
        v[c] = s.ys[k]; lo[c] = s.lo[k]; hi[c] = s.hi[k];
      }
      edges.push(hi, lo);
      lines.push(v);
    }
    // uPlot series: 0 = x, then a hi/lo pair per series (the bands, drawn first), then the lines on top
    S.forEach((s, i) => { s.hiI = 1 + 2 * i; s.loI = 2 + 2 * i; s.vI = 1 + 2 * S.length + i; });
    this.data = [X].concat(edges, lines);
    this.logData = null;
  }

  log() { return view.scale === "log" || this.spec.kind === "ratio"; }
  shown(s) { return !view.hide.has(s.key); }

  // The log view drops values <= 0, which a log scale cannot place.
  dataFor() {
    if (!this.log()) return this.data;
    return (this.logData = this.logData || this.data.map((a, i) =>
      i === 0 || !a.some((v) => v != null && !(v > 0)) ? a : a.map((v) => (v > 0 ? v : null))));
  }

  size() {
    const w = Math.max(200, this.area.clientWidth || 600);
    return { width: w, height: this.spec.kind === "versions" ? 230 : Math.round(Math.max(260, Math.min(380, w * 0.42))) };
  }
  resize() {
    const s = this.size();
    if (this.u && (s.width !== this.u.width || s.height !== this.u.height)) this.u.setSize(s);
  }

  build() {
    const spec = this.spec, T = theme(), log = this.log(), S = spec.series;
    const bytes = unitTable(spec.unit) === BYTES && spec.kind !== "ratio";
    if (this.u) this.u.destroy();
    this.tip = this.dot = this.cur = null;
    const edges = [], lines = [], bands = [];
    for (const s of S) {
      const st = seriesStyle(T, s), show = this.shown(s);
      s.color = st.color;
      const edge = { stroke: "transparent", width: 0, points: { show: false }, spanGaps: true, show };
      edges.push(edge, Object.assign({}, edge));
      if (spec.band !== false) bands.push({ series: [s.hiI, s.loI], fill: rgba(st.color, T.band) });
      lines.push({
        label: s.label, stroke: st.color, width: spec.kind === "versions" ? 2 : 1.25, dash: st.dash || undefined, spanGaps: true, show,
        points: spec.kind === "versions" ? { show: true, size: 7, fill: st.color } : { size: 4, fill: st.color },
      });
    }
    this.buttons.forEach((b, i) => (b.firstChild.style.background = S[i].color));
    let range;
    if (spec.kind === "ratio") {
      // symmetric around 1 on a log scale: twice as fast and twice as slow look alike
      range = (u, mn, mx) => { const r = Math.pow(Math.max(1.05, mn > 0 ? 1 / mn : 1, mx > 0 ? mx : 1), 1.1); return [1 / r, r]; };
    } else if (log) {
      // uPlot's own log range rounds out to whole magnitudes; a little padding reads better
      range = (u, mn, mx) => { if (!(mn > 0) || !(mx > 0)) return [1, 10]; const p = Math.pow(mx / mn, 0.06) * 1.02; return [mn / p, mx * p]; };
    } else {
      // linear from 0, so that the height of a line means what it says
      range = (u, mn, mx) => (mx == null || !isFinite(mx) ? [0, 1] : [Math.min(0, mn), uPlot.rangeNum(Math.min(0, mn), mx <= 0 ? 1 : mx, 0.08, true)[1]]);
    }
    const axis = { stroke: T.fg, font: FONT, grid: { stroke: T.grid, width: 1 }, ticks: { stroke: T.grid, width: 1, size: 4 } };
    const yAxis = Object.assign({}, axis, { values: axisValues(spec.kind === "ratio" ? "ratio" : spec.unit, log), size: axisSize },
      bytes && !log ? { incrs: BYTE_INCRS } : null,
      log ? { splits: logSplits(bytes), filter: (u, sp) => sp } : null);
    const opts = Object.assign(this.size(), {
      legend: { show: false },
      padding: [spec.kind === "versions" ? 10 : 30, 12, 0, 0],
      focus: { alpha: 1 },
      cursor: { y: false, points: { show: false }, focus: { prox: -1 }, drag: { x: !!spec.zoom, y: false, setScale: true } },
      select: { show: !!spec.zoom },
      scales: { x: { time: false, range: spec.xRange }, y: log ? { distr: 3, log: bytes ? 2 : 10, range } : { range } },
      axes: [Object.assign({}, axis, spec.xAxis), yAxis],
      series: [{}].concat(edges, lines),
      bands,
      hooks: {
        draw: [(u) => {
          // uPlot caches the context's state, so the overlay must leave it as it found it
          u.ctx.save();
          try { if (spec.overlay) spec.overlay(u, T, this); } catch (e) { /* an overlay never breaks the chart */ }
          u.ctx.restore();
          if (!firstDrawn) { firstDrawn = true; try { performance.mark("versus-first-chart"); } catch (e) { /* no marks here */ } }
          this.onDrawn();
        }],
        setCursor: [(u) => this.hover(u)],
      },
    });
    const data = this.dataFor();
    this.points = 0;
    for (const s of S) for (const v of data[s.vI]) if (v != null) this.points++;
    this.expected = S.reduce((a, s) => a + s.expected, 0);
    this.u = new uPlot(opts, data, this.area);
    this.wire();
  }

  // A click opens the commits of the point under the pointer. On touch, the first tap
  // shows the tooltip and a second tap on the same point opens. (uPlot itself swallows
  // the click that ends a drag-to-zoom.)
  wire() {
    const over = this.u.over;
    let touch = false, armed = null;
    this.tip = over.appendChild(h("div", "tt"));
    this.dot = over.appendChild(h("div", "tt-dot"));
    this.tip.hidden = this.dot.hidden = true;
    over.addEventListener("pointerdown", (e) => (touch = e.pointerType === "touch"));
    over.addEventListener("mousemove", () => (this.kb = false));
    over.addEventListener("click", () => {
      const c = this.cur;
      if (!c || !c.url) return;
      if (touch && armed !== c.id) { armed = c.id; return; }
      window.open(c.url, "_blank", "noopener");
    });
  }

  hover(u) {
    if (this.kb) return;
    const l = u.cursor.left;
    const best = l == null || l < 0 ? null : this.nearest(l, u.cursor.top);
    if (best) this.showTip(best[0], best[1]); else this.hideTip();
  }

  // The point nearest to the pointer, in pixels, among the shown series; only points
  // within a few pixels of it in x are looked at, so 10,000 points cost nothing.
  nearest(l, t) {
    const u = this.u, log = this.log(), x0 = u.posToVal(l - 14, "x"), x1 = u.posToVal(l + 14, "x");
    let best = null, bd = Infinity;
    this.spec.series.forEach((s, si) => {
      if (!this.shown(s) || !s.xs.length) return;
      let a = lowerBound(s.xs, x0), b = lowerBound(s.xs, x1);
      if (a === b) { a = Math.max(0, a - 1); b = Math.min(s.xs.length, b + 1); } // none within reach: the neighbours
      const step = Math.max(1, Math.floor((b - a) / 300));
      for (let k = a; k < b; k += step) {
        const y = s.ys[k];
        if (log && !(y > 0)) continue;
        const dx = u.valToPos(s.xs[k], "x") - l, dy = u.valToPos(y, "y") - t, d = dx * dx + dy * dy;
        if (Math.abs(dx) < 48 && d < bd) { bd = d; best = [si, k]; }
      }
    });
    return best;
  }

  showTip(si, k) {
    const u = this.u, s = this.spec.series[si], tt = this.tip, id = si + ":" + k;
    if (!u || !tt) return;
    let info;
    try { info = this.spec.tip(s, k); } catch (e) { info = { rows: [["", errText(e)]] }; }
    this.cur = { si, k, id, url: info.url };
    tt.textContent = "";
    const head = tt.appendChild(h("div", "tt-h"));
    head.appendChild(h("span", "sw")).style.background = s.color;
    head.appendChild(document.createTextNode(s.label));
    const tb = tt.appendChild(h("table"));
    for (const r of info.rows) {
      const tr = tb.appendChild(h("tr"));
      tr.appendChild(h("th", null, r[0]));
      tr.appendChild(h("td", r[2] || null, r[1]));
    }
    if (info.url) tt.appendChild(h("div", "tt-f", /\/compare\//.test(info.url) ? "Click: the commits since the previous point" : "Click: the commit"));
    u.over.style.cursor = info.url ? "pointer" : "";
    const px = u.valToPos(s.xs[k], "x"), py = u.valToPos(s.ys[k], "y");
    this.dot.hidden = tt.hidden = false;
    this.dot.style.transform = "translate(" + px + "px," + py + "px)";
    this.dot.style.borderColor = s.color;
    // keep the tooltip inside the pane, flipping sides near the edges
    const ol = parseFloat(u.over.style.left) || 0, ot = parseFloat(u.over.style.top) || 0, oh = u.over.clientHeight;
    const W = this.area.clientWidth, tw = tt.offsetWidth, th = tt.offsetHeight;
    let x = px + 14 + tw > W - ol ? px - 14 - tw : px + 14;
    x = Math.max(-ol, Math.min(x, W - ol - tw));
    let y = py - th - 12 < -ot ? py + 14 : py - th - 12;
    if (y + th > oh + 40) y = Math.max(-ot, oh + 40 - th);
    tt.style.transform = "translate(" + Math.round(x) + "px," + Math.round(y) + "px)";
    if (this.kb) this.live.textContent = s.label + ": " + info.rows.map((r) => (r[0] ? r[0] + " " : "") + r[1]).join("; ");
    if (info.wait) info.wait.then(() => { if (this.cur && this.cur.id === id) this.showTip(si, k); });
  }

  hideTip() {
    this.cur = null;
    if (this.tip) { this.tip.hidden = this.dot.hidden = true; this.u.over.style.cursor = ""; }
  }

  // Keyboard reading: left/right step through a series' points (with shift, by ten),
  // up/down change series, Home/End jump, Enter opens the commits, Escape hides.
  key(e) {
    const S = this.spec.series, c = this.cur, vis = [];
    S.forEach((s, i) => this.shown(s) && s.xs.length && vis.push(i));
    if (!vis.length) return;
    let si = c && vis.includes(c.si) ? c.si : vis[0], k = c ? c.k : S[si].xs.length - 1;
    const n = S[si].xs.length, step = e.shiftKey ? 10 : 1;
    switch (e.key) {
      case "ArrowLeft": k = Math.max(0, k - step); break;
      case "ArrowRight": k = Math.min(n - 1, k + step); break;
      case "Home": k = 0; break;
      case "End": k = n - 1; break;
      case "ArrowUp": case "ArrowDown": {
        const at = S[si].xs[Math.min(k, n - 1)], j = vis.indexOf(si) + (e.key === "ArrowUp" ? -1 : 1);
        si = vis[(j + vis.length) % vis.length];
        k = lowerBound(S[si].xs, at);
        break;
      }
      case "Enter": if (c && c.url) window.open(c.url, "_blank", "noopener"); return;
      case "Escape": this.kb = false; this.hideTip(); return;
      default: return;
    }
    e.preventDefault();
    this.kb = true;
    this.showTip(si, Math.max(0, Math.min(k, S[si].xs.length - 1)));
  }

  applyHide() {
    const u = this.u;
    if (!u) return;
    u.batch(() => this.spec.series.forEach((s, i) => {
      const show = this.shown(s);
      this.buttons[i].setAttribute("aria-pressed", String(show));
      if (u.series[s.vI].show !== show) [s.hiI, s.loI, s.vI].forEach((j) => u.setSeries(j, { show }));
    }));
    if (this.cur && !this.shown(this.spec.series[this.cur.si])) this.hideTip();
  }

  destroy() {
    if (resizer) resizer.unobserve(this.area);
    if (this.u) this.u.destroy();
    this.u = null;
  }
}

// ---- overlays

function vline(ctx, u, x, color, width, dash) {
  const px = u.valToPos(x, "x", true), b = u.bbox;
  if (!(px >= b.left - 1 && px <= b.left + b.width + 1)) return null;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.moveTo(px, b.top);
  ctx.lineTo(px, b.top + b.height);
  ctx.stroke();
  return px;
}

// Toolchain releases: thin lines with their names, staggered over three rows (two in
// the padding above the plot, one inside it).
function drawReleases(u, T, releases) {
  const ctx = u.ctx, pr = uPlot.pxRatio, rows = [-Infinity, -Infinity, -Infinity];
  ctx.font = 10.5 * pr + "px system-ui, sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "alphabetic";
  for (const r of releases) {
    const col = langColor(T, r.toolchain), px = vline(ctx, u, r.x, rgba(col, 0.55), pr, [2 * pr, 2 * pr]);
    if (px == null) continue;
    // A name that would run past the plot's right edge ends at its line instead.
    const w = ctx.measureText(r.toolchain).width, right = px + 3 * pr + w > u.bbox.left + u.bbox.width;
    const from = right ? px - 3 * pr - w : px;
    let row = 0;
    while (row < 3 && rows[row] > from) row++;
    if (row === 3) continue;
    rows[row] = from + w + 8 * pr;
    const y = u.bbox.top - 17 * pr + row * 11 * pr, at = right ? px - 3 * pr : px + 3 * pr;
    ctx.textAlign = right ? "right" : "left";
    ctx.lineWidth = 3 * pr;
    ctx.strokeStyle = T.bg;
    ctx.setLineDash([]);
    ctx.strokeText(r.toolchain, at, y); // a halo, to read over the lines
    ctx.fillStyle = col;
    ctx.fillText(r.toolchain, at, y);
  }
}

// Change points: each series' segment means as a dashed step line, and a small
// triangle under each detected change.
function drawSegments(u, T, pane) {
  const ctx = u.ctx, pr = uPlot.pxRatio, b = u.bbox, log = pane.log(), X = (x) => u.valToPos(x, "x", true);
  ctx.beginPath();
  ctx.rect(b.left, b.top, b.width, b.height);
  ctx.clip();
  for (const s of pane.spec.series) {
    if (!pane.shown(s)) continue;
    const segs = s.segs.filter((g) => !log || g.mean > 0);
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.lineWidth = 1.5 * pr;
    ctx.setLineDash([5 * pr, 3 * pr]);
    ctx.beginPath();
    segs.forEach((g, i) => {
      const y = u.valToPos(g.mean, "y", true);
      if (i === 0) ctx.moveTo(X(g.x0), y); else ctx.lineTo(X(g.x0), y);
      ctx.lineTo(X(g.x1), y);
      if (segs[i + 1]) ctx.lineTo(X(segs[i + 1].x0), y);
    });
    ctx.stroke();
    for (const c of s.changes) {
      const px = X(c.x), by = b.top + b.height;
      ctx.beginPath();
      ctx.moveTo(px, by - 9 * pr);
      ctx.lineTo(px - 4 * pr, by);
      ctx.lineTo(px + 4 * pr, by);
      ctx.fill();
    }
  }
}

function drawRatioGuides(u, T) {
  const ctx = u.ctx, pr = uPlot.pxRatio, b = u.bbox, y = u.valToPos(1, "y", true), x = b.left + b.width - 6 * pr;
  ctx.strokeStyle = T.ink;
  ctx.lineWidth = 1.25 * pr;
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(b.left, y);
  ctx.lineTo(b.left + b.width, y);
  ctx.stroke();
  ctx.font = "600 " + 11 * pr + "px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.textBaseline = "alphabetic";
  ctx.fillStyle = T.go[0];
  ctx.fillText("Go faster ↑", x, y - 6 * pr);
  ctx.textBaseline = "top";
  ctx.fillStyle = T.rust[0];
  ctx.fillText("Rust faster ↓", x, y + 6 * pr);
}

// Versions: each value's interval as a whisker, nudged apart per series.
function drawWhiskers(u, T, pane) {
  const ctx = u.ctx, pr = uPlot.pxRatio, S = pane.spec.series, log = pane.log();
  ctx.setLineDash([]);
  S.forEach((s, si) => {
    if (!pane.shown(s)) return;
    const dx = (si - (S.length - 1) / 2) * 3 * pr;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5 * pr;
    ctx.beginPath();
    for (let k = 0; k < s.xs.length; k++) {
      const lo = s.lo[k], hi = s.hi[k];
      if (!num(lo) || !num(hi) || (log && !(lo > 0))) continue;
      const x = u.valToPos(s.xs[k], "x", true) + dx, y0 = u.valToPos(lo, "y", true), y1 = u.valToPos(hi, "y", true);
      ctx.moveTo(x, y0); ctx.lineTo(x, y1);
      ctx.moveTo(x - 3 * pr, y0); ctx.lineTo(x + 3 * pr, y0);
      ctx.moveTo(x - 3 * pr, y1); ctx.lineTo(x + 3 * pr, y1);
    }
    ctx.stroke();
  });
}

// ---- chart specs

// The runs of the workload's months (meta.months), concatenated: a run's x is its
// position there, and a point's is its month's offset plus its index in the month.
function runsIndex(mid, months, list) {
  const off = {}, cnt = {}, starts = [];
  let N = 0;
  months.forEach((mo, j) => {
    if (!isObj(list[j]) || !Array.isArray(list[j].t)) throw malformed("data/" + mid + "/runs/" + mo + ".js");
    off[mo] = N; cnt[mo] = list[j].t.length; starts.push(N); N += cnt[mo];
  });
  const t = new Float64Array(N);
  months.forEach((mo, j) => list[j].t.forEach((x, i) => (t[off[mo] + i] = +x)));
  return {
    mid, off, cnt, N, t,
    pos: (at) => (Array.isArray(at) && off[at[0]] !== undefined && at[1] >= 0 && at[1] < cnt[at[0]] ? off[at[0]] + at[1] : null),
    run(x) { // x -> the run's month, index and fields
      const j = Math.max(0, lowerBound(starts, x + 1) - 1), i = x - starts[j], r = list[j];
      const at = (a) => (Array.isArray(a) ? a[i] : a); // a number: the same for every run
      return { month: months[j], i, t: at(r.t), c: at(r.c), q: at(r.q), d: at(r.d) };
    },
  };
}

// The points of some series, from their monthly shards, as typed arrays sorted by x;
// lo and hi turn from per mille below and above v into values. Each array is
// allocated once, at the size of the shards' v, and filled in place.
function gather(defs, months, shards, files, R) {
  const perLang = {};
  return defs.filter(isObj).map((def) => {
    const es = months.map((mo, j) => {
      const sh = shards[j];
      if (!isObj(sh) || !isObj(sh.series)) throw malformed(files[j]);
      const e = sh.series[def.key];
      if (e != null && (!isObj(e) || !Array.isArray(e.v) || (e.r != null && !Array.isArray(e.r)))) throw malformed(files[j] + " (" + def.key + ")");
      return e;
    });
    const expected = es.reduce((a, e) => a + (e ? e.v.length : 0), 0);
    const xs = new Float64Array(expected), ys = new Float64Array(expected), lo = new Float64Array(expected), hi = new Float64Array(expected), ns = new Float64Array(expected), ts = new Float64Array(expected);
    let w = 0;
    es.forEach((e, j) => {
      if (!e) return;
      const off = R.off[months[j]], cnt = R.cnt[months[j]], L = Array.isArray(e.lo) ? e.lo : [], H = Array.isArray(e.hi) ? e.hi : [];
      const n = num(e.n) ? e.n : NaN, N = Array.isArray(e.n) ? e.n : null;
      const t = num(e.t) ? e.t : 0, T = Array.isArray(e.t) ? e.t : null;
      for (let i = 0; i < e.v.length; i++) {
        const r = e.r ? e.r[i] : i, v = e.v[i];
        if (!(r >= 0 && r < cnt && r === Math.floor(r)) || !num(v)) continue;
        xs[w] = off + r; ys[w] = v;
        lo[w] = v * (1 - (num(L[i]) ? L[i] : 0) / 1000);
        hi[w] = v * (1 + (num(H[i]) ? H[i] : 0) / 1000);
        ts[w] = T ? (num(T[i]) ? T[i] : NaN) : t;
        ns[w++] = N ? (num(N[i]) ? N[i] : NaN) : n;
      }
    });
    const cut = [xs, ys, lo, hi, ns, ts].map((a) => a.subarray(0, w));
    // shards are oldest first and so are their runs; check rather than trust it
    if (cut[0].some((x, i) => i > 0 && x < cut[0][i - 1])) {
      const order = Array.from(cut[0], (_, i) => i).sort((a, b) => cut[0][a] - cut[0][b]);
      cut.forEach((a, j) => (cut[j] = Float64Array.from(order, (i) => a[i])));
    }
    const lang = def.lang === "rust" || def.lang === "go" ? def.lang : "";
    perLang[lang] = (perLang[lang] || 0) + 1;
    return { def, key: String(def.key), label: String(def.label || def.key), lang, li: perLang[lang] - 1,
      xs: cut[0], ys: cut[1], lo: cut[2], hi: cut[3], n: cut[4], t: cut[5], expected };
  });
}

// The tooltip of a run chart; the month's subjects load on its first hover.
function runTip(R, repo, kind, unit, name) {
  const subj = {}; // month -> the subjects, false when missing, a Promise while loading
  return (s, k) => {
    const x = s.xs[k], run = R.run(x), v = s.ys[k], n = s.n[k], u = kind === "ratio" ? "ratio" : unit, rows = [];
    rows.push([name, fmt(v, u) + (kind !== "ratio" ? "" : v < 1 ? " · Rust faster" : v > 1 ? " · Go faster" : ""), "tt-v"]);
    rows.push(["interval", fmt(s.lo[k], u) + " – " + fmt(s.hi[k], u)], ["", coverage(n, kind), "tt-n"]);
    if (num(n)) rows.push([kind === "ratio" ? "pairs" : "trials", String(n)]);
    for (const c of s.changes || []) {
      if (c.x === x) rows.push(["change", (c.change > 0 ? "+" : "") + sig(100 * c.change, 3) + " %" + (num(c.pvalue) ? ", p = " + sig(c.pvalue, 2) : ""), "tt-c"]);
    }
    if (num(run.t)) rows.push(["date", isoDate(run.t) + (run.q === 1 ? " · quick run" : "")]);
    // each point names its toolchain by its index in the series' list: a line goes on
    // through its slot's upgrades (rust-1.94.0, then rust-1.95.0)
    const tcs = Array.isArray(s.def.toolchains) ? s.def.toolchains : [], ti = s.t ? s.t[k] : 0;
    const tc = typeof tcs[ti] === "string" ? tcs[ti] : "";
    if (tc) rows.push(["toolchain", String(tc)]);
    const c = typeof run.c === "string" && RE_SHA.test(run.c) ? run.c : null;
    rows.push(["commit", c ? c.slice(0, 12) + (run.d === 1 ? " (uncommitted changes)" : "") : "unknown"]);
    if (subj[run.month] === undefined) {
      subj[run.month] = load(R.mid + "/subjects/" + run.month).then(
        (d) => (subj[run.month] = isObj(d) && Array.isArray(d.s) ? d.s : false), () => (subj[run.month] = false));
    }
    const sm = subj[run.month];
    if (sm instanceof Promise) rows.push(["subject", "…"]);
    else if (sm && typeof sm[run.i] === "string") rows.push(["subject", sm[run.i]]);
    const url = c && commitUrl(repo, k === 0, k > 0 ? R.run(s.xs[k - 1]).c : null, c);
    return { rows, url, wait: sm instanceof Promise ? sm : null };
  };
}

// x ticks of a run chart: the runs' dates, with the year on the first and at each
// change of year, and the time when the view spans less than three days.
const runAxis = (R) => ({
  space: 72, size: 44, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6],
  values(u, splits) {
    const ts = splits.map((p) => (Math.round(p) >= 0 && Math.round(p) < R.N ? R.t[Math.round(p)] : null)), known = ts.filter(num);
    const short = known.length > 1 && known[known.length - 1] - known[0] < 3 * 86400;
    let year = null;
    return ts.map((t) => {
      if (!num(t)) return "";
      const d = new Date(t * 1000), y = d.getUTCFullYear();
      let s = d.getUTCDate() + " " + MON[d.getUTCMonth()] + (short ? " " + pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes()) : "");
      if (y !== year) s += "\n" + y;
      year = y;
      return s;
    });
  },
});

function checkMonths(months, what) {
  if (!Array.isArray(months) || !months.every((m) => typeof m === "string" && RE_MONTH.test(m))) throw malformed(what);
}

// trend (one metric's series) and ratio (meta.ratios) charts: x is the run position
function runSpec(ctx, kind, metric) {
  const meta = ctx.meta;
  let def, dir, name, unit;
  if (kind === "trend") {
    if (!RE_ID.test(metric)) throw new Error("This chart names no valid metric.");
    def = meta.metrics.find((x) => isObj(x) && x.id === metric);
    if (!def) throw new Error("No " + metric + " measured for this workload on this machine.");
    dir = metric; name = def.label ? String(def.label) : metric; unit = String(def.unit || "");
  } else {
    def = meta.ratios;
    if (!isObj(def) || !Array.isArray(def.series) || !def.series.length) throw new Error("No Rust against Go comparison for this workload on this machine.");
    dir = "ratio"; name = "Rust / Go"; unit = "ratio";
  }
  if (!Array.isArray(def.series) || !Array.isArray(def.groups)) throw malformed("the series of " + dir + " in the meta");
  // a chart shows one group (the series' shared parameters: one size); its points are
  // in that group's own monthly files
  const group = def.groups.find((g) => isObj(g) && g.id === ctx.group) || (ctx.group ? null : def.groups[0]);
  if (!group || !RE_ID.test(String(group.id))) throw new Error("No " + name + " for these parameters on this machine.");
  checkMonths(group.months, "the months of " + dir + "/" + group.id + " in the meta");
  // The lines of each language's newest release load with the page; the others
  // (nightlies, older pins) from their own files, when asked for.
  const inGroup = def.series.filter((x) => isObj(x) && x.group === group.id);
  const more = inGroup.filter((x) => x.main === false);
  const defs = inGroup.filter((x) => ctx.more || x.main !== false);
  const monthsMore = ctx.more && Array.isArray(group.more_months) ? group.more_months : [];
  if (monthsMore.length) checkMonths(monthsMore, "the months of " + dir + "/" + group.id + "/more in the meta");
  const months = group.months.concat(monthsMore);
  const keys = group.months.map((mo) => ctx.base + dir + "/" + group.id + "/" + mo)
    .concat(monthsMore.map((mo) => ctx.base + dir + "/" + group.id + "/more/" + mo));
  return Promise.all([ctx.load(keys), ctx.runsP]).then(([shards, R]) => { // the shards load while the runs do
    const S = gather(defs, months, shards, keys.map((k) => "data/" + k + ".js"), R);
    for (const s of S) {
      s.segs = (Array.isArray(s.def.segments) ? s.def.segments : []).filter(isObj)
        .map((g) => ({ x0: R.pos(g.from), x1: R.pos(g.to), mean: g.mean }))
        .filter((g) => g.x0 != null && g.x1 != null && num(g.mean));
      s.changes = (Array.isArray(s.def.changes) ? s.def.changes : []).filter(isObj)
        .map((c) => ({ x: R.pos(c.at), change: num(c.change) ? c.change : c.after / c.before - 1, pvalue: c.pvalue }))
        .filter((c) => c.x != null && num(c.change));
    }
    const releases = (Array.isArray(meta.releases) ? meta.releases : []).filter(isObj)
      .map((r) => ({ x: R.pos([r.month, r.run]), toolchain: String(r.toolchain || "") })).filter((r) => r.x != null);
    return [{
      kind, label: name, series: S, unit, zoom: true, xAxis: runAxis(R), N: R.N,
      more: !ctx.more && more.length ? { count: more.length, load: ctx.loadMore } : null,
      overlay: (u, T, pane) => {
        drawReleases(u, T, releases);
        if (kind === "ratio") drawRatioGuides(u, T); else drawSegments(u, T, pane);
      },
      tip: runTip(R, ctx.repo, kind, unit, name),
    }];
  });
}

// versions: one pane per language, x the toolchain versions in the given order
function versionsSpec(meta, metric) {
  const met = meta.metrics.find((x) => isObj(x) && x.id === metric) || {};
  const unit = String(met.unit || (/^(max_rss|bytes_per_task)$/.test(metric) ? "bytes" : "ns")), name = met.label ? String(met.label) : metric;
  const entries = (Array.isArray(meta.versions) ? meta.versions : []).filter((e) => isObj(e) && e.metric === metric);
  if (!entries.length) throw new Error("No toolchain versions compared for " + metric + " on this machine.");
  entries.sort((a, b) => (a.lang === "rust" ? 0 : 1) - (b.lang === "rust" ? 0 : 1));
  return entries.map((e) => {
    if (!Array.isArray(e.versions) || !Array.isArray(e.series)) throw malformed("the versions of " + metric + " in the meta");
    const vs = e.versions.map(String), lang = e.lang === "rust" || e.lang === "go" ? e.lang : "";
    const S = e.series.filter(isObj).map((s, si) => {
      const xs = [], ys = [], lo = [], hi = [], ns = [];
      let expected = 0;
      (Array.isArray(s.v) ? s.v : []).forEach((v, i) => {
        if (v == null || i >= vs.length) return;
        expected++;
        if (!num(v)) return;
        const at = (a) => (Array.isArray(a) && num(a[i]) ? a[i] : v);
        xs.push(i); ys.push(v); lo.push(at(s.lo)); hi.push(at(s.hi));
        ns.push(num(s.n) ? s.n : Array.isArray(s.n) && num(s.n[i]) ? s.n[i] : NaN);
      });
      const f = (a) => Float64Array.from(a);
      return { def: s, key: "versions|" + lang + "|" + s.label, label: String(s.label || "series " + (si + 1)), lang, li: si,
        xs: f(xs), ys: f(ys), lo: f(lo), hi: f(hi), n: f(ns), expected };
    });
    const title = lang === "rust" ? "Rust" : lang === "go" ? "Go" : String(e.lang || "");
    return {
      kind: "versions", title, titleLang: lang, label: title + ", " + name + " by toolchain version", series: S, unit, band: false,
      xRange: () => [-0.5, vs.length - 0.5],
      xAxis: {
        space: 30, size: 44, splits: () => vs.map((_, i) => i),
        // "nightly-2026-05-20" on two lines, so that narrow panes stay readable
        // ... and when the labels are wider than their slots, every k-th one, counted
        // from the newest release
        values: (u, splits) => {
          const slot = u.bbox.width / (window.devicePixelRatio || 1) / Math.max(1, vs.length);
          const widest = Math.max(0, ...vs.map((v) => Math.min(v.length, 10))) * 7 + 6;
          const every = Math.max(1, Math.ceil(widest / Math.max(1, slot)));
          return splits.map((i) => ((vs.length - 1 - i) % every ? "" : vs[i] && vs[i].length > 9 ? vs[i].replace("-", "\n") : vs[i] || ""));
        },
      },
      overlay: drawWhiskers,
      tip: (s, k) => {
        const n = s.n[k], rows = [["version", vs[s.xs[k]]], [name, fmt(s.ys[k], unit), "tt-v"],
          ["interval", fmt(s.lo[k], unit) + " – " + fmt(s.hi[k], unit)], ["", coverage(n, "versions"), "tt-n"]];
        if (num(n)) rows.push(["runs", String(n)]);
        return { rows, url: null };
      },
    };
  });
}

// ---- the workload page

const state = { machines: [], charts: [], gen: 0, wl: "", groups: [], observers: [] };
const allPanes = () => [].concat(...state.charts.map((c) => c.panes));
const applyHideAll = () => allPanes().forEach((p) => p.applyHide());
const rebuildAll = () => allPanes().forEach((p) => { p.build(); p.applyHide(); });
const chartName = (sec) => sec.dataset.chart + ":" + (sec.dataset.metric || "");

function parts(sec) {
  const fallback = sec.querySelector("figure.fallback");
  let plot = sec.querySelector(".plot");
  if (!plot) plot = sec.insertBefore(h("div", "plot"), fallback);
  return { plot, fallback };
}
function showMessage(sec, text, cls) {
  const p = parts(sec);
  p.plot.textContent = "";
  p.plot.appendChild(h("p", "plot-msg" + (cls ? " " + cls : ""), text));
  if (p.fallback) p.fallback.hidden = false;
}
function finish(checks) {
  window.VERSUS_CHECK = checks;
  document.body.dataset.ready = "1";
}
function failAll(msg) {
  finish([].map.call(document.querySelectorAll("section.chart"), (s) => {
    showMessage(s, msg);
    return { chart: chartName(s), points: 0, expected: 0, error: msg };
  }));
}

function buildControls() {
  const box = document.getElementById("controls");
  if (!box) return;
  box.textContent = "";
  const lab = box.appendChild(h("label", "ctl"));
  lab.appendChild(h("span", null, "Machine"));
  const sel = lab.appendChild(h("select"));
  sel.dataset.role = "machine";
  for (const m of state.machines) sel.appendChild(new Option(String(m.label || m.id) + " — " + (num(m.runs) ? m.runs + " runs" : m.id), m.id));
  sel.value = view.machine;
  sel.addEventListener("change", () => { view.machine = sel.value; writeHash(); syncControls(); render(); });
  if (state.groups.length > 1) {
    const gl = box.appendChild(h("label", "ctl"));
    gl.appendChild(h("span", null, "Parameters"));
    const gs = gl.appendChild(h("select"));
    gs.dataset.role = "group";
    for (const g of state.groups) gs.appendChild(new Option(g.label, g.id));
    gs.value = view.group;
    gs.addEventListener("change", () => { view.group = gs.value; writeHash(); render(); });
  }
  const seg = box.appendChild(h("div", "seg"));
  seg.setAttribute("role", "group");
  seg.setAttribute("aria-label", "Value scale");
  seg.appendChild(h("span", null, "Scale"));
  for (const [k, label] of [["lin", "linear"], ["log", "log"]]) {
    const b = seg.appendChild(h("button", null, label));
    b.type = "button";
    b.dataset.scale = k;
    b.addEventListener("click", () => {
      if (view.scale === k) return;
      view.scale = k;
      writeHash();
      syncControls();
      rebuildAll();
    });
  }
  box.appendChild(h("p", "hint"));
  syncControls();
}
function syncControls() {
  const box = document.getElementById("controls"), sel = box && box.querySelector('select[data-role="machine"]');
  if (sel) sel.value = view.machine;
  if (!box) return;
  box.querySelectorAll("button[data-scale]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.scale === view.scale)));
  const m = state.machines.find((x) => x.id === view.machine), hint = box.querySelector(".hint");
  if (hint) hint.textContent = "Drag across a chart to zoom, double-click to zoom out" +
    (m && commitUrl(m.repository, true, null, "0000000") ? "; click a point for its commits on GitHub." : ".");
}

// Draws every chart of the page for the machine in view; a newer render (another
// machine chosen meanwhile) makes an older one drop what it is still loading.
function render() {
  const gen = ++state.gen, m = state.machines.find((x) => x.id === view.machine), base = m.id + "/" + state.wl + "/";
  delete document.body.dataset.ready;
  allPanes().forEach((p) => p.destroy());
  state.charts = [];
  state.observers.forEach((o) => o.disconnect());
  state.observers = [];
  const metaP = load(base + "meta").then((meta) => {
    if (!isObj(meta) || !Array.isArray(meta.metrics)) throw malformed("data/" + base + "meta.js");
    checkMonths(meta.months, "data/" + base + "meta.js (months)");
    return meta;
  });
  const runsP = metaP.then((meta) => loadAll(meta.months.map((mo) => m.id + "/runs/" + mo)).then((list) => runsIndex(m.id, meta.months, list)));
  runsP.catch(() => {}); // a failure is reported by each chart that needs the runs
  // Charts load their shards one after the other, in page order, so that the first
  // chart does not wait while the others' data is parsed.
  let gate = Promise.resolve();
  const queued = (keys) => { const p = gate.then(() => loadAll(keys)); gate = p.catch(() => {}); return p; };
  // a chart drawn again (with more lines): its panes replaced, its check updated
  const redraw = (sec) => {
    state.charts = state.charts.filter((c) => {
      if (c.sec !== sec) return true;
      c.panes.forEach((p) => p.destroy());
      return false;
    });
    drawChart(sec).then((check) => {
      if (gen !== state.gen || !Array.isArray(window.VERSUS_CHECK)) return;
      const same = (c) => c.chart === check.chart && c.group === check.group;
      window.VERSUS_CHECK = window.VERSUS_CHECK.filter((c) => !same(c)).concat([check]);
    });
  };
  const drawChart = (sec) => {
    const kind = sec.dataset.chart, metric = sec.dataset.metric || "", p = parts(sec);
    showMessage(sec, "Loading…", "loading");
    return metaP.then((meta) => {
      const ctx = { meta, base, repo: m.repository, runsP, load: queued, group: sec.dataset.group || "",
        more: !!sec._versusMore, loadMore: () => { sec._versusMore = true; redraw(sec); } };
      if (kind === "versions") return versionsSpec(meta, metric);
      if (kind === "trend" || kind === "ratio") return runSpec(ctx, kind, metric);
      throw new Error("Unknown chart kind " + kind + ".");
    }).then((specs) => {
      if (gen !== state.gen) return null;
      if (!specs.some((sp) => sp.series.some((x) => x.xs.length))) throw new Error("No points on this machine.");
      p.plot.textContent = "";
      const host = p.plot.appendChild(h("div", specs.length > 1 ? "panes" : "panes one"));
      const chart = { sec, panes: specs.map((sp) => new Pane(host, sp)) };
      state.charts.push(chart);
      chart.panes.forEach((q) => q.applyHide());
      return Promise.all(chart.panes.map((q) => q.drawn)).then(() => {
        if (p.fallback) p.fallback.hidden = true;
        return chart.panes.reduce((a, q) => { a.points += q.points; a.expected += q.expected; return a; }, { chart: chartName(sec), group: sec.dataset.group || "", points: 0, expected: 0 });
      });
    }).catch((e) => {
      if (gen === state.gen) showMessage(sec, "No interactive chart: " + errText(e));
      return { chart: chartName(sec), group: sec.dataset.group || "", points: 0, expected: 0, error: errText(e) };
    });
  };
  // Only the charts in view load their data: those of the chosen group (size), and
  // of a closed "more charts" section only once it is opened (or with #all=1, which
  // opens everything, for the browser test and for a link to the whole page).
  const sections = [].filter.call(document.querySelectorAll("section.chart"), (sec) => {
    const shown = !sec.dataset.group || !view.group || sec.dataset.group === view.group;
    sec.hidden = !shown;
    return shown;
  });
  const more = [].slice.call(document.querySelectorAll("details.more-charts"));
  if (view.all) more.forEach((d) => (d.open = true));
  const later = (sec) => { const d = sec.closest("details.more-charts"); return d && !d.open ? d : null; };
  for (const d of more) {
    if (d.open || d._versusWaiting === gen) continue;
    d._versusWaiting = gen;
    d.addEventListener("toggle", function opened() {
      if (!d.open || gen !== state.gen) return;
      d.removeEventListener("toggle", opened);
      sections.filter((sec) => sec.closest("details.more-charts") === d).forEach(drawChart);
    });
  }
  // A chart below the first loads when it nears the viewport: a reader of the first
  // chart does not download every other one. The page is ready once the charts that
  // load at once are drawn; the others add their checks when they draw.
  const now = [], soon = [];
  sections.filter((sec) => !later(sec)).forEach((sec, i) => {
    (i === 0 || view.all || !window.IntersectionObserver ? now : soon).push(sec);
  });
  soon.forEach((sec) => showMessage(sec, "Loads when scrolled to", "loading"));
  // Watched only once the first charts are drawn, when the page has its final layout.
  const watch = () => {
    if (!soon.length || gen !== state.gen) return;
    const seen = new IntersectionObserver((entries) => entries.forEach((e) => {
      if (!e.isIntersecting || gen !== state.gen) return;
      seen.unobserve(e.target);
      drawChart(e.target).then((check) => {
        if (gen === state.gen && Array.isArray(window.VERSUS_CHECK)) window.VERSUS_CHECK.push(check);
      });
    }), { rootMargin: "100px 0px" });
    soon.forEach((sec) => seen.observe(sec));
    state.observers.push(seen);
  };
  return Promise.all(now.map(drawChart)).then((checks) => {
    if (gen !== state.gen) return;
    finish(checks);
    watch();
  });
}

function workloadPage() {
  state.wl = document.body.dataset.workload || "";
  load("index").then((idx) => {
    if (!isObj(idx) || !Array.isArray(idx.machines)) throw malformed("data/index.js");
    if (!RE_ID.test(state.wl)) throw new Error("This page names no valid workload.");
    state.machines = idx.machines.filter((m) => isObj(m) && typeof m.id === "string" && RE_ID.test(m.id) &&
      Array.isArray(m.workloads) && m.workloads.includes(state.wl));
    if (!state.machines.length) throw new Error("No machine has measured " + state.wl + " yet.");
    const known = (id) => state.machines.some((m) => m.id === id);
    // the page's groups, from its sections, in page order; the page names them
    state.groups = [];
    document.querySelectorAll("section.chart[data-group]").forEach((sec) => {
      const id = sec.dataset.group;
      if (id && !state.groups.some((g) => g.id === id)) state.groups.push({ id, label: sec.dataset.groupLabel || id });
    });
    const knownGroup = (id) => state.groups.some((g) => g.id === id);
    const apply = (v) => {
      view.scale = v.scale; view.hide = v.hide; view.all = v.all;
      if (known(v.machine)) view.machine = v.machine;
      if (knownGroup(v.group)) view.group = v.group;
    };
    view.machine = state.machines[0].id;
    view.group = state.groups.length ? state.groups[0].id : null;
    apply(readHash());
    buildControls();
    writeHash();
    // an edited fragment (a pasted link) applies at once
    window.addEventListener("hashchange", () => {
      const old = [view.machine, view.group, view.all].join(" ");
      apply(readHash());
      syncControls();
      if ([view.machine, view.group, view.all].join(" ") !== old) render(); else rebuildAll();
    });
    const mq = window.matchMedia && matchMedia("(prefers-color-scheme: dark)");
    if (mq && mq.addEventListener) mq.addEventListener("change", rebuildAll);
    return render();
  }).catch((e) => failAll(errText(e)));
}

// ---- sortable tables

const MULT = { ns: 1, "µs": 1e3, us: 1e3, ms: 1e6, s: 1e9, b: 1, kib: 1024, mib: 1048576, gib: 1073741824 };
// A cell's number (data-sort when the page gives it), with its unit's scale.
function sortKey(td) {
  const raw = td.dataset.sort != null ? td.dataset.sort : td.textContent.trim();
  const m = raw.replace(/,/g, "").match(/^([-+]?\d*\.?\d+(?:e[-+]?\d+)?)\s*([^\s\d(]*)/i);
  return m ? parseFloat(m[1]) * (MULT[m[2].toLowerCase()] || 1) : null;
}
// Headers become buttons that sort their column: numbers by value, the rest as text.
// Tables with merged cells are left alone.
function sortableTables() {
  document.querySelectorAll("table").forEach((table) => {
    const head = table.tHead, body = table.tBodies[0];
    if (!head || !body || head.rows.length !== 1 || body.rows.length < 2) return;
    const ths = Array.from(head.rows[0].cells);
    const plain = (r) => r.cells.length === ths.length && Array.from(r.cells).every((c) => c.colSpan === 1 && c.rowSpan === 1);
    if (!Array.from(body.rows).every(plain) || !plain(head.rows[0])) return;
    ths.forEach((th, col) => {
      const b = h("button", "th-sort");
      b.type = "button";
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener("click", () => {
        const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        ths.forEach((t) => t.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        const rows = Array.from(body.rows, (r, i) => ({ r, i, n: sortKey(r.cells[col]), t: r.cells[col].textContent.trim() }));
        const numeric = rows.every((k) => k.n != null || !k.t), nv = (k) => (k.n == null ? -Infinity : k.n);
        rows.sort((a, b) => (numeric ? nv(a) - nv(b) : a.t.localeCompare(b.t, undefined, { numeric: true })) * dir || a.i - b.i);
        rows.forEach((k) => body.appendChild(k.r));
      });
    });
  });
}

// ---- start

function start() {
  try {
    root = document.body.dataset.root || "";
    sortableTables();
    if (document.body.dataset.page !== "workload") finish([]);
    else if (!window.uPlot) failAll("The chart library did not load; the static chart is below.");
    else workloadPage();
  } catch (e) {
    finish([{ chart: "page", points: 0, expected: 0, error: errText(e) }]);
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
})();
