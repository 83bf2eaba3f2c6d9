/* mtclean review page. Data: the JSON in #review-data (written by mtclean.pipeline.review.html).
   All text from the report goes into the page through textContent, never as HTML. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("review-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var STAGES = {};
  DATA.stages.forEach(function (s) { STAGES[s.name] = s; });
  var EDITS = {}, SUGS = {};
  DATA.docs.forEach(function (d) {
    d.edits.forEach(function (e) { e.doc = d; EDITS[e.id] = e; });
    d.sugs.forEach(function (s) { s.doc = d; SUGS[s.id] = s; });
  });
  var state = { rejected: new Set(), accepted: new Set(), stages: new Set(DATA.stages.map(function (s) { return s.name; })),
                rule: "", onlyRejected: false, showUnchanged: false, page: 0, sugPage: 0, pages: [], sugList: [] };
  var STORE = "mtclean-review:" + (DATA.report_sha256 || DATA.report || "");

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") n.textContent = v; else if (k === "cls") n.className = v; else n.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return n;
  }
  /* Make invisible characters visible in before/after strings. */
  function visible(s) {
    if (s === "") return "∅ (nothing)";
    return s.replace(/\n/g, "↵").replace(/\t/g, "⇥").replace(/\u00a0/g, "⍽").replace(/^ +| +$/g, function (m) { return m.replace(/ /g, "␣"); })
      .replace(/[\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff]/g, function (c) {
        return "⟨U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "⟩"; });
  }
  function stageClass(name) { var s = STAGES[name]; return "c" + s.color + " line-" + s.line; }
  function passes(e) {
    return state.stages.has(e.s) && (!state.rule || e.r === state.rule) && (!state.onlyRejected || state.rejected.has(e.id));
  }
  function sugPasses(s) { return state.stages.has(s.s) && (!state.rule || s.r === state.rule) && !state.onlyRejected; }

  /* ---- pages: documents cut into parts of at most page_size visible edits ---- */
  function computePages() {
    var size = DATA.page_size, pages = [], cur = [], n = 0;
    function push(part, count) {
      if (cur.length && n + count > size) { pages.push(cur); cur = []; n = 0; }
      cur.push(part); n += Math.max(count, 1);
    }
    DATA.docs.forEach(function (d) {
      if (d.text === null) {
        var vis = d.edits.filter(passes), count = Math.ceil(vis.length / size);
        if (!vis.length && state.showUnchanged && filtersOff()) push({ doc: d, list: [] }, 0);
        for (var i = 0; i < count; i++) {
          push({ doc: d, list: vis.slice(i * size, (i + 1) * size), part: i + 1, parts: count }, Math.min(size, vis.length - i * size));
        }
        return;
      }
      var cl = [];
      d.clusters.forEach(function (c) {
        var ids = c[2].map(function (i) { return d.edits[i]; }).filter(passes);
        if (ids.length) cl.push({ fs: c[0], ft: c[1], edits: ids });
      });
      if (!cl.length) {
        if (state.showUnchanged && filtersOff() && !d.edits.length) push({ doc: d, from: 0, to: d.text.length, cl: [] }, 0);
        return;
      }
      var start = 0, from = 0, parts = [];
      while (start < cl.length) {
        var end = Math.min(start + size, cl.length), to = d.text.length;
        if (end < cl.length) {
          var nl = d.text.indexOf("\n", cl[end - 1].ft);
          to = nl >= 0 && nl < cl[end].fs ? nl + 1 : cl[end].fs;
        }
        parts.push({ doc: d, from: from, to: to, cl: cl.slice(start, end) });
        from = to; start = end;
      }
      parts.forEach(function (p, i) { p.part = i + 1; p.parts = parts.length; push(p, p.cl.length); });
    });
    if (cur.length) pages.push(cur);
    state.pages = pages;
    if (state.page >= pages.length) state.page = Math.max(0, pages.length - 1);
  }
  function filtersOff() { return state.stages.size === DATA.stages.length && !state.rule && !state.onlyRejected; }

  /* ---- rendering the text of one part ---- */
  function plain(host, d, a, b) {
    if (a >= b) return;
    var pos = a;
    d.spans.forEach(function (sp) {
      var s = Math.max(sp[0], pos), t = Math.min(sp[1], b);
      if (s >= t) return;
      if (s > pos) host.appendChild(document.createTextNode(d.text.slice(pos, s)));
      host.appendChild(el("span", { cls: "frag", lang: sp[2], "data-lang": sp[2],
        title: "fragment in " + sp[2] + (sp[3] ? " (" + sp[3] + ", confidence " + sp[4] + ")" : "") }, [d.text.slice(s, t)]));
      pos = t;
    });
    if (pos < b) host.appendChild(document.createTextNode(d.text.slice(pos, b)));
  }
  function label(list) {
    return list.map(function (e) {
      return e.s + " edit, " + e.r + ": " + visible(e.b) + " changed to " + visible(e.a) +
        (state.rejected.has(e.id) ? " (rejected)" : "");
    }).join("; ");
  }
  function markFor(d, c) {
    var first = c.edits[0], stages = [];
    c.edits.forEach(function (e) { if (stages.indexOf(e.s) < 0) stages.push(e.s); });
    var rej = c.edits.every(function (e) { return state.rejected.has(e.id); });
    var m = el("mark", { cls: "ed " + stageClass(first.s) + (c.edits.length > 1 ? " multi" : "") + (rej ? " rej" : "") +
        (c.edits.some(function (e) { return e.c; }) ? " conflict" : ""),
      tabindex: "0", role: "button", "data-edits": c.edits.map(function (e) { return e.id; }).join(" "),
      "data-stage": first.s, "data-tag": stages.map(function (s) { return STAGES[s].tag; }).join("+"),
      "data-n": String(c.edits.length), "aria-label": label(c.edits) });
    if (c.ft > c.fs) m.appendChild(document.createTextNode(d.text.slice(c.fs, c.ft)));
    else if (first.a === "" && first.b) m.appendChild(el("del", { cls: "gone", "aria-hidden": "true" }, [first.b]));
    else m.appendChild(el("span", { cls: "nothing", "aria-hidden": "true", text: "⌫" }));
    return m;
  }
  function docHeader(p) {
    var d = p.doc, sec = el("section", { cls: "doc", "aria-label": "Document " + (d.id || d.i + 1), "data-doc": String(d.i) });
    var h = el("h3", null, [d.id || d.source || ("document " + (d.i + 1))]);
    if (p.parts > 1) h.appendChild(el("span", { cls: "badge", text: "part " + p.part + " of " + p.parts }));
    sec.appendChild(h);
    var info = el("p", { cls: "info" });
    if (d.lang) info.appendChild(el("span", { cls: "badge", title: "document language", text: "lang: " + d.lang }));
    info.appendChild(document.createTextNode(d.edits.length + " edit(s), " + d.sugs.length + " suggestion(s)" +
      (d.source ? " · source " + d.source : "") + (d.output && d.output !== d.source ? " → " + d.output : "")));
    sec.appendChild(info);
    if (d.spans.length && (!p.part || p.part === 1)) {
      var fr = el("p", { cls: "info" }, ["Fragments: "]);
      d.spans.forEach(function (sp, i) {
        if (i) fr.appendChild(document.createTextNode(", "));
        fr.appendChild(el("span", { cls: "badge", text: sp[2] }));
        fr.appendChild(el("q", { lang: sp[2], text: d.text !== null ? d.text.slice(sp[0], sp[1]) : sp[5] }));
      });
      sec.appendChild(fr);
    }
    if ((d.notes.length || d.errors.length) && (!p.part || p.part === 1)) {
      var det = el("details", null, [el("summary", { text: "Notes (" + (d.notes.length + d.errors.length) + ")" })]);
      var ul = el("ul");
      d.errors.concat(d.notes).forEach(function (n) { ul.appendChild(el("li", { text: n })); });
      det.appendChild(ul); sec.appendChild(det);
    }
    return sec;
  }
  function renderPart(p) {
    var sec = docHeader(p), d = p.doc;
    if (d.text === null) {
      sec.appendChild(el("p", { cls: "missing", text: "Text not available, edits listed without context: " + d.missing }));
      var ul = el("ul", { cls: "edlist" });
      p.list.forEach(function (e) {
        var m = markFor({ text: "" }, { fs: 0, ft: 0, edits: [e] });
        m.textContent = visible(e.a); ul.appendChild(el("li", null, [m, " ← " + visible(e.b) + " · " + e.r + " @" + e.at]));
      });
      sec.appendChild(ul);
      return sec;
    }
    var host = el("div", { cls: "text", lang: d.lang || null }), pos = p.from;
    p.cl.forEach(function (c) { plain(host, d, pos, c.fs); host.appendChild(markFor(d, c)); pos = Math.max(pos, c.ft); });
    plain(host, d, pos, p.to);
    sec.appendChild(host);
    return sec;
  }
  function pager(host, n, cur, go, what) {
    host.textContent = "";
    if (n <= 1) return;
    host.appendChild(el("button", { type: "button", disabled: cur === 0, "aria-label": "Previous " + what + " page", text: "‹ Previous" }));
    host.lastChild.addEventListener("click", function () { go(cur - 1); });
    var sel = el("select", { "aria-label": what + " page" });
    for (var i = 0; i < n; i++) sel.appendChild(el("option", { value: String(i), selected: i === cur, text: "Page " + (i + 1) + " of " + n }));
    sel.addEventListener("change", function () { go(+sel.value); });
    host.appendChild(sel);
    host.appendChild(el("button", { type: "button", disabled: cur >= n - 1, "aria-label": "Next " + what + " page", text: "Next ›" }));
    host.lastChild.addEventListener("click", function () { go(cur + 1); });
  }
  function renderDocs() {
    hideTip();
    var host = $("docs"), page = state.pages[state.page] || [];
    host.textContent = "";
    var frag = document.createDocumentFragment(), shown = 0;
    page.forEach(function (p) { frag.appendChild(renderPart(p)); shown += p.cl ? p.cl.reduce(function (a, c) { return a + c.edits.length; }, 0) : p.list.length; });
    host.appendChild(frag);
    if (!page.length) host.appendChild(el("p", { text: "No edits match the filters." }));
    var go = function (i) { state.page = Math.max(0, Math.min(i, state.pages.length - 1)); renderDocs(); $("docs").focus(); };
    pager($("pager-top"), state.pages.length, state.page, go, "Document");
    pager($("pager-bottom"), state.pages.length, state.page, go, "Document");
    var total = 0;
    state.pages.forEach(function (pg) { pg.forEach(function (p) { total += p.cl ? p.cl.reduce(function (a, c) { return a + c.edits.length; }, 0) : p.list.length; }); });
    $("status").textContent = total + " edit(s) match the filters; " + shown + " on this page (page " +
      (state.pages.length ? state.page + 1 : 0) + " of " + state.pages.length + ").";
  }

  /* ---- suggestions ---- */
  function context(s) {
    var d = s.doc, cell = el("td", { cls: "ctx" });
    if (d.text === null) { cell.textContent = "(text not available)"; return cell; }
    var a = Math.max(0, s.fs - 40), b = Math.min(d.text.length, s.ft + 40);
    cell.appendChild(document.createTextNode((a > 0 ? "…" : "") + d.text.slice(a, s.fs)));
    cell.appendChild(el("b", { text: d.text.slice(s.fs, s.ft) }));
    cell.appendChild(document.createTextNode(d.text.slice(s.ft, b) + (b < d.text.length ? "…" : "")));
    return cell;
  }
  function renderSugs() {
    var list = [];
    DATA.docs.forEach(function (d) { d.sugs.forEach(function (s) { if (sugPasses(s)) list.push(s); }); });
    var size = DATA.page_size, n = Math.max(1, Math.ceil(list.length / size));
    if (state.sugPage >= n) state.sugPage = n - 1;
    var body = $("sugs").tBodies[0];
    body.textContent = "";
    list.slice(state.sugPage * size, (state.sugPage + 1) * size).forEach(function (s) {
      var cb = el("input", { type: "checkbox", cls: "accept", "data-id": s.id, checked: state.accepted.has(s.id),
        "aria-label": "Accept " + visible(s.b) + " → " + visible(s.a) });
      cb.addEventListener("change", function () { toggle(state.accepted, s.id, cb.checked); });
      var stage = el("td", null, [el("span", { cls: "sw " + stageClass(s.s), text: STAGES[s.s].tag }), " " + s.s]);
      var change = el("td", null, [el("span", { cls: "ba before", text: visible(s.b) }), " → ", el("span", { cls: "ba", text: visible(s.a) })]);
      var gl = el("td", { text: s.entry ? "adds “" + s.b + "” as a variant of " + s.entry : "—" });
      body.appendChild(el("tr", { "data-sug": s.id }, [el("td", null, [cb]), el("td", { text: s.doc.id || String(s.doc.i + 1) }),
        stage, el("td", { text: s.r }), change, context(s), el("td", { text: s.why + (s.c ? " (" + s.c + " later changed this text)" : "") }), gl]));
    });
    if (!list.length) body.appendChild(el("tr", null, [el("td", { colspan: "8", text: "No suggestions match the filters." })]));
    pager($("sug-pager"), n, state.sugPage, function (i) { state.sugPage = i; renderSugs(); }, "Suggestion");
  }

  /* ---- tooltip and details panel ---- */
  function describe(e, withControls) {
    var box = el("div", { cls: "one" });
    box.appendChild(el("div", null, [el("span", { cls: "sw " + stageClass(e.s), text: STAGES[e.s].tag }), " ",
      el("strong", { text: e.st }), " · " + e.r]));
    box.appendChild(el("div", null, [el("span", { cls: "ba before", text: visible(e.b) }), " → ", el("span", { cls: "ba", text: visible(e.a) })]));
    box.appendChild(el("div", { text: e.why }));
    if (withControls && e.ev) box.appendChild(el("div", { cls: "hint", text: "evidence: " + e.ev }));
    if (e.c) box.appendChild(el("div", { cls: "hint", text: "A later stage (" + e.c + ") changed this text: rejecting this edit " +
      "takes effect only if the later edit is rejected too (apply-review reports it otherwise)." }));
    if (state.rejected.has(e.id)) box.appendChild(el("div", null, [el("strong", { text: "✗ Rejected" })]));
    if (withControls) {
      var cb = el("input", { type: "checkbox", cls: "reject", id: "rej-" + e.id, "data-id": e.id,
        checked: state.rejected.has(e.id) });
      cb.addEventListener("change", function () {
        toggle(state.rejected, e.id, cb.checked); openPanel(current);
        var again = $("rej-" + e.id); if (again) again.focus();
      });
      box.appendChild(el("label", { "for": "rej-" + e.id }, [cb, " Reject this edit"]));
    }
    return box;
  }
  function editsOf(m) { return m.getAttribute("data-edits").split(" ").map(function (id) { return EDITS[id]; }); }
  var tip = $("tip"), current = null;
  function showTip(m) {
    tip.textContent = "";
    editsOf(m).forEach(function (e) { tip.appendChild(describe(e, false)); });
    tip.hidden = false;
    var r = m.getBoundingClientRect();
    tip.style.left = Math.max(4, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4)) + "px";
    tip.style.top = (window.scrollY + r.bottom + 6) + "px";
    if (!m.id) m.id = "m-" + m.getAttribute("data-edits").split(" ")[0].replace(/\./g, "-");
    tip.setAttribute("data-for", m.id);
    m.setAttribute("aria-describedby", "tip");
  }
  function hideTip() { tip.hidden = true; }
  function openPanel(m) {
    if (!m) return;
    current = m;
    var body = $("panel-body");
    body.textContent = "";
    editsOf(m).forEach(function (e) { body.appendChild(describe(e, true)); });
    $("panel").hidden = false;
  }
  function closePanel() {
    $("panel").hidden = true;
    if (current && document.body.contains(current)) current.focus();
  }
  function toggle(set, id, on) {
    if (on) set.add(id); else set.delete(id);
    save(); refreshMarks(); updateCount();
  }
  function refreshMarks() {
    Array.prototype.forEach.call(document.querySelectorAll("mark.ed"), function (m) {
      var list = editsOf(m), rej = list.every(function (e) { return state.rejected.has(e.id); });
      m.classList.toggle("rej", rej);
      m.setAttribute("aria-label", label(list));
    });
    if (current && !document.body.contains(current)) {
      current = document.querySelector('mark.ed[data-edits="' + current.getAttribute("data-edits") + '"]') || current;
    }
  }
  function updateCount() {
    var r = state.rejected.size, a = state.accepted.size;
    $("decision-count").textContent = r || a ? r + " edit(s) rejected, " + a + " suggestion(s) accepted." : "No decisions yet.";
  }

  /* ---- decisions ---- */
  function decisions() {
    var byOrder = function (a, b) { return a.localeCompare(b, undefined, { numeric: true }); };
    var gf = $("glossary-file").value.trim();
    return {
      schema: "mtclean.review-decisions.v1", report: DATA.report, report_sha256: DATA.report_sha256,
      glossary_file: gf || DATA.glossary_file || null, glossary_dir: DATA.glossary_dir || null,
      rejected: Array.from(state.rejected).sort(byOrder).map(function (id) {
        var e = EDITS[id];
        return { doc: e.doc.i, id: e.doc.id, record: e.k, stage: e.st, edit: e.e, start: e.at, before: e.b, after: e.a, rule: e.r };
      }),
      accepted: Array.from(state.accepted).sort(byOrder).map(function (id) {
        var s = SUGS[id];
        return { doc: s.doc.i, id: s.doc.id, record: s.k, stage: s.st, suggestion: s.x, start: s.at, before: s.b, after: s.a,
                 rule: s.r, entry: s.entry || null };
      })
    };
  }
  function download() {
    var blob = new Blob([JSON.stringify(decisions(), null, 1) + "\n"], { type: "application/json" });
    var a = el("a", { href: URL.createObjectURL(blob), download: (DATA.report ? DATA.report.split(/[\\/]/).pop().replace(/\.[^.]*$/, "") : "review") + ".decisions.json" });
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify({ r: Array.from(state.rejected), a: Array.from(state.accepted), g: $("glossary-file").value })); }
    catch (err) { /* storage is optional (private windows, file:// restrictions) */ }
  }
  function restore() {
    try {
      var got = JSON.parse(localStorage.getItem(STORE) || "null");
      if (!got) return;
      (got.r || []).forEach(function (id) { if (EDITS[id]) state.rejected.add(id); });
      (got.a || []).forEach(function (id) { if (SUGS[id]) state.accepted.add(id); });
      if (got.g) $("glossary-file").value = got.g;
    } catch (err) { /* ignore unreadable storage */ }
  }

  /* ---- summary and filters ---- */
  function buildSummary() {
    var legend = $("legend");
    DATA.stages.forEach(function (s) {
      legend.appendChild(el("span", null, [el("span", { cls: "sw " + stageClass(s.name) + " line-" + s.line, style: "text-decoration-style:" + s.line, text: s.tag }),
        " " + s.name + " (" + s.line + " underline, tag " + s.tag + ")"]));
    });
    var body = $("summary").tBodies[0];
    DATA.summary.forEach(function (row) {
      var b = el("button", { type: "button", text: "Show", "aria-label": "Show only " + row.rule });
      b.addEventListener("click", function () {
        state.stages = new Set([row.stage]); state.rule = row.rule; syncFilters(); applyFilters();
        $("docs").scrollIntoView(); $("docs").focus();
      });
      body.appendChild(el("tr", null, [el("td", null, [el("span", { cls: "sw " + stageClass(row.stage), text: STAGES[row.stage].tag }), " " + row.stage]),
        el("td", { text: row.rule }), el("td", { text: String(row.edits) }), el("td", { text: String(row.suggestions) }), el("td", null, [b])]));
    });
    var t = DATA.totals;
    body.appendChild(el("tr", null, [el("th", { scope: "row", text: "All" }), el("td"), el("td", { text: String(t.edits) }),
      el("td", { text: String(t.suggestions) }), el("td")]));
    $("meta").textContent = t.documents + " document(s), " + t.edits + " edit(s), " + t.suggestions + " suggestion(s), " +
      t.spans + " fragment(s)" + (t.without_text ? "; " + t.without_text + " document(s) without text" : "") +
      (DATA.report ? " · report " + DATA.report : "") + " · generated " + DATA.generated;
    var fs = $("stage-filter");
    DATA.stages.forEach(function (s) {
      var cb = el("input", { type: "checkbox", cls: "stage-cb", value: s.name, checked: true });
      cb.addEventListener("change", function () { if (cb.checked) state.stages.add(s.name); else state.stages.delete(s.name); applyFilters(); });
      fs.appendChild(el("label", null, [cb, " ", el("span", { cls: "sw " + stageClass(s.name), text: s.tag }), " " + s.name + " (" + s.n + ")"]));
    });
    var sel = $("rule-filter"), rules = {};
    DATA.summary.forEach(function (r) { rules[r.rule] = (rules[r.rule] || 0) + r.edits + r.suggestions; });
    Object.keys(rules).sort().forEach(function (r) { sel.appendChild(el("option", { value: r, text: r + " (" + rules[r] + ")" })); });
    sel.addEventListener("change", function () { state.rule = sel.value; applyFilters(); });
    $("only-rejected").addEventListener("change", function () { state.onlyRejected = this.checked; applyFilters(); });
    $("show-unchanged").addEventListener("change", function () { state.showUnchanged = this.checked; applyFilters(); });
    $("reset-filters").addEventListener("click", function () {
      state.stages = new Set(DATA.stages.map(function (s) { return s.name; })); state.rule = ""; state.onlyRejected = false;
      syncFilters(); applyFilters();
    });
  }
  /* Reject (or restore) every edit the filters show, on every page. */
  function bulk(on) {
    var n = 0;
    DATA.docs.forEach(function (d) {
      d.edits.forEach(function (e) {
        if (passes(e) && state.rejected.has(e.id) !== on) { if (on) state.rejected.add(e.id); else state.rejected.delete(e.id); n++; }
      });
    });
    save(); refreshMarks(); updateCount();
    $("status").textContent = (on ? "Rejected " : "Restored ") + n + " edit(s).";
  }
  function syncFilters() {
    Array.prototype.forEach.call(document.querySelectorAll(".stage-cb"), function (cb) { cb.checked = state.stages.has(cb.value); });
    $("rule-filter").value = state.rule; $("only-rejected").checked = state.onlyRejected;
  }
  function applyFilters() { state.page = 0; state.sugPage = 0; computePages(); renderDocs(); renderSugs(); }

  /* ---- events ---- */
  var docs = $("docs");
  docs.addEventListener("mouseover", function (ev) { var m = ev.target.closest && ev.target.closest("mark.ed"); if (m) showTip(m); });
  docs.addEventListener("mouseout", function (ev) { var m = ev.target.closest && ev.target.closest("mark.ed"); if (m && !m.contains(ev.relatedTarget)) hideTip(); });
  docs.addEventListener("focusin", function (ev) { if (ev.target.matches("mark.ed")) showTip(ev.target); });
  docs.addEventListener("focusout", function () { hideTip(); });
  docs.addEventListener("click", function (ev) { var m = ev.target.closest && ev.target.closest("mark.ed"); if (m) { m.focus(); openPanel(m); } });
  docs.addEventListener("keydown", function (ev) {
    var m = ev.target;
    if (!m.matches || !m.matches("mark.ed")) return;
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openPanel(m); var cb = $("panel").querySelector("input.reject"); if (cb) cb.focus(); }
    else if (ev.key === "x" || ev.key === "X") {
      var list = editsOf(m);
      if (list.length === 1) { toggle(state.rejected, list[0].id, !state.rejected.has(list[0].id)); showTip(m); if (!$("panel").hidden) openPanel(m); }
      else if (list.length) openPanel(m);
    }
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key === "Escape") { if (!$("panel").hidden) { ev.preventDefault(); closePanel(); } hideTip(); return; }
    if (ev.altKey || ev.ctrlKey || ev.metaKey || (t.matches && t.matches("input, select, textarea, button"))) return;
    var marks = Array.prototype.slice.call(docs.querySelectorAll("mark.ed"));
    var i = marks.indexOf(document.activeElement);
    if (ev.key === "j" || ev.key === "n") { ev.preventDefault(); if (marks.length) marks[Math.min(i + 1, marks.length - 1)].focus(); }
    else if (ev.key === "k" || ev.key === "p") { ev.preventDefault(); if (marks.length) marks[Math.max(i - 1, 0)].focus(); }
    else if (ev.key === "]" && state.page < state.pages.length - 1) { state.page++; renderDocs(); docs.focus(); }
    else if (ev.key === "[" && state.page > 0) { state.page--; renderDocs(); docs.focus(); }
  });
  $("panel-close").addEventListener("click", closePanel);
  $("reject-shown").addEventListener("click", function () { bulk(true); });
  $("restore-shown").addEventListener("click", function () { bulk(false); });
  $("download").addEventListener("click", download);
  $("clear").addEventListener("click", function () { state.rejected.clear(); state.accepted.clear(); save(); refreshMarks(); renderSugs(); updateCount(); });
  $("glossary-file").addEventListener("change", save);
  if (DATA.glossary_file) $("glossary-file").value = DATA.glossary_file;

  restore();
  buildSummary();
  applyFilters();
  updateCount();
  window.mtcleanReview = { ready: performance.now(), decisions: decisions, state: state };
  document.documentElement.setAttribute("data-ready", "1");
})();
