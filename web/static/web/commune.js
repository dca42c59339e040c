/* A commune's public page: its approved results by year, its recognition decisions and, on
   the map since 1 July 2025, the results of the communes it was formed from. Everything is
   fetched anonymously from the public REST API: a draft never shows. */
(function () {
  "use strict";
  var root = document.getElementById("commune-dashboard");
  if (!root) return;
  var T = JSON.parse(document.getElementById("dashboard-texts").textContent);
  var API = root.dataset.api;
  var LANG = root.dataset.lang === "en" ? "en" : "vi";
  var LOCALE = LANG === "en" ? "en" : "vi-VN";
  var levels = {}; // criteria set code -> level code -> level

  function named(obj) {
    if (!obj) return "";
    return (LANG === "en" ? obj.name_en : obj.name_vi) || obj.name_vi || obj.name || "";
  }
  function levelName(set, code) {
    if (code === "none" || code === null) return T.no_level;
    var level = (levels[set] || {})[code];
    return level ? named(level) : code;
  }
  var DAY = { day: "2-digit", month: "2-digit", year: "numeric" }; // 10/03/2022, as the pages write it
  function day(iso) { return iso ? new Date(iso + "T00:00:00").toLocaleDateString(LOCALE, DAY) : "—"; }
  function get(path) {
    var url = /^https?:/.test(path) ? path : API + path; // a page's "next" is a whole address
    return fetch(url, { credentials: "omit", headers: { Accept: "application/json", "Accept-Language": LANG } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + path);
        return response.json();
      });
  }
  function all(path) {
    var rows = [];
    function page(url) {
      return get(url).then(function (body) {
        rows = rows.concat(body.results);
        return body.next ? page(body.next) : rows;
      });
    }
    return page(path + "&page_size=100");
  }
  function table(name, head, rows, empty) {
    var node = root.querySelector('[data-table="' + name + '"]');
    node.textContent = "";
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    head.forEach(function (label) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = label;
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    node.appendChild(thead);
    var body = document.createElement("tbody");
    (rows.length ? rows : [[empty].concat(head.slice(1).map(function () { return ""; }))]).forEach(function (row) {
      var line = document.createElement("tr");
      row.forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell;
        line.appendChild(td);
      });
      body.appendChild(line);
    });
    node.appendChild(body);
  }

  var code = root.dataset.code, structure = root.dataset.structure;
  var where = "commune=" + encodeURIComponent(code) + "&structure=" + encodeURIComponent(structure);
  Promise.all([
    get("criteria-sets/"),
    all("assessments/?status=approved&" + where),
    all("recognitions/?" + where),
    get("communes/" + encodeURIComponent(code) + "/?structure=" + encodeURIComponent(structure)),
  ]).then(function (results) {
    (results[0].results || results[0]).forEach(function (set) {
      levels[set.code] = {};
      set.levels.forEach(function (level) { levels[set.code][level.code] = level; });
    });
    var assessments = results[1].sort(function (a, b) { return a.year - b.year; });
    table("results", [T.year, T.criteria_set, T.level, T.criteria_met_by_level], assessments.map(function (a) {
      var met = Object.keys(a.criteria_met_by_level).map(function (level) {
        var pair = a.criteria_met_by_level[level];
        return levelName(a.criteria_set, level) + ": " + pair[0] + "/" + pair[1];
      }).join(" · ");
      // A missing value is missing, not failed: an incomplete result says so beside its level.
      var level = levelName(a.criteria_set, a.level) + (a.complete === false ? " (" + T.values_missing + ")" : "");
      return [String(a.year), a.criteria_set, level, met];
    }), T.none_yet);
    table("recognitions", [T.decision, T.decided, T.level, T.title_year, T.issuer, T.revoked], results[2].map(function (r) {
      return [r.decision_number, day(r.decision_date), levelName(r.criteria_set, r.level), String(r.title_year), r.issuer, r.revoked_date ? day(r.revoked_date) : "—"];
    }), T.none_yet);
    var predecessors = results[3].predecessors || [];
    if (predecessors.length) {
      root.querySelector("[data-predecessors]").hidden = false;
      var rows = [];
      predecessors.forEach(function (p) {
        (p.results.length ? p.results : [null]).forEach(function (r) {
          rows.push([
            p.name + " (" + p.code + ")",
            T.hows[p.how] || p.how,
            r ? String(r.year) : "—",
            r ? levelName(r.criteria_set, r.level) : T.none_yet,
          ]);
        });
      });
      table("predecessors", [T.commune, T.how, T.year, T.level], rows, T.none_yet);
    }
    root.querySelector("#commune-status").textContent = "";
    root.dataset.loaded = "1";
  }).catch(function (error) {
    root.querySelector("#commune-status").textContent = T.load_error.replace("%(error)s", error.message);
  });
})();
