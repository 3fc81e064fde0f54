/* circles.html: filter, sort and page the rows of every circle and group (no library). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("index-data").textContent);
  var zh = D.lang === "zh";
  var HEAD = {
    id: zh ? "编号" : "id", group: zh ? "担保群" : "group", size: zh ? "成员数" : "members",
    edges: zh ? "担保笔数" : "guarantees", mutual_pairs: zh ? "互保对" : "mutual pairs",
    loan_total: zh ? "贷款余额(万元)" : "loans (万元)", npl_share: zh ? "不良占比" : "NPL share",
    creditor_count: zh ? "债权机构" : "creditors", bank_count: zh ? "银行" : "banks",
    watch: zh ? "列入关注" : "watched", creditor_committee: zh ? "需组建债委会" : "committee",
    circles: zh ? "担保圈数" : "circles", members: zh ? "成员" : "members (names)",
    links: zh ? "链接" : "links"
  };
  var NUM = {size: 1, edges: 1, mutual_pairs: 1, loan_total: 2, npl_share: 3, creditor_count: 1,
             bank_count: 1, circles: 1};
  var PER = 100;
  var state = {tab: "circles", q: "", key: null, dir: 0, page: 0, rows: null};
  var $ = function (id) { return document.getElementById(id); };

  function table() { return D[state.tab]; }
  function shownCols() {
    var c = table().cols.filter(function (k) { return k !== "page" && k !== "net"; });
    if (state.tab === "circles") { c.push("links"); }
    return c;
  }
  function fmt(k, v) {
    if (v === null || v === undefined) { return "—"; }
    if (k === "watch" || k === "creditor_committee") { return v ? (zh ? "是" : "yes") : ""; }
    if (NUM[k] === 2) { return v.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
    if (NUM[k] === 3) { return (100 * v).toFixed(1) + "%"; }
    if (NUM[k] === 1) { return v.toLocaleString("en-US"); }
    return String(v);
  }
  function filtered() {
    var t = table(), q = state.q.toLowerCase(), rows = t.rows;
    if (q) {
      var iid = t.cols.indexOf("id"), img = t.cols.indexOf("group"), imem = t.cols.indexOf("members");
      rows = rows.filter(function (r) {
        return String(r[iid]).toLowerCase().indexOf(q) >= 0 ||
          (img >= 0 && String(r[img]).toLowerCase().indexOf(q) >= 0) ||
          (imem >= 0 && String(r[imem]).toLowerCase().indexOf(q) >= 0);
      });
    }
    if (state.key !== null) {
      var i = t.cols.indexOf(state.key), d = state.dir;
      rows = rows.slice().sort(function (a, b) {
        var x = a[i], y = b[i];
        if (x === y) { return 0; }
        if (x === null) { return 1; } if (y === null) { return -1; }
        return (x < y ? -1 : 1) * d;
      });
    }
    return rows;
  }
  function link(text, href) {
    var a = document.createElement("a"); a.href = href; a.textContent = text; return a;
  }
  function drawHead() {
    var tr = $("head"); tr.textContent = "";
    shownCols().forEach(function (k) {
      var th = document.createElement("th"); th.textContent = HEAD[k] || k;
      if (NUM[k]) { th.className = "num"; }
      if (k === state.key) { th.classList.add(state.dir > 0 ? "asc" : "desc"); }
      if (k !== "links") {
        th.addEventListener("click", function () {
          state.dir = state.key === k ? -state.dir : (NUM[k] ? -1 : 1);
          state.key = k; state.page = 0; state.rows = null; draw();
        });
      }
      tr.appendChild(th);
    });
  }
  function draw() {
    drawHead();
    if (state.rows === null) { state.rows = filtered(); }
    var t = table(), rows = state.rows, pages = Math.max(1, Math.ceil(rows.length / PER));
    state.page = Math.min(state.page, pages - 1);
    var body = $("body"), frag = document.createDocumentFragment();
    body.textContent = "";
    var ix = {}; t.cols.forEach(function (k, i) { ix[k] = i; });
    rows.slice(state.page * PER, (state.page + 1) * PER).forEach(function (r) {
      var tr = document.createElement("tr");
      shownCols().forEach(function (k) {
        var td = document.createElement("td");
        if (k === "links") {
          var id = r[ix.id];
          td.className = "links";
          if (r[ix.page]) { td.appendChild(link(D.labels.index_page, "circles/" + encodeURIComponent(id) + ".html")); }
          if (r[ix.net]) { if (td.firstChild) { td.appendChild(document.createTextNode(" · ")); }
            td.appendChild(link(D.labels.index_network, "network.html#circle=" + encodeURIComponent(id))); }
        } else {
          td.textContent = fmt(k, r[ix[k]]);
          if (NUM[k]) { td.className = "num"; }
          else if (k === "members") { td.className = "names"; td.title = r[ix[k]]; }
          else if ((k === "watch" || k === "creditor_committee") && r[ix[k]]) { td.className = "flag"; }
        }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.appendChild(frag);
    $("count").textContent = D.labels.index_rows.replace("{n}", rows.length.toLocaleString("en-US"));
    $("pageno").textContent = (state.page + 1) + " / " + pages;
    $("prev").disabled = state.page === 0; $("next").disabled = state.page >= pages - 1;
  }
  function tab(name) {
    state.tab = name; state.key = null; state.dir = 0; state.page = 0; state.rows = null;
    $("tab-circles").classList.toggle("on", name === "circles");
    $("tab-groups").classList.toggle("on", name === "groups");
    draw();
  }
  var timer = null;
  $("q").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = $("q").value.trim(); state.page = 0; state.rows = null; draw(); }, 150);
  });
  $("prev").addEventListener("click", function () { state.page -= 1; draw(); });
  $("next").addEventListener("click", function () { state.page += 1; draw(); });
  $("tab-circles").addEventListener("click", function () { tab("circles"); });
  $("tab-groups").addEventListener("click", function () { tab("groups"); });
  var h = decodeURIComponent(location.hash.slice(1));
  if (h === "groups") { tab("groups"); } else { draw(); }
  window.graphriskIndex = {
    ready: true, state: state,
    rowsShown: function () { return $("body").rows.length; },
    total: function () { return state.rows ? state.rows.length : 0; },
    search: function (q) { $("q").value = q; state.q = q; state.page = 0; state.rows = null; draw(); },
    sortBy: function (k, dir) { state.key = k; state.dir = dir; state.page = 0; state.rows = null; draw(); },
    tab: tab,
    firstIds: function (n) {
      return Array.prototype.slice.call($("body").rows, 0, n).map(function (tr) { return tr.cells[0].textContent; });
    }
  };
})();
