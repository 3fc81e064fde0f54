/* graphrisk network page.
 * Reads the data block with JSON.parse and draws it with vis-network (inlined).
 * Every text shown is set with textContent (never innerHTML); nothing is loaded from
 * any URL.  window.graphrisk exposes the page state and actions for scripted checks.
 */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("graph-data").textContent);
  var L = D.labels, E = D.enums, N = D.nodes, M = D.edges;
  var n = N.id.length, m = M.from.length;
  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";
  var T0 = performance.now();
  var GR = window.graphrisk = { ready: false, mode: D.mode, errors: [], timings: {} };

  // ------------------------------------------------------------------ helpers
  function el(tag, attrs, txt) {
    var e = document.createElement(tag);
    if (attrs) { for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } } }
    if (txt !== undefined && txt !== null) { e.textContent = String(txt); }
    return e;
  }
  function $(id) { return document.getElementById(id); }
  function fmt(v) {
    if (v === null || v === undefined) { return "—"; }
    return Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function gid(g) { return "GRP" + String(g + 1).padStart(D.id_width.group, "0"); }
  function cid(c) { return "C" + String(c + 1).padStart(D.id_width.circle, "0"); }
  function short(s, k) { s = String(s); return s.length > k ? s.slice(0, k - 1) + "…" : s; }

  var KIND_SHAPE = ["dot", "diamond", "square"];
  var KIND_COLOR = ["#4a5568", "#805ad5", "#1f3a5f"];
  var LEVEL_COLOR = ["#3182ce", "#d69e2e", "#dd6b20", "#c53030"];
  var CLS_COLOR = ["#38a169", "#d69e2e", "#dd6b20", "#c53030", "#63171b"];
  var NONE_COLOR = "#a0aec0";
  var REL_COLOR = ["#e53e3e", "#3182ce", "#a0aec0", "rgba(56,161,105,0.45)"];
  var REL_DASH = [false, false, [4, 4], [2, 5]];
  var DIM = "rgba(203,213,224,0.35)";

  function riskColor(i) {
    if (N.kind[i] === 2) { return KIND_COLOR[2]; }
    if (D.has_levels) { return N.level[i] >= 0 ? LEVEL_COLOR[N.level[i]] : (N.cls[i] >= 0 ? "#68d391" : NONE_COLOR); }
    return N.cls[i] >= 0 ? CLS_COLOR[N.cls[i]] : (N.kind[i] === 1 ? KIND_COLOR[1] : NONE_COLOR);
  }
  function nodeSize(i) {
    var v = N.loans[i] || 0;
    return (N.kind[i] === 1 ? 7 : 9) + Math.min(14, Math.sqrt(v) / 8);
  }
  function edgeWidth(j) {
    var r = M.rel[j];
    if (r === 0 || r === 3) { return 1 + Math.min(6, Math.log10(1 + (M.amount[j] || 0)) - 1.5); }
    return 1;
  }

  // ---------------------------------------------------------- adjacency, units
  var adj = new Array(n);
  for (var i = 0; i < n; i++) { adj[i] = []; }
  for (var j = 0; j < m; j++) { adj[M.from[j]].push(j); adj[M.to[j]].push(j); }
  var units = {};
  for (i = 0; i < n; i++) { (units[N.unit[i]] = units[N.unit[i]] || []).push(i); }

  // --------------------------------------------------------------- the state
  var filt = { kind: [true, true, true], rel: [true, true, true, true],
               level: [true, true, true, true, true], cls: [true, true, true, true, true, true],
               amount: 0 };
  var ego = null;         // {center, hops, set}
  var drilled = D.mode === "full" ? null : -1;  // unit shown in group mode, -1 = overview
  var circleSet = null;   // member set of the picked circle
  var pickedCircle = "";

  function nodeVisible(i) {
    if (!filt.kind[N.kind[i]]) { return false; }
    if (N.kind[i] !== 2) {
      if (D.has_levels && !filt.level[N.level[i] + 1]) { return false; }
      if (!filt.cls[N.cls[i] + 1]) { return false; }
    }
    if (ego) { return ego.set.has(i); }
    if (drilled !== null && N.unit[i] !== drilled) { return false; }
    return true;
  }
  function edgeVisible(j) {
    var r = M.rel[j];
    if (!filt.rel[r]) { return false; }
    if ((r === 0 || r === 3) && (M.amount[j] || 0) < filt.amount) { return false; }
    return visible[M.from[j]] && visible[M.to[j]];
  }

  function nodeStyle(i, dim) {
    if (dim) { return { color: DIM, borderWidth: 1, font: { color: "rgba(160,174,192,0.5)" } }; }
    var defaulted = N.status[i] === "defaulted";
    var c = riskColor(i);
    return { color: defaulted ? { background: c, border: "#1a202c" } : c,
             borderWidth: defaulted ? 3 : 1, font: { color: "#1a202c" } };
  }
  function nodeItem(i, dim) {
    var it = nodeStyle(i, dim);
    it.id = i; it.x = N.x[i]; it.y = N.y[i]; it.label = short(N.name[i] || N.id[i], 14);
    it.shape = KIND_SHAPE[N.kind[i]]; it.size = nodeSize(i); it.dimmed = dim;
    return it;
  }
  function edgeStyle(j, dim, lit) {
    return { width: lit ? edgeWidth(j) + 1.5 : edgeWidth(j), color: dim ? DIM : REL_COLOR[M.rel[j]] };
  }
  function edgeItem(j, dim, lit) {
    var it = edgeStyle(j, dim, lit);
    it.id = j; it.from = M.from[j]; it.to = M.to[j];
    if (REL_DASH[M.rel[j]]) { it.dashes = REL_DASH[M.rel[j]]; }
    if (M.rel[j] === 2) { it.arrows = { to: { enabled: false } }; }
    return it;
  }

  var nodes = new vis.DataSet(), edges = new vis.DataSet();
  var visible = new Uint8Array(n), nodeDim = new Uint8Array(n);
  var edgeOn = new Uint8Array(m), edgeDim = new Uint8Array(m);

  // bring the DataSets to the current state, touching only what changed
  function rebuild() {
    var addN = [], updN = [], remN = [], addE = [], updE = [], remE = [];
    for (var i = 0; i < n; i++) {
      var v = nodeVisible(i) ? 1 : 0, d = circleSet && !circleSet.has(i) ? 1 : 0;
      if (v && !visible[i]) { addN.push(nodeItem(i, !!d)); }
      else if (!v && visible[i]) { remN.push(i); }
      else if (v && d !== nodeDim[i]) { var u = nodeStyle(i, !!d); u.id = i; u.dimmed = !!d; updN.push(u); }
      visible[i] = v; nodeDim[i] = v ? d : 0;
    }
    for (var j = 0; j < m; j++) {
      var on = edgeVisible(j) ? 1 : 0;
      var lit = circleSet && circleSet.has(M.from[j]) && circleSet.has(M.to[j]);
      var ed = circleSet && !lit ? 1 : (lit ? 2 : 0);
      if (on && !edgeOn[j]) { addE.push(edgeItem(j, ed === 1, ed === 2)); }
      else if (!on && edgeOn[j]) { remE.push(j); }
      else if (on && ed !== edgeDim[j]) { var w = edgeStyle(j, ed === 1, ed === 2); w.id = j; updE.push(w); }
      edgeOn[j] = on; edgeDim[j] = on ? ed : 0;
    }
    if (remE.length) { edges.remove(remE); }
    if (remN.length) { nodes.remove(remN); }
    if (addN.length) { nodes.add(addN); }
    if (updN.length) { nodes.update(updN); }
    if (addE.length) { edges.add(addE); }
    if (updE.length) { edges.update(updE); }
    updateStats();
  }

  // group overview (group mode)
  var groupNodes = new vis.DataSet(), groupEdges = new vis.DataSet();
  function groupColor(g) { return g.circles ? "#dd6b20" : (g.npl > 0 ? "#c53030" : "#4299e1"); }
  groupNodes.add(D.groups.map(function (g, k) {
    return { id: "g" + k, x: g.x, y: g.y, shape: "dot", size: Math.max(10, g.r * 0.6),
             label: g.id + " (" + g.size + ")", color: groupColor(g) };
  }));

  // --------------------------------------------------------------- network
  var container = $("graph");
  var big = n > 2000;
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
    physics: false,
    layout: { improvedLayout: false },
    interaction: { hover: true, multiselect: true, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
                   tooltipDelay: 3600000, keyboard: false },
    nodes: { borderWidth: 1, font: { face: FONT, size: 12, strokeWidth: 3, strokeColor: "#ffffff" },
             scaling: { label: { enabled: true, min: 8, max: 18, drawThreshold: 5 } } },
    edges: { smooth: false, selectionWidth: 1.5, hoverWidth: 1,
             arrows: { to: { enabled: true, scaleFactor: 0.5 } } }
  });
  network.on("beforeDrawing", function (ctx) {
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
  });

  function showGroups() {
    drilled = -1; ego = null;
    network.setData({ nodes: groupNodes, edges: groupEdges });
    $("mode-box").hidden = true;
    updateStats();
    network.fit({ animation: false });
  }
  function drill(u) {
    drilled = u; ego = null;
    network.setData({ nodes: nodes, edges: edges });
    rebuild();
    $("mode-box").hidden = false;
    network.fit({ animation: false });
  }
  function overview() { return D.mode === "groups" && drilled === -1 && !ego; }

  function updateStats() {
    var s = overview() ? groupNodes.length + " " + L.group :
      nodes.length + " " + L.nodes + " · " + edges.length + " " + L.edges;
    if (circleSet) { s += " · " + pickedCircle + ": " + countHighlighted() + " / " + circleSet.size; }
    $("stats").textContent = s;
  }

  // --------------------------------------------------------------- tooltips
  var tip = $("tip");
  function nodeLines(i) {
    var lines = [N.name[i], L.id + ": " + N.id[i], L.kind + ": " + E.kind[N.kind[i]]];
    if (N.kind[i] === 0) {
      lines.push(L.capital + ": " + fmt(N.capital[i]));
      if (N.status[i]) { lines.push(L.status + ": " + (E.status[N.status[i]] || N.status[i])); }
    }
    if (N.kind[i] !== 2 || N.loans[i]) {
      lines.push(L.loans + ": " + fmt(N.loans[i]) + (N.cls[i] >= 0 ? " (" + E.cls[N.cls[i]] + ")" : ""));
    }
    if (N.gout[i]) { lines.push(L.guar_given + ": " + fmt(N.gout[i])); }
    if (N.gin[i]) { lines.push(L.guar_recv + ": " + fmt(N.gin[i])); }
    if (D.has_levels) { lines.push(L.level + ": " + (N.level[i] >= 0 ? E.level[N.level[i]] : L.no_level)); }
    if (N.group[i] >= 0) { lines.push(L.group + ": " + gid(N.group[i])); }
    if (N.circle[i] >= 0) { lines.push(L.circle + ": " + cid(N.circle[i])); }
    return lines;
  }
  function edgeLines(j) {
    var r = M.rel[j], a = M.from[j], b = M.to[j];
    var lines = [E.rel[r] + ": " + (N.name[a] || N.id[a]) + " → " + (N.name[b] || N.id[b])];
    if (r === 0 || r === 3) { lines.push(fmt(M.amount[j]) + " 万元 · " + M.count[j] + " " + L.contracts); }
    if (M.detail[j]) { lines.push(M.detail[j]); }
    return lines;
  }
  function groupLines(k) {
    var g = D.groups[k];
    var lines = [L.group + " " + g.id, g.size + " " + L.members, L.loans + ": " + fmt(g.loans)];
    if (g.npl) { lines.push(E.cls[2] + "+: " + fmt(g.npl)); }
    if (g.circles) { lines.push(L.circle + ": " + g.circles); }
    return lines;
  }
  function showTip(lines, pointer) {
    tip.textContent = lines.join("\n");
    var r = container.getBoundingClientRect();
    tip.style.left = (r.left + pointer.x + 14) + "px";
    tip.style.top = (r.top + pointer.y + 14) + "px";
    tip.hidden = false;
  }
  network.on("hoverNode", function (p) {
    if (typeof p.node === "string") { showTip(groupLines(+p.node.slice(1)), p.pointer.DOM); }
    else { showTip(nodeLines(p.node), p.pointer.DOM); }
  });
  network.on("hoverEdge", function (p) { if (typeof p.edge === "number") { showTip(edgeLines(p.edge), p.pointer.DOM); } });
  network.on("blurNode", function () { tip.hidden = true; });
  network.on("blurEdge", function () { tip.hidden = true; });
  network.on("dragStart", function () { tip.hidden = true; });

  // --------------------------------------------------------------- info panel
  function showInfo(i) {
    var box = $("info");
    box.textContent = "";
    box.appendChild(el("h3", null, N.name[i] || N.id[i]));
    var dl = el("dl");
    nodeLines(i).slice(1).forEach(function (line) {
      var k = line.indexOf(": ");
      dl.appendChild(el("dt", null, line.slice(0, k)));
      dl.appendChild(el("dd", null, line.slice(k + 2)));
    });
    box.appendChild(dl);
    box.hidden = false;
  }

  // --------------------------------------------------------------- selection
  function focusNode(i) {
    if (circleSet && !circleSet.has(i)) { circleSet = null; pickedCircle = ""; pick.value = ""; rebuild(); }
    if (D.mode === "groups" && !ego && drilled !== N.unit[i]) { drill(N.unit[i]); }
    if (!visible[i]) { ego = null; resetFilters(); if (D.mode === "groups") { drilled = N.unit[i]; } rebuild(); }
    network.selectNodes([i]);
    network.focus(i, { scale: Math.max(network.getScale(), 1.0), animation: false });
    GR.selected = N.id[i];
    showInfo(i);
  }
  network.on("click", function (p) {
    if (p.nodes.length) {
      var id = p.nodes[0];
      if (typeof id === "string") { drill(D.groups[+id.slice(1)].unit); return; }
      GR.selected = N.id[id];
      showInfo(id);
    }
  });
  network.on("doubleClick", function (p) {
    if (p.nodes.length && typeof p.nodes[0] === "number") { expand(p.nodes[0], +$("ego-hops").value || 1); }
  });

  function expand(i, hops) {
    var set = new Set([i]), frontier = [i];
    for (var h = 0; h < hops; h++) {
      var next = [];
      frontier.forEach(function (a) {
        adj[a].forEach(function (j) {
          if (!filt.rel[M.rel[j]]) { return; }
          var b = M.from[j] === a ? M.to[j] : M.from[j];
          if (!set.has(b)) { set.add(b); next.push(b); }
        });
      });
      frontier = next;
    }
    ego = { center: i, hops: hops, set: set };
    if (circleSet && !circleSet.has(i)) { circleSet = null; pickedCircle = ""; pick.value = ""; }
    if (D.mode === "groups") { network.setData({ nodes: nodes, edges: edges }); $("mode-box").hidden = false; }
    rebuild();
    network.selectNodes([i]);
    network.fit({ animation: false });
    GR.selected = N.id[i];
    showInfo(i);
    return nodes.length;
  }
  function showAll() {
    ego = null; circleSet = null; pickedCircle = ""; $("circle-pick").value = "";
    if (D.mode === "groups") { showGroups(); return; }
    rebuild();
    network.fit({ animation: false });
  }

  // --------------------------------------------------------------- search
  function search(q) {
    q = String(q || "").trim();
    var out = $("results");
    out.textContent = "";
    if (!q) { return []; }
    var ql = q.toLowerCase(), qu = q.toUpperCase(), hits = [];
    for (var i = 0; i < n && hits.length < 50; i++) {
      if (N.id[i].toUpperCase() === qu) { hits.unshift(i); }
    }
    for (i = 0; i < n && hits.length < 50; i++) {
      if (hits.indexOf(i) >= 0) { continue; }
      if (String(N.name[i]).toLowerCase().indexOf(ql) >= 0 || N.id[i].toUpperCase().indexOf(qu) === 0) { hits.push(i); }
    }
    if (!hits.length) { out.appendChild(el("li", null, L.no_match)); return []; }
    hits.slice(0, 20).forEach(function (i, k) {
      var li = el("li", k === 0 ? { "class": "on" } : null, N.name[i] || N.id[i]);
      li.appendChild(el("small", null, N.id[i]));
      li.addEventListener("click", function () { focusNode(i); });
      out.appendChild(li);
    });
    focusNode(hits[0]);
    return hits.map(function (i) { return N.id[i]; });
  }
  $("search-form").addEventListener("submit", function (ev) { ev.preventDefault(); search($("search").value); });

  // --------------------------------------------------------------- circles
  var pick = $("circle-pick");
  D.circles.forEach(function (c) {
    pick.appendChild(el("option", { value: c.id }, c.id + " · " + c.members.length + " " + L.members));
  });
  function countHighlighted() {
    var k = 0;
    nodes.forEach(function (it) { if (!it.dimmed) { k++; } });
    return k;
  }
  function pickCircle(cid) {
    var c = null;
    D.circles.forEach(function (x) { if (x.id === cid) { c = x; } });
    pick.value = c ? cid : "";
    if (!c) { circleSet = null; pickedCircle = ""; rebuild(); return { highlighted: 0, dimmed: 0 }; }
    circleSet = new Set(c.members); pickedCircle = c.id;
    ego = null;
    if (D.mode === "groups") {
      drilled = N.unit[c.members[0]];
      network.setData({ nodes: nodes, edges: edges }); $("mode-box").hidden = false;
    }
    rebuild();
    network.fit({ nodes: c.members.filter(function (i) { return visible[i]; }), animation: false });
    var hi = countHighlighted();
    return { highlighted: hi, dimmed: nodes.length - hi };
  }
  pick.addEventListener("change", function () { pickCircle(pick.value); });

  // --------------------------------------------------------------- filters
  function checkboxes(box, labels, arr, offset, colors) {
    labels.forEach(function (lab, k) {
      var id = box + "-" + k;
      var lbl = el("label", { "class": "chk", "for": id });
      var cb = el("input", { type: "checkbox", id: id });
      cb.checked = true;
      cb.addEventListener("change", function () { arr[k + offset] = cb.checked; rebuild(); });
      lbl.appendChild(cb);
      if (colors) { var s = el("span", { "class": "sw dot" }); s.style.cssText = "display:inline-block;width:9px;height:9px;border-radius:50%;margin:0 3px;background:" + colors[k]; lbl.appendChild(s); }
      lbl.appendChild(document.createTextNode(lab));
      $(box).appendChild(lbl);
    });
  }
  checkboxes("f-kind", E.kind, filt.kind, 0);
  checkboxes("f-rel", E.rel, filt.rel, 0, REL_COLOR);
  if (D.has_levels) { checkboxes("f-level", [L.no_level].concat(E.level), filt.level, 0, ["#68d391"].concat(LEVEL_COLOR)); }
  else { $("f-level-box").hidden = true; }
  checkboxes("f-cls", [L.no_loans].concat(E.cls), filt.cls, 0, [NONE_COLOR].concat(CLS_COLOR));
  $("f-amount").addEventListener("change", function () { filt.amount = +$("f-amount").value || 0; rebuild(); });
  function resetFilters() {
    ["kind", "rel", "level", "cls"].forEach(function (k) { for (var x = 0; x < filt[k].length; x++) { filt[k][x] = true; } });
    filt.amount = 0; $("f-amount").value = "0";
    Array.prototype.forEach.call(document.querySelectorAll("#side input[type=checkbox]"), function (cb) { cb.checked = true; });
  }
  $("ego-hops").addEventListener("change", function () { if (ego) { expand(ego.center, +$("ego-hops").value || 1); } });
  $("show-all").addEventListener("click", showAll);
  $("back-groups").addEventListener("click", function () { circleSet = null; pick.value = ""; showGroups(); });

  // --------------------------------------------------------------- legend
  (function legend() {
    var box = $("legend");
    function row(sw, label) { box.appendChild(sw); box.appendChild(el("span", null, label)); }
    E.kind.forEach(function (k, idx) {
      var s = el("span", { "class": "sw " + (idx === 0 ? "dot" : idx === 1 ? "diamond" : "") });
      s.style.background = KIND_COLOR[idx]; row(s, k);
    });
    box.appendChild(el("span", { "class": "sep" }));
    var names = D.has_levels ? E.level : E.cls, cols = D.has_levels ? LEVEL_COLOR : CLS_COLOR;
    names.forEach(function (k, idx) { var s = el("span", { "class": "sw dot" }); s.style.background = cols[idx]; row(s, k); });
    var s0 = el("span", { "class": "sw dot" }); s0.style.background = D.has_levels ? "#68d391" : NONE_COLOR; row(s0, D.has_levels ? L.no_level : L.no_loans);
    var s1 = el("span", { "class": "sw dot" }); s1.style.cssText = "background:#fff;border:3px solid #1a202c"; row(s1, E.status.defaulted || "defaulted");
    if (D.mode === "groups") {
      box.appendChild(el("span", { "class": "sep" }));
      [["#dd6b20", L.grp_circle], ["#c53030", L.grp_npl], ["#4299e1", L.grp_other]].forEach(function (x) {
        var s = el("span", { "class": "sw dot" }); s.style.background = x[0]; row(s, x[1]);
      });
    }
    box.appendChild(el("span", { "class": "sep" }));
    E.rel.forEach(function (k, idx) {
      var s = el("span", { "class": "line" + (REL_DASH[idx] ? " dash" : "") }); s.style.borderTopColor = REL_COLOR[idx]; row(s, k);
    });
  })();

  // --------------------------------------------------------------- export
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) { s = "'" + s; }  // no formulas when opened in Excel
    return '"' + s.replace(/"/g, '""') + '"';
  }
  function selectionCsv() {
    var sel = network.getSelectedNodes().filter(function (x) { return typeof x === "number"; });
    if (!sel.length) { sel = nodes.getIds(); }
    var head = ["id", "name", "kind", "capital", "loans", "classification", "status", "level",
                "guarantees_given", "guarantees_received", "group", "circle"];
    var rows = [head.map(csvCell).join(",")];
    sel.forEach(function (i) {
      rows.push([N.id[i], N.name[i], E.kind[N.kind[i]], N.capital[i], N.loans[i],
                 N.cls[i] >= 0 ? E.cls[N.cls[i]] : "", N.status[i], N.level[i] >= 0 ? E.level[N.level[i]] : "",
                 N.gout[i], N.gin[i], N.group[i] >= 0 ? gid(N.group[i]) : "",
                 N.circle[i] >= 0 ? cid(N.circle[i]) : ""].map(csvCell).join(","));
    });
    return rows.join("\r\n") + "\r\n";
  }
  function download(href, name) {
    var a = el("a", { href: href, download: name });
    document.body.appendChild(a); a.click(); a.remove();
  }
  $("export-csv").addEventListener("click", function () {
    var url = URL.createObjectURL(new Blob(["\ufeff" + selectionCsv()], { type: "text/csv;charset=utf-8" }));
    download(url, "graphrisk-selection.csv");
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  });
  function pngDataUrl() { return container.querySelector("canvas").toDataURL("image/png"); }
  $("export-png").addEventListener("click", function () { download(pngDataUrl(), "graphrisk-network.png"); });

  // --------------------------------------------------------------- start
  if (D.omitted && D.omitted.entities) {
    var n = function (v) { return Number(v || 0).toLocaleString("en-US"); };
    $("omitted").textContent = L.omitted.replace("{entities}", n(D.omitted.entities)).replace("{groups}", n(D.omitted.groups)).replace("{circles}", n(D.omitted.circles));
  }
  GR.nodesDrawn = function () { return network.body.nodeIndices.length; };
  GR.edgesDrawn = function () { return network.body.edgeIndices.length; };
  GR.highlighted = function () { return circleSet ? countHighlighted() : 0; };
  GR.dimmed = function () { return circleSet ? nodes.length - countHighlighted() : 0; };
  GR.search = search; GR.pickCircle = pickCircle; GR.expand = expand; GR.showAll = showAll;
  GR.drill = drill; GR.showGroups = showGroups; GR.selectionCsv = selectionCsv; GR.pngDataUrl = pngDataUrl;
  GR.indexOf = function (id) { return N.id.indexOf(id); };
  GR.canvasPosition = function (i) { var p = network.getPositions([i])[i]; return network.canvasToDOM(p); };
  GR.network = network;

  GR.timings.setup = performance.now() - T0;
  if (D.mode === "groups") { showGroups(); } else { rebuild(); GR.timings.rebuild = performance.now() - T0; network.fit({ animation: false }); }
  GR.timings.fit = performance.now() - T0;
  var hash = decodeURIComponent(location.hash.slice(1));
  if (hash.indexOf("circle=") === 0) { pickCircle(hash.slice(7)); }
  else if (hash.indexOf("node=") === 0) { var hi = N.id.indexOf(hash.slice(5)); if (hi >= 0) { focusNode(hi); } }
  network.once("afterDrawing", function () { GR.timings.drawn = performance.now() - T0; GR.ready = true; document.body.setAttribute("data-ready", "1"); });
  network.redraw();
})();
