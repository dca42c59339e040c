/* The dashboards. Every figure comes from the public REST API, fetched anonymously (a draft
   never shows, whoever is logged in), and is written in a table beside its chart; the charts
   are drawn with Chart.js when it is there. Only the data entry section, for staff, is
   fetched with the login. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  var T = JSON.parse(document.getElementById("dashboard-texts").textContent);
  var API = root.dataset.api;
  var SCOPE = root.dataset.scope; // "national" or "province"
  var CODE = root.dataset.code;
  var LANG = root.dataset.lang === "en" ? "en" : "vi";
  var LOCALE = LANG === "en" ? "en" : "vi-VN";
  var NUMBER = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
  var PERCENT = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  // Levels by rank, then the "no level" and "not assessed" parts of a bar.
  var PALETTE = ["#8fd19e", "#3c9d5d", "#1b6b3a", "#0b3d22", "#0b3d91"];
  var GREY = { none: "#c3c8d0", rest: "#eceef1" };
  var STAR_COLOURS = { "3": "#f2c14e", "4": "#e59a2f", "5": "#c0392b" };
  var charts = {};
  var state = { sets: [], year: null, stats: null };

  // --- small helpers -------------------------------------------------------------------
  function number(n) { return n === null || n === undefined ? "—" : NUMBER.format(n); }
  function percent(n) { return n === null || n === undefined ? "—" : PERCENT.format(n) + " %"; }
  function words(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function named(obj) {
    if (!obj) return "";
    return (LANG === "en" ? obj.name_en : obj.name_vi) || obj.name_vi || obj.name || "";
  }
  function $(selector, scope) { return (scope || root).querySelector(selector); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function fetchJSON(path, withLogin) {
    return fetch(API + path, {
      credentials: withLogin ? "same-origin" : "omit",
      headers: { Accept: "application/json", "Accept-Language": LANG },
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + path);
      return response.json();
    });
  }
  function query(params) {
    return Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
    }).join("&");
  }

  // A table of the numbers a chart draws: head is a list of labels, rows of cells; a cell is
  // text, or {text, value, href, numeric} (value: what the column sorts by).
  function table(name, head, rows) {
    var node = $('[data-table="' + name + '"]');
    if (!node) return;
    node.textContent = "";
    var tr = el("tr");
    var sortable = node.classList.contains("sortable");
    head.forEach(function (label, i) {
      // A sortable heading is a button, so a keyboard reaches it (Enter or Space sorts).
      var inside = sortable ? [el("button", { type: "button", className: "sort", text: label })] : [];
      var th = el("th", { scope: "col", "data-col": String(i) }, inside);
      if (!sortable) th.textContent = label;
      tr.appendChild(th);
    });
    node.appendChild(el("thead", {}, [tr]));
    var body = el("tbody");
    rows.forEach(function (row) {
      var line = el("tr");
      row.forEach(function (cell, i) {
        var c = typeof cell === "object" && cell !== null ? cell : { text: String(cell) };
        var td = el(i === 0 ? "th" : "td", { className: c.numeric ? "num" : "" });
        if (i === 0) td.setAttribute("scope", "row");
        if (c.value !== undefined) td.dataset.value = c.value;
        td.appendChild(c.href ? el("a", { href: c.href, text: c.text }) : document.createTextNode(c.text));
        line.appendChild(td);
      });
      body.appendChild(line);
    });
    node.appendChild(body);
  }
  function num(value, text) {
    return { text: text === undefined ? number(value) : text, value: value === null ? -1 : value, numeric: true };
  }

  function draw(section, config) {
    var card = document.getElementById(section);
    if (!card || typeof window.Chart === "undefined") return; // the tables still say it all
    var canvas = $("canvas", card);
    if (charts[section]) charts[section].destroy();
    config.options = Object.assign(
      { animation: false, responsive: true, maintainAspectRatio: false },
      config.options || {}
    );
    charts[section] = new window.Chart(canvas, config);
    canvas.dataset.drawn = "1";
  }
  function show(section, visible) {
    var card = document.getElementById(section);
    if (card) card.hidden = !visible;
  }

  // --- the ladder of a year's criteria set -------------------------------------------------
  function levelsOf(setCode) {
    var set = state.sets.filter(function (s) { return s.code === setCode; })[0];
    return set ? set.levels.slice().sort(function (a, b) { return a.rank - b.rank; }) : [];
  }
  function levelName(levels, code) {
    if (code === "none") return T.no_level;
    var level = levels.filter(function (l) { return l.code === code; })[0];
    return level ? named(level) : code;
  }

  // --- the sections ------------------------------------------------------------------------
  function headline(stats, levels) {
    var box = document.getElementById("dash-headline");
    box.textContent = "";
    function card(label, value, detail, key) {
      box.appendChild(el("div", { className: "figure", "data-figure": key }, [
        el("p", { className: "figure-label", text: label }),
        el("p", { className: "figure-value num", text: value }),
        el("p", { className: "figure-detail small muted", text: detail || "" }),
      ]));
    }
    card(T.communes, number(stats.communes_total), words(T.assessed, {}) + ": " + number(stats.assessed), "communes");
    levels.forEach(function (level) {
      var computed = stats.at_least.computed[level.code];
      var recognized = stats.at_least.recognized[level.code];
      card(
        words(T.at_least, { level: named(level) }),
        number(computed) + " · " + number(recognized),
        T.computed + " " + percent(stats.shares.computed[level.code]) + " · " +
          T.recognized + " " + percent(stats.shares.recognized[level.code]),
        "at-least-" + level.code
      );
    });
    card(T.average, number(stats.avg_criteria_met), words(T.average_over, { n: number(stats.avg_criteria_met_over) }), "average");
    card(T.ocop_products, number(stats.ocop.products), words(T.producers, { n: number(stats.ocop.producers) }), "ocop");
  }

  function levelsByUnit(stats, levels) {
    var units = SCOPE === "national" ? stats.provinces : stats.districts;
    // A province without districts (the map since 1 July 2025): the province alone, said so.
    var whole = !units || !units.length;
    if (whole) units = [stats];
    var heading = $("h2", document.getElementById("dash-levels"));
    heading.dataset.title = heading.dataset.title || heading.textContent; // as the page wrote it
    heading.textContent = whole ? T.levels_title : heading.dataset.title;
    var basis = ($('input[name="basis"]:checked') || {}).value || "computed";
    var parts = basis === "computed" ? ["none"] : [];
    levels.forEach(function (level) { parts.push(level.code); });
    function rest(unit) {
      return basis === "computed" ? unit.communes_total - unit.assessed : unit.recognized.none;
    }
    var datasets = parts.map(function (code, i) {
      return {
        label: levelName(levels, code),
        data: units.map(function (u) { return u[basis][code]; }),
        backgroundColor: code === "none" ? GREY.none : PALETTE[(i - (basis === "computed" ? 1 : 0)) % PALETTE.length],
        stack: "levels",
      };
    });
    datasets.push({
      label: basis === "computed" ? T.not_assessed : T.not_recognized,
      data: units.map(rest),
      backgroundColor: GREY.rest,
      stack: "levels",
    });
    var horizontal = units.length > 12;
    var card = document.getElementById("dash-levels");
    $(".chart", card).style.height = (horizontal ? Math.max(260, units.length * 20 + 60) : 300) + "px";
    draw("dash-levels", {
      type: "bar",
      data: { labels: units.map(function (u) { return u.unit.name; }), datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: { x: { stacked: true }, y: { stacked: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    var head = [SCOPE === "national" || whole ? T.province : T.district, T.communes, T.assessed];
    levels.forEach(function (l) { head.push(named(l) + " (" + T.computed + ")"); });
    levels.forEach(function (l) { head.push(named(l) + " (" + T.recognized + ")"); });
    table("levels", head, units.map(function (u) {
      var row = [
        SCOPE === "national" ? { text: u.unit.name, href: "/dashboard/provinces/" + u.unit.code + "/" } : u.unit.name,
        num(u.communes_total),
        num(u.assessed),
      ];
      levels.forEach(function (l) { row.push(num(u.computed[l.code])); });
      levels.forEach(function (l) { row.push(num(u.recognized[l.code])); });
      return row;
    }));
  }

  function trend(body) {
    var years = body.years;
    var codes = [];
    years.forEach(function (y) {
      Object.keys(y.shares.computed).forEach(function (code) {
        if (codes.indexOf(code) < 0) codes.push(code);
      });
    });
    var names = {};
    years.forEach(function (y) {
      levelsOf(y.criteria_set).forEach(function (l) { names[l.code] = names[l.code] || named(l); });
    });
    var datasets = codes.map(function (code, i) {
      return {
        label: words(T.at_least, { level: names[code] || code }) + " (%)",
        data: years.map(function (y) { var v = y.shares.computed[code]; return v === undefined ? null : v; }),
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        yAxisID: "share",
      };
    });
    datasets.push({
      label: T.average,
      data: years.map(function (y) { return y.avg_criteria_met; }),
      borderColor: "#0b3d91",
      backgroundColor: "#0b3d91",
      borderDash: [6, 4],
      yAxisID: "average",
    });
    draw("dash-trend", {
      type: "line",
      data: { labels: years.map(function (y) { return String(y.year); }), datasets: datasets },
      options: {
        scales: {
          share: { position: "left", min: 0, max: 100 },
          average: { position: "right", min: 0, grid: { drawOnChartArea: false } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
    var head = [T.year, T.communes, T.assessed];
    codes.forEach(function (code) { head.push(words(T.at_least, { level: names[code] || code }) + " (" + T.computed + ")"); });
    head.push(T.average);
    table("trend", head, years.map(function (y) {
      var row = [String(y.year), num(y.communes_total), num(y.assessed)];
      codes.forEach(function (code) {
        var v = y.shares.computed[code];
        row.push(num(v === undefined ? null : v, v === undefined ? "—" : number(y.at_least.computed[code]) + " (" + percent(v) + ")"));
      });
      row.push(num(y.avg_criteria_met, y.avg_criteria_met === null ? "—" : number(y.avg_criteria_met) + " / " + number(y.avg_criteria_met_over)));
      return row;
    }));
  }

  function targets(stats, levels) {
    var rows = [];
    if (SCOPE === "national") {
      (stats.provinces || []).forEach(function (p) {
        p.targets.forEach(function (t) { rows.push({ unit: p.unit, target: t }); });
      });
    } else {
      stats.targets.forEach(function (t) { rows.push({ unit: stats.unit, target: t }); });
      (stats.districts || []).forEach(function (d) {
        d.targets.forEach(function (t) { rows.push({ unit: d.unit, target: t }); });
      });
    }
    show("dash-targets", true);
    var labels = rows.map(function (r) {
      return r.unit.name + " · " + levelName(levels, r.target.level) + " " + words(T.target_year, { year: r.target.year });
    });
    draw("dash-targets", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: T.actual, data: rows.map(function (r) { return r.target.actual; }), backgroundColor: PALETTE[1] },
          { label: T.target, data: rows.map(function (r) { return r.target.target; }), backgroundColor: GREY.none },
        ],
      },
      options: { indexAxis: "y", plugins: { legend: { position: "bottom" } } },
    });
    var card = document.getElementById("dash-targets");
    $(".chart", card).style.height = Math.max(160, rows.length * 44 + 60) + "px";
    var head = [SCOPE === "national" ? T.province : T.target, T.level, T.year, T.target, T.actual, T.share];
    table("targets", head, rows.length ? rows.map(function (r) {
      var reached = r.target.target ? Math.round((1000 * r.target.actual) / r.target.target) / 10 : null;
      return [
        r.unit.name,
        levelName(levels, r.target.level),
        String(r.target.year),
        num(r.target.target, number(r.target.target) + (r.target.target_percent !== null ? " (" + percent(r.target.target_percent) + ")" : "")),
        num(r.target.actual),
        num(reached, percent(reached)),
      ];
    }) : [[T.no_targets, "", "", "", "", ""]]);
  }

  function histogram(stats) {
    var keys = Object.keys(stats.criteria_met_histogram).sort(function (a, b) { return a - b; });
    draw("dash-histogram", {
      type: "bar",
      data: {
        labels: keys,
        datasets: [{
          label: T.approved_assessments,
          data: keys.map(function (k) { return stats.criteria_met_histogram[k]; }),
          backgroundColor: PALETTE[1],
        }],
      },
      options: { plugins: { legend: { display: false } } },
    });
    table("histogram", [T.criteria_met, T.approved_assessments], keys.length ? keys.map(function (k) {
      return [k, num(stats.criteria_met_histogram[k])];
    }) : [[T.no_data, ""]]);
  }

  function difficulty(stats, levels) {
    var all = stats.criteria_difficulty || [];
    var top = all.filter(function (c) { return c.not_met > 0; }).slice(0, 10);
    function label(c) { return levelName(levels, c.level) + " · " + c.number + ". " + named(c); }
    function short(c) {
      var rank = levels.map(function (l) { return l.code; }).indexOf(c.level) + 1;
      var text = c.number + ". " + named(c);
      return (rank ? "[" + rank + "] " : "") + (text.length > 42 ? text.slice(0, 41) + "…" : text);
    }
    draw("dash-difficulty", {
      type: "bar",
      data: {
        labels: top.map(short),
        datasets: [{ label: T.failed, data: top.map(function (c) { return c.not_met; }), backgroundColor: "#c0392b" }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
    var card = document.getElementById("dash-difficulty");
    $(".chart", card).style.height = Math.max(160, top.length * 30 + 60) + "px";
    table("difficulty", [T.criterion, T.failed, T.incomplete, T.failed_share], all.length ? all.map(function (c) {
      return [label(c), num(c.not_met), num(c.incomplete), num(c.not_met_share, percent(c.not_met_share))];
    }) : [[T.no_data, "", "", ""]]);
  }

  function ocop(stats) {
    var stars = Object.keys(stats.ocop.by_stars);
    draw("dash-ocop-stars", {
      type: "bar",
      data: {
        labels: stars.map(function (s) { return s + " ★"; }),
        datasets: [{
          label: T.products,
          data: stars.map(function (s) { return stats.ocop.by_stars[s]; }),
          backgroundColor: stars.map(function (s) { return STAR_COLOURS[s] || PALETTE[0]; }),
        }],
      },
      options: { plugins: { legend: { display: false } } },
    });
    table("ocop-stars", [T.stars, T.products], stars.map(function (s) {
      return [s + " ★", num(stats.ocop.by_stars[s])];
    }));
    var groups = Object.keys(stats.ocop.by_group);
    draw("dash-ocop-groups", {
      type: "bar",
      data: {
        labels: groups.map(function (g) { return T.groups[g] || g; }),
        datasets: [{ label: T.products, data: groups.map(function (g) { return stats.ocop.by_group[g]; }), backgroundColor: PALETTE[2] }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
    table("ocop-groups", [T.group, T.products], groups.length ? groups.map(function (g) {
      return [T.groups[g] || g, num(stats.ocop.by_group[g])];
    }) : [[T.no_data, ""]]);
  }

  function provinces(stats, levels) {
    if (SCOPE !== "national") return;
    var first = levels[0] ? levels[0].code : null;
    var head = [T.province, T.communes, T.assessed];
    if (first) {
      head.push(words(T.at_least, { level: named(levels[0]) }) + " (" + T.computed + ")");
      head.push(words(T.at_least, { level: named(levels[0]) }) + " (" + T.recognized + ")");
    }
    head.push(T.average, T.ocop_products);
    table("provinces", head, stats.provinces.map(function (p) {
      var row = [
        { text: p.unit.name, href: "/dashboard/provinces/" + p.unit.code + "/", value: p.unit.name },
        num(p.communes_total),
        num(p.assessed),
      ];
      if (first) {
        row.push(num(p.shares.computed[first], number(p.at_least.computed[first]) + " (" + percent(p.shares.computed[first]) + ")"));
        row.push(num(p.shares.recognized[first], number(p.at_least.recognized[first]) + " (" + percent(p.shares.recognized[first]) + ")"));
      }
      row.push(num(p.avg_criteria_met), num(p.ocop.products));
      return row;
    }));
  }

  // --- the map: each commune a point at its coordinates, coloured by its computed level ----
  function communesOf(province, year, structure) {
    var rows = [];
    function page(n) {
      var params = { year: year, province: province, kind: "xa", page_size: 500, page: n };
      if (structure) params.structure = structure;
      return fetchJSON("communes/?" + query(params)).then(function (body) {
        rows = rows.concat(body.results);
        return body.next ? page(n + 1) : rows;
      });
    }
    return page(1);
  }

  function drawMap(communes, levels, structure) {
    var card = document.getElementById("dash-map");
    var box = $(".map", card);
    box.textContent = "";
    var placed = communes.filter(function (c) { return c.latitude !== null && c.longitude !== null; });
    var counts = {};
    communes.forEach(function (c) {
      var code = c.assessment ? c.assessment.level : "not_assessed";
      counts[code] = (counts[code] || 0) + 1;
    });
    $("[data-map-note]", card).textContent = placed.length
      ? words(T.map_note, { shown: number(placed.length), total: number(communes.length) })
      : T.no_points;
    var colours = { none: GREY.none, not_assessed: "#ffffff" };
    levels.forEach(function (l, i) { colours[l.code] = PALETTE[i % PALETTE.length]; });
    if (placed.length) {
      var lats = placed.map(function (c) { return c.latitude; });
      var lons = placed.map(function (c) { return c.longitude; });
      var south = Math.min.apply(null, lats), north = Math.max.apply(null, lats);
      var west = Math.min.apply(null, lons), east = Math.max.apply(null, lons);
      var squeeze = Math.cos(((north + south) / 2) * Math.PI / 180);
      var spanX = Math.max((east - west) * squeeze, 0.01), spanY = Math.max(north - south, 0.01);
      var width = 640, pad = 12, scale = (width - 2 * pad) / spanX;
      var height = Math.min(Math.max(spanY * scale + 2 * pad, 200), 900);
      scale = Math.min(scale, (height - 2 * pad) / spanY);
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 " + width + " " + height);
      svg.setAttribute("role", "img");
      placed.forEach(function (c) {
        var level = c.assessment ? c.assessment.level : "not_assessed";
        var link = document.createElementNS("http://www.w3.org/2000/svg", "a");
        link.setAttribute("href", "/dashboard/communes/" + (c.structure || structure) + "/" + c.code + "/");
        var dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        dot.setAttribute("cx", (pad + (c.longitude - west) * squeeze * scale).toFixed(1));
        dot.setAttribute("cy", (pad + (north - c.latitude) * scale).toFixed(1));
        dot.setAttribute("r", "4");
        dot.setAttribute("fill", colours[level] || GREY.none);
        dot.setAttribute("stroke", "#555");
        dot.setAttribute("stroke-width", "0.6");
        dot.setAttribute("data-level", level);
        var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
        title.textContent = c.name + ": " + (c.assessment ? levelName(levels, level) : T.not_assessed);
        dot.appendChild(title);
        link.appendChild(dot);
        svg.appendChild(link);
      });
      box.appendChild(svg);
    }
    var order = ["not_assessed", "none"].concat(levels.map(function (l) { return l.code; }));
    var legend = el("ul", { className: "legend" });
    order.forEach(function (code) {
      var swatch = el("span", { className: "swatch" });
      swatch.style.background = colours[code] || GREY.none;
      legend.appendChild(el("li", {}, [swatch, code === "not_assessed" ? T.not_assessed : levelName(levels, code)]));
    });
    box.appendChild(legend);
    table("map", [T.level, T.communes], order.map(function (code) {
      return [code === "not_assessed" ? T.not_assessed : levelName(levels, code), num(counts[code] || 0)];
    }));
  }

  function map(stats, levels) {
    var province = SCOPE === "national" ? ($("#dash-map-province") || {}).value : CODE;
    if (!province) return Promise.resolve();
    return communesOf(province, stats.year, stats.structure).then(function (communes) {
      drawMap(communes, levels, stats.structure);
    });
  }

  function mapChoices(stats) {
    var select = $("#dash-map-province");
    if (!select) return;
    var chosen = select.value;
    select.textContent = "";
    select.appendChild(el("option", { value: "", text: T.choose }));
    stats.provinces.forEach(function (p) {
      select.appendChild(el("option", { value: p.unit.code, text: p.unit.name }));
    });
    var busiest = stats.provinces.slice().sort(function (a, b) { return b.assessed - a.assessed; })[0];
    select.value = chosen && stats.provinces.some(function (p) { return p.unit.code === chosen; })
      ? chosen
      : (busiest && busiest.assessed ? busiest.unit.code : "");
  }

  function entry(year) {
    if (!root.dataset.followsEntry) return Promise.resolve();
    return fetchJSON("stats/progress/?" + query({ year: year }), true).then(function (body) {
      var statuses = Object.keys(T.statuses);
      var head = [T.province, T.communes, T.entered].concat(statuses.map(function (s) { return T.statuses[s]; }));
      head.push(T.not_started, T.closed);
      table("entry", head, body.provinces.map(function (p) {
        var row = [
          { text: p.unit.name, href: "/?" + query({ province: p.unit.code, year: body.year }), value: p.unit.name },
          num(p.communes_total),
          num(p.entered),
        ];
        statuses.forEach(function (s) { row.push(num(p.by_status[s] || 0)); });
        row.push(num(p.not_started));
        row.push(p.closed_at ? { text: new Date(p.closed_at).toLocaleDateString(LOCALE, { day: "2-digit", month: "2-digit", year: "numeric" }), value: p.closed_at } : T.open);
        return row;
      }));
    });
  }

  // The province's annual report of the year shown (stats.annual), as Word or Excel.
  function reports(year) {
    root.querySelectorAll("#dash-reports a[data-format]").forEach(function (link) {
      link.href = API + "stats/provinces/" + CODE + "/annual-report." + link.dataset.format + "?" + query({ year: year });
    });
  }

  // --- loading a year ----------------------------------------------------------------------
  function statsPath(year) {
    return (SCOPE === "national" ? "stats/national/" : "stats/provinces/" + CODE + "/") + "?" + query({ year: year });
  }

  function trendPath(year) {
    var first = Math.min.apply(null, state.sets.map(function (s) { return s.first_year; }));
    var params = { first_year: Math.max(first, year - 14), last_year: year };
    if (SCOPE !== "national") params.province = CODE;
    return "stats/trend/?" + query(params);
  }

  function load(year) {
    var status = $("#dash-status");
    status.textContent = T.loading;
    root.setAttribute("aria-busy", "true");
    return Promise.all([fetchJSON(statsPath(year)), fetchJSON(trendPath(year))])
      .then(function (results) {
        var stats = results[0], levels = levelsOf(stats.criteria_set);
        state.stats = stats;
        var set = state.sets.filter(function (s) { return s.code === stats.criteria_set; })[0];
        $("#dash-set").textContent = set ? named(set) : stats.criteria_set;
        headline(stats, levels);
        levelsByUnit(stats, levels);
        trend(results[1]);
        targets(stats, levels);
        histogram(stats);
        difficulty(stats, levels);
        ocop(stats);
        reports(stats.year);
        provinces(stats, levels);
        mapChoices(stats);
        var note = stats.basis === "predecessors" ? " " + T.predecessors : "";
        status.textContent = words(T.loaded, { year: stats.year, set: stats.criteria_set }) + note;
        return Promise.all([map(stats, levels), entry(year)]);
      })
      .then(function () { root.setAttribute("aria-busy", "false"); root.dataset.loaded = String(year); })
      .catch(function (error) {
        root.setAttribute("aria-busy", "false");
        status.textContent = words(T.load_error, { error: error.message });
      });
  }

  // --- the year selector and sorting -----------------------------------------------------
  function years() {
    // Up to this year, and, for a province that has since been merged, up to its last year.
    var now = Math.min(new Date().getFullYear(), parseInt(root.dataset.lastYear || "9999", 10));
    var list = [];
    state.sets.forEach(function (s) {
      for (var y = s.first_year; y <= Math.min(s.last_year, now); y++) list.push(y);
    });
    return list.sort();
  }

  function start() {
    fetchJSON("criteria-sets/").then(function (sets) {
      state.sets = sets.results || sets;
      var offered = years();
      var select = $("#dash-year");
      offered.forEach(function (y) { select.appendChild(el("option", { value: String(y), text: String(y) })); });
      var asked = parseInt(new URLSearchParams(window.location.search).get("year"), 10);
      var fallback = offered.indexOf(new Date().getFullYear() - 1) >= 0 ? new Date().getFullYear() - 1 : offered[offered.length - 1];
      state.year = offered.indexOf(asked) >= 0 ? asked : fallback;
      select.value = String(state.year);
      select.addEventListener("change", function () {
        state.year = parseInt(select.value, 10);
        var url = new URL(window.location.href);
        url.searchParams.set("year", String(state.year));
        window.history.replaceState(null, "", url);
        load(state.year);
      });
      root.querySelectorAll('input[name="basis"]').forEach(function (radio) {
        radio.addEventListener("change", function () {
          if (state.stats) levelsByUnit(state.stats, levelsOf(state.stats.criteria_set));
        });
      });
      var mapSelect = $("#dash-map-province");
      if (mapSelect) {
        mapSelect.addEventListener("change", function () {
          if (state.stats) map(state.stats, levelsOf(state.stats.criteria_set));
        });
      }
      return load(state.year);
    }).catch(function (error) {
      $("#dash-status").textContent = words(T.load_error, { error: error.message });
    });
  }

  // A sortable table sorts by the column whose heading is clicked, or whose button is pressed
  // (again: the other way); the heading's aria-sort says how.
  root.addEventListener("click", function (event) {
    var th = event.target.closest("table.sortable thead th");
    if (!th) return;
    var tableNode = th.closest("table");
    var col = parseInt(th.dataset.col, 10);
    var descending = th.getAttribute("aria-sort") !== "descending";
    tableNode.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = tableNode.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      var cell = row.cells[col];
      var value = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
      var n = parseFloat(value);
      return isNaN(n) || /[^\d.\-]/.test(value) ? value.toLowerCase() : n;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), LOCALE);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });

  // Printed on A4: the charts take the printed width, then the screen's again.
  window.addEventListener("beforeprint", function () {
    Object.keys(charts).forEach(function (key) { charts[key].resize(); });
  });
  window.addEventListener("afterprint", function () {
    Object.keys(charts).forEach(function (key) { charts[key].resize(); });
  });

  start();
})();
