"use strict";
// The findings table of each snapshot section: sort, filter, search as you type, pages of
// PAGE rows. Rows are built with textContent only: tenant text is never parsed as HTML.
(function () {
  var SEV = ["error", "warning", "info"];
  var PAGE = 100;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function num(n) { return n.toLocaleString("en-US"); }
  function option(select, value, label) {
    var o = el("option", "", label);
    o.value = value;
    select.appendChild(o);
  }

  function init(sec) {
    var data = JSON.parse(sec.querySelector("script.data").textContent);
    var all = data.findings, rules = data.rules, types = data.types;
    var tbody = sec.querySelector("table.findings tbody");
    var status = sec.querySelector(".status");
    var q = sec.querySelector("input.search");
    var fSev = sec.querySelector("select.sev");
    var fRule = sec.querySelector("select.rule");
    var fType = sec.querySelector("select.type");
    var prev = sec.querySelector("button.prev"), next = sec.querySelector("button.next");
    var pageInfo = sec.querySelector(".page");
    var heads = sec.querySelectorAll("table.findings th");

    // Only the rules and object types this snapshot has findings for.
    var seenRule = {}, seenType = {};
    for (var i = 0; i < all.length; i++) { seenRule[all[i][1]] = 1; seenType[all[i][2]] = 1; }
    rules.forEach(function (r, k) { if (seenRule[k]) option(fRule, k, r[0] + " " + r[1]); });
    types.forEach(function (t, k) { if (seenType[k]) option(fType, k, t); });

    var hay = null, view = null, key = -1, dir = 1, page = 0, timer = 0;

    function haystack() {
      return all.map(function (f) {
        var r = rules[f[1]];
        return (r[0] + "\n" + r[1] + "\n" + types[f[2]] + "\n" + f[3] + "\n" + f[4] + "\n" + f[5] + "\n" + f[6].join("\n")).toLowerCase();
      });
    }
    function sortValue(f) {
      switch (key) {
        case 0: return f[0];
        case 1: return rules[f[1]][0];
        case 2: return types[f[2]];
        case 3: return f[4].toLowerCase() + "\n" + f[3];
        default: return f[5].toLowerCase();
      }
    }
    function update() {
      var s = q.value.trim().toLowerCase();
      var sv = fSev.value, rv = fRule.value, tv = fType.value;
      if (s && !hay) hay = haystack();
      var out = [];
      for (var i = 0; i < all.length; i++) {
        var f = all[i];
        if (sv !== "" && f[0] !== +sv) continue;
        if (rv !== "" && f[1] !== +rv) continue;
        if (tv !== "" && f[2] !== +tv) continue;
        if (s && hay[i].indexOf(s) < 0) continue;
        out.push(i);
      }
      if (key >= 0) {
        var v = {};
        out.forEach(function (i) { v[i] = sortValue(all[i]); });
        out.sort(function (a, b) { return v[a] < v[b] ? -dir : v[a] > v[b] ? dir : a - b; });
      }
      view = out;
      page = 0;
      render();
    }
    function row(f) {
      var tr = el("tr", "sev-" + SEV[f[0]]);
      var td = el("td");
      td.appendChild(el("span", "badge " + SEV[f[0]], SEV[f[0]]));
      tr.appendChild(td);
      var r = rules[f[1]];
      td = el("td");
      var a = el("a", "mono", r[0]);
      a.href = "#rule-" + r[0];
      td.appendChild(a);
      td.appendChild(el("br"));
      td.appendChild(el("span", "muted", r[1]));
      tr.appendChild(td);
      tr.appendChild(el("td", "", types[f[2]]));
      td = el("td");
      td.appendChild(el("span", "", f[4]));
      td.appendChild(el("br"));
      td.appendChild(el("code", "muted", f[3]));
      tr.appendChild(td);
      td = el("td", "", f[5]);
      if (f[6].length) {
        var ul = el("ul", "rel");
        f[6].forEach(function (x) { ul.appendChild(el("li", "", x)); });
        td.appendChild(ul);
      }
      tr.appendChild(td);
      return tr;
    }
    function render() {
      var pages = Math.max(1, Math.ceil(view.length / PAGE));
      if (page >= pages) page = pages - 1;
      var from = page * PAGE, to = Math.min(view.length, from + PAGE);
      var frag = document.createDocumentFragment();
      for (var i = from; i < to; i++) frag.appendChild(row(all[view[i]]));
      tbody.replaceChildren(frag);
      var text = view.length ? "Showing " + num(from + 1) + "\u2013" + num(to) + " of " + num(view.length) + (view.length === 1 ? " finding" : " findings") : "No findings match";
      if (view.length !== all.length) text += " (filtered from " + num(all.length) + ")";
      status.textContent = text;
      pageInfo.textContent = "Page " + num(page + 1) + " of " + num(pages);
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }

    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, all.length > 20000 ? 120 : 0);
    });
    [fSev, fRule, fType].forEach(function (s) { s.addEventListener("change", update); });
    prev.addEventListener("click", function () { page--; render(); });
    next.addEventListener("click", function () { page++; render(); });
    heads.forEach(function (th, k) {
      var b = th.querySelector("button");
      if (!b) return;
      b.addEventListener("click", function () {
        dir = key === k ? -dir : 1;
        key = k;
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        update();
      });
    });
    sec.querySelector(".controls").hidden = false;
    sec.querySelector(".pager").hidden = false;
    update();
  }

  // A link to a rule opens its documentation.
  function openRule() {
    var id = decodeURIComponent(location.hash.slice(1));
    var d = id && document.getElementById(id);
    if (d && d.tagName === "DETAILS") d.open = true;
  }
  window.addEventListener("hashchange", openRule);
  document.querySelectorAll("section.snapshot").forEach(init);
  openRule();
})();
