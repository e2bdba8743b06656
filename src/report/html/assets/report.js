// The page script of linewise's report.html (src/report/html/write.ts inlines it). Plain browser
// JavaScript, no dependencies: the index (window.LW_INDEX) is in the page; each response's highlighted code
// is in report-data/*.js, loaded by a <script> element the first time it is opened (file:// allows that).
"use strict";
(function () {
  const index = window.LW_INDEX;
  const loaded = new Map();
  const waiting = new Map();

  /** Called by each report-data file when it has loaded. */
  window.LW_CHUNK = function (name, items) {
    loaded.set(name, items);
    for (const resolve of waiting.get(name) || []) resolve(items);
    waiting.delete(name);
  };

  function chunk(name) {
    if (loaded.has(name)) return Promise.resolve(loaded.get(name));
    return new Promise(function (resolve, reject) {
      if (!waiting.has(name)) {
        waiting.set(name, []);
        const script = document.createElement("script");
        script.src = "report-data/" + encodeURIComponent(name) + ".js";
        script.onerror = function () {
          reject(new Error("cannot load " + script.src + ": is report-data/ beside report.html?"));
        };
        document.head.appendChild(script);
      }
      waiting.get(name).push(resolve);
    });
  }

  function item(entry) {
    return chunk(entry.c).then(function (items) {
      return items[entry.i];
    });
  }

  /** An element with attributes (class, data-*, on* handlers) and children (nodes or text). */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "html") node.innerHTML = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (let i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  /** Appends children to a node, skipping null and false (which the DOM's own append would print). */
  function add(node) {
    for (let i = 1; i < arguments.length; i++) append(node, arguments[i]);
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach((c) => append(node, c));
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(1) + "%");
  const fixed = (v, d) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(d));
  const labelText = { 1: "+1", "-1": "−1", 0: "0" };
  const labelClass = { 1: "lab-pos", "-1": "lab-neg", 0: "lab-neu" };

  /** A step's HTML without the newline that ends it (the table row already ends the line). */
  const stepHtml = (html) => html.replace(/\n((<\/span>)*)$/, "$1");

  /**
   * Code as a table, one row per step: its number, then `columns` (each {head, cell(step) → node}), then the
   * highlighted code. `rowClass(step)` adds classes to a row.
   */
  function codeTable(steps, columns, rowClass, rowData) {
    return el(
      "table",
      { class: "code" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, "step"),
          columns.map((c) => el("th", {}, c.head)),
          el("th", {}, "code"),
        ),
      ),
      el(
        "tbody",
        {},
        steps.map((html, j) =>
          el(
            "tr",
            Object.assign({ class: "step " + (rowClass ? rowClass(j) : "") }, rowData ? rowData(j) : {}),
            el("td", { class: "num" }, j + 1),
            columns.map((c) => c.cell(j)),
            el("td", { class: "src" }, el("code", { class: "hljs", html: stepHtml(html) })),
          ),
        ),
      ),
    );
  }

  function promptBlock(lines) {
    if (!lines) return null;
    return el(
      "details",
      { class: "prompt" },
      el("summary", {}, "prompt"),
      el("pre", { class: "hljs", html: lines.join("\n") }),
    );
  }

  function labelCell(label) {
    return el("td", { class: "label " + labelClass[label] }, labelText[label]);
  }

  function scoreCell(score, cls) {
    if (score === null || score === undefined) return el("td", { class: cls || "score" }, "–");
    const width = Math.min(1, Math.abs(score)) * 40;
    return el(
      "td",
      { class: (cls || "score") + (score >= 0 ? " pos" : " neg"), "data-score": score },
      el("span", { class: "bar", style: "width:" + width.toFixed(1) + "px" }),
      el("span", { class: "value" }, fixed(score, 3)),
    );
  }

  function select(id, label, options, onChange) {
    const s = el(
      "select",
      { id: id, onchange: onChange },
      el("option", { value: "" }, "all"),
      options.map((o) => el("option", { value: o }, o)),
    );
    return el("label", { class: "filter" }, label + " ", s);
  }

  const distinct = (xs) => [...new Set(xs.filter((x) => x !== null && x !== undefined))].sort();
  const lengthBucket = (n) => (n <= 4 ? "1–4" : n <= 8 ? "5–8" : n <= 16 ? "9–16" : "17+");
  const lengthBuckets = ["1–4", "5–8", "9–16", "17+"];

  /** A list that renders `render(x)` for the first `page` entries and a button for the next ones. */
  function pagedList(container, entries, render, page) {
    container.textContent = "";
    let shown = 0;
    const more = el("button", { class: "more" });
    const showMore = () => {
      const next = entries.slice(shown, shown + page);
      more.remove();
      next.forEach((e) => container.append(render(e)));
      shown += next.length;
      if (shown < entries.length) {
        more.textContent =
          "show " + Math.min(page, entries.length - shown) + " more of " + (entries.length - shown);
        container.append(more);
      }
    };
    more.addEventListener("click", showMore);
    showMore();
  }

  /** A <details> whose body is built the first time it is opened. */
  function lazyDetails(attrs, summary, build) {
    const body = el("div", { class: "body" });
    const d = el("details", attrs, el("summary", {}, summary), body);
    let built = false;
    d.addEventListener("toggle", function () {
      if (!d.open || built) return;
      built = true;
      body.append(el("p", { class: "loading" }, "loading…"));
      Promise.resolve(build())
        .then((node) => {
          body.textContent = "";
          append(body, node);
          d.dataset.ready = "1";
        })
        .catch((e) => {
          body.textContent = String(e && e.message ? e.message : e);
          console.error(e);
        });
    });
    return d;
  }

  // ---- labels view -------------------------------------------------------------------------------
  function labelsView(root) {
    const view = index.labels;
    const all = view.responses;
    const state = {
      file: "",
      kind: "",
      promptKind: "",
      difficulty: "",
      length: "",
      method: "",
      disagree: false,
    };
    const list = el("div", { class: "list" });
    const count = el("p", { id: "labels-count", class: "count" });
    const set = (key) => (e) => {
      state[key] = e.target.type === "checkbox" ? e.target.checked : e.target.value;
      refresh();
    };
    add(
      root,
      el("h2", {}, "Process labels"),
      el(
        "p",
        { class: "note" },
        "Each line coloured by its label: green +1 (the prefix through it can still pass), red −1, grey 0 (neutral: comments, blank). ▶ marks the first error; probes show the K completions binary search drew.",
      ),
      el(
        "div",
        { class: "filters" },
        view.files.length > 1
          ? select(
              "labels-file",
              "file",
              view.files.map((f) => f.path),
              set("file"),
            )
          : null,
        select("labels-kind", "kind", distinct(all.map((r) => r.kind)), set("kind")),
        select("labels-promptKind", "prompt kind", distinct(all.map((r) => r.promptKind)), set("promptKind")),
        select("labels-difficulty", "difficulty", distinct(all.map((r) => r.difficulty)), set("difficulty")),
        select(
          "labels-length",
          "steps",
          lengthBuckets.filter((b) => all.some((r) => lengthBucket(r.steps) === b)),
          set("length"),
        ),
        distinct(all.map((r) => r.method)).length > 1
          ? select("labels-method", "method", distinct(all.map((r) => r.method)), set("method"))
          : null,
        all.some((r) => r.disagree > 0)
          ? el(
              "label",
              { class: "filter" },
              el("input", { type: "checkbox", id: "labels-disagree", onchange: set("disagree") }),
              " binary ≠ linear only",
            )
          : null,
      ),
      count,
      list,
    );
    refresh();
    function refresh() {
      const files = view.files.map((f) => f.path);
      const shown = all.filter(
        (r) =>
          (!state.file || files[r.f] === state.file) &&
          (!state.kind || r.kind === state.kind) &&
          (!state.promptKind || r.promptKind === state.promptKind) &&
          (!state.difficulty || r.difficulty === state.difficulty) &&
          (!state.length || lengthBucket(r.steps) === state.length) &&
          (!state.method || r.method === state.method) &&
          (!state.disagree || r.disagree > 0),
      );
      const byProblem = new Map();
      for (const r of shown) {
        const key = r.f + "\u0000" + r.p;
        if (!byProblem.has(key)) byProblem.set(key, []);
        byProblem.get(key).push(r);
      }
      count.textContent =
        shown.length + " responses to " + byProblem.size + " problems (of " + all.length + " responses)";
      pagedList(list, [...byProblem.values()], problemDetails, 50);
    }
    function problemDetails(responses) {
      const first = responses[0];
      const kinds = {};
      responses.forEach((r) => (kinds[r.kind] = (kinds[r.kind] || 0) + 1));
      const summary = [
        el("span", { class: "pid" }, first.p),
        first.difficulty ? el("span", { class: "tag" }, first.difficulty + " steps") : null,
        first.promptKind ? el("span", { class: "tag" }, first.promptKind) : null,
        Object.entries(kinds).map(([k, n]) => el("span", { class: "tag kind-" + k }, n + " " + k)),
      ];
      return lazyDetails({ class: "problem", "data-problem": first.p }, summary, () =>
        item(first).then((detail) => [
          promptBlock(detail.prompt),
          responses.map((r, n) =>
            lazyDetails(
              { class: "response", "data-kind": r.kind, "data-chunk": r.c, "data-index": r.i },
              [
                "response " + (n + 1) + " ",
                el("span", { class: "tag kind-" + r.kind }, r.kind),
                " " + r.steps + " steps",
                r.firstError !== null ? " · first error at step " + (r.firstError + 1) : "",
                r.disagree ? el("span", { class: "tag disagree" }, r.disagree + " binary ≠ linear") : null,
              ],
              () => item(r).then(labelledResponse),
            ),
          ),
        ]),
      );
    }
  }

  function labelledResponse(d) {
    const probeOf = new Map(d.probes.map((p, n) => [p.step, Object.assign({ order: n + 1 }, p)]));
    const columns = [{ head: "label", cell: (j) => labelCell(d.labels[j]) }];
    if (d.linear) columns.push({ head: "linear", cell: (j) => labelCell(d.linear.labels[j]) });
    const probes = el("div", { class: "probes", hidden: true });
    if (d.probes.length)
      columns.push({
        head: "probe",
        cell: (j) => {
          const p = probeOf.get(j);
          if (!p) return el("td", {});
          return el(
            "td",
            { class: "probe" },
            el(
              "button",
              { class: "probe-link " + (p.correct ? "ok" : "bad"), onclick: () => showProbes(j) },
              "#" + p.order + (p.correct ? " ✓" : " ✗"),
            ),
          );
        },
      });
    function showProbes(focus) {
      probes.hidden = false;
      const target = probes.querySelector('[data-step="' + focus + '"]');
      if (target) target.scrollIntoView({ block: "nearest" });
    }
    d.probes.forEach((p, n) =>
      probes.append(
        el(
          "div",
          { class: "probe-box " + (p.correct ? "ok" : "bad"), "data-step": p.step },
          el(
            "h4",
            {},
            "probe " +
              (n + 1) +
              ": prefix through step " +
              (p.step + 1) +
              " — " +
              (p.correct ? "a completion passed (correct prefix)" : "no completion passed (wrong prefix)") +
              ", " +
              p.executions +
              " of " +
              p.completions +
              " completions run",
          ),
          p.samples.length
            ? p.samples.map((s, k) =>
                el(
                  "div",
                  { class: "completion " + (s.passed === null ? "skipped" : s.passed ? "ok" : "bad") },
                  el(
                    "span",
                    { class: "verdict" },
                    "completion " +
                      (k + 1) +
                      ": " +
                      (s.passed === null
                        ? "not run (an earlier one passed)"
                        : s.passed
                          ? "passed"
                          : "failed"),
                  ),
                  el("pre", { class: "hljs", html: s.html }),
                ),
              )
            : el(
                "p",
                { class: "note" },
                "(completion texts are recorded by linewise label since the HTML report)",
              ),
        ),
      ),
    );
    const mutation = d.mutation
      ? el(
          "div",
          { class: "mutation" },
          el(
            "p",
            {},
            "rewrite: ",
            el("b", {}, d.mutation.rewrite || "–"),
            d.mutation.step !== null ? " of step " + (d.mutation.step + 1) : "",
            " · program verdict: ",
            el("b", { class: "verdict" }, d.mutation.verdict || (d.passed ? "pass" : "–")),
          ),
          d.mutation.reference
            ? [
                el("p", {}, "reference step:"),
                el("pre", { class: "hljs reference", html: d.mutation.reference.join("\n") }),
              ]
            : null,
          d.mutation.step !== null
            ? [
                el("p", {}, "rewritten step:"),
                el("pre", { class: "hljs rewritten", html: stepHtml(d.steps[d.mutation.step] || "") }),
              ]
            : null,
        )
      : null;
    const table = codeTable(
      d.steps,
      columns,
      (j) =>
        labelClass[d.labels[j]] +
        (j === d.firstError ? " first-error" : "") +
        (d.linear && d.linear.labels[j] !== d.labels[j] ? " disagree" : "") +
        (d.mutation && d.mutation.step === j ? " rewritten" : ""),
      (j) => ({ "data-label": d.labels[j] }),
    );
    return [
      mutation,
      table,
      d.probes.length
        ? el(
            "button",
            { class: "show-probes", onclick: () => (probes.hidden = !probes.hidden) },
            "binary-search probes (" + d.probes.length + ")",
          )
        : null,
      d.linear && !d.linear.monotone
        ? el(
            "p",
            { class: "note" },
            "The linear scan's labels are not monotone: binary search's assumption fails on this response.",
          )
        : null,
      probes,
      el(
        "p",
        { class: "cost" },
        "cost: " +
          d.cost.completions +
          " completions, " +
          d.cost.executions +
          " executions, " +
          (d.cost.ms / 1000).toFixed(1) +
          " s · policy " +
          d.policy,
      ),
    ];
  }

  // ---- PRM view ----------------------------------------------------------------------------------
  function prmView(root) {
    add(root, el("h2", {}, "Process reward model"));
    index.prm.forEach((run) => {
      const m = run.metrics;
      add(
        root,
        el("h3", {}, run.name),
        m
          ? el(
              "table",
              { class: "figures" },
              el(
                "tr",
                {},
                [
                  "labelled steps",
                  "accuracy on +1",
                  "accuracy on −1",
                  "balanced",
                  "AUC",
                  "mean |score| of neutral",
                ].map((h) => el("th", {}, h)),
              ),
              el(
                "tr",
                {},
                [
                  m.steps,
                  pct(m.accuracyPositive),
                  pct(m.accuracyNegative),
                  pct(m.balancedAccuracy),
                  fixed(m.auc, 3),
                  fixed(m.neutralMeanAbs, 3),
                ].map((v) => el("td", {}, v)),
              ),
            )
          : null,
        run.note ? el("p", { class: "note" }, run.note) : null,
        el("div", { class: "charts", html: run.charts.join("\n") }),
      );
      if (!run.responses.length) return;
      const list = el("div", { class: "list" });
      add(
        root,
        el(
          "h4",
          {},
          "Held-out responses (" + run.responses.length + "): the PRM's score beside each line's label",
        ),
        list,
      );
      pagedList(
        list,
        run.responses,
        (r) =>
          lazyDetails(
            { class: "response prm-response", "data-problem": r.p, "data-kind": r.kind },
            [
              el("span", { class: "pid" }, r.p),
              " ",
              el("span", { class: "tag kind-" + r.kind }, r.kind),
              " " + r.steps + " steps",
            ],
            () =>
              item(r).then((d) => [
                promptBlock(d.prompt),
                codeTable(
                  d.steps,
                  [
                    { head: "label", cell: (j) => labelCell(d.labels[j]) },
                    { head: "PRM", cell: (j) => scoreCell(d.scores[j]) },
                  ],
                  (j) =>
                    labelClass[d.labels[j]] +
                    (d.labels[j] !== 0 && Math.sign(d.scores[j]) !== d.labels[j] ? " miss" : ""),
                  (j) => ({ "data-label": d.labels[j] }),
                ),
              ]),
          ),
        50,
      );
    });
  }

  // ---- RL view -----------------------------------------------------------------------------------
  function rlView(root) {
    const view = index.rl;
    add(root, el("h2", {}, "Reinforcement learning"));
    view.groups.forEach((g) =>
      add(
        root,
        el(
          "h3",
          {},
          "Learning curves: " + (g.name === "." ? "runs" : g.name) + " (" + g.arms.length + " arms)",
        ),
        el(
          "p",
          { class: "note" },
          "An arm with several seeds is drawn as their mean, with a band from the lowest to the highest seed.",
        ),
        el("div", { class: "charts rl-charts", "data-group": g.name, html: g.charts.join("\n") }),
      ),
    );
    const runs = view.runs.filter((r) => r.iterations.length);
    if (!runs.length) return;
    const runSelect = el(
      "select",
      { id: "rl-run" },
      runs.map((r, k) => el("option", { value: k }, r.arm + " · seed " + r.seed)),
    );
    const iterSelect = el("select", { id: "rl-iteration" });
    const statusSelect = el(
      "select",
      { id: "rl-status" },
      ["", "pass", "fail"].map((s) => el("option", { value: s }, s || "all")),
    );
    const count = el("p", { id: "rl-count", class: "count" });
    const list = el("div", { class: "list" });
    add(
      root,
      el("h3", {}, "Sampled rollouts"),
      el(
        "p",
        { class: "note" },
        "Each trained-on rollout with its verdict and reward parts; per line, the PRM's score and the line reward it earned (λ(o)·PRM_i/L for PSGPO). Comment lines and padding that farm line rewards show here.",
      ),
      el(
        "div",
        { class: "filters" },
        el("label", { class: "filter" }, "run ", runSelect),
        el("label", { class: "filter" }, "iteration ", iterSelect),
        el("label", { class: "filter" }, "outcome ", statusSelect),
      ),
      count,
      list,
    );
    const fillIterations = () => {
      iterSelect.textContent = "";
      runs[runSelect.value].iterations.forEach((it, k) =>
        iterSelect.append(
          el("option", { value: k }, it.iteration + " (" + it.passed + "/" + it.rollouts + " passed)"),
        ),
      );
      iterSelect.value = String(runs[runSelect.value].iterations.length - 1);
    };
    const show = () => {
      const it = runs[runSelect.value].iterations[iterSelect.value];
      count.textContent = "loading…";
      chunk(it.list).then(
        (all) => {
          const rows = all.filter(
            (r) => !statusSelect.value || (statusSelect.value === "pass") === (r.status === "pass"),
          );
          count.textContent = rows.length + " rollouts";
          pagedList(list, rows, rolloutDetails, 50);
          window.LW_LISTED_AT = performance.now(); // for the browser test's load time
        },
        (e) => {
          count.textContent = e.message;
          console.error(e);
        },
      );
    };
    runSelect.addEventListener("change", () => (fillIterations(), show()));
    iterSelect.addEventListener("change", show);
    statusSelect.addEventListener("change", show);
    fillIterations();
    show();
  }

  function rolloutDetails(r) {
    const rw = r.reward;
    const summary = [
      el("span", { class: "pid" }, r.p),
      " ",
      el("span", { class: "tag " + (r.status === "pass" ? "kind-correct" : "kind-wrong") }, r.status),
      " outcome " + fixed(rw.outcome, 2) + " · process " + fixed(rw.process, 3) + " · KL " + fixed(rw.kl, 4),
      " · total " + fixed(rw.total, 3) + " · " + r.lines + " lines",
    ];
    return lazyDetails({ class: "response rollout", "data-status": r.status }, summary, () =>
      item(r).then((d) => {
        const columns = [{ head: "PRM", cell: (j) => scoreCell(d.scores[j]) }];
        if (d.stepRewards)
          columns.push({ head: "line reward", cell: (j) => scoreCell(d.stepRewards[j], "score reward") });
        return codeTable(d.steps, columns, (j) => (d.stepRewards && d.stepRewards[j] === 0 ? "lab-neu" : ""));
      }),
    );
  }

  // ---- eval view ---------------------------------------------------------------------------------
  function evalView(root) {
    add(root, el("h2", {}, "Evaluations"));
    index.eval.forEach((e, n) => {
      const s = e.summary;
      const ks = s.samplesPerProblem > 0 ? s.ks : [];
      const table = (title, rows, greedyRows) =>
        el(
          "table",
          { class: "figures passk" },
          el(
            "tr",
            {},
            [title, "problems", "samples"]
              .concat(
                greedyRows ? ["greedy pass@1"] : [],
                ks.map((k) => "pass@" + k),
              )
              .map((h) => el("th", {}, h)),
          ),
          rows.map((r) =>
            el(
              "tr",
              {},
              [r.group, r.problems, r.samples]
                .concat(
                  greedyRows
                    ? [
                        pct(
                          (greedyRows.find((g) => g.group === r.group) || { passAtK: [{}] }).passAtK[0].value,
                        ),
                      ]
                    : [],
                )
                .concat(ks.map((k) => pct((r.passAtK.find((p) => p.k === k) || {}).value)))
                .map((v) => el("td", {}, v)),
            ),
          ),
        );
      const list = el("div", { class: "list" });
      const filter = select(
        "eval-" + n + "-difficulty",
        "difficulty",
        distinct(e.problems.map((p) => p.difficulty)),
        () => refresh(),
      );
      const refresh = () => {
        const d = filter.querySelector("select").value;
        pagedList(
          list,
          e.problems.filter((p) => !d || p.difficulty === d),
          problemSamples,
          50,
        );
      };
      add(
        root,
        el("h3", {}, e.name),
        el(
          "div",
          { class: "tables" },
          table(
            "split",
            [s.overall],
            s.greedyPass1 === null ? null : [{ group: s.overall.group, passAtK: [{ value: s.greedyPass1 }] }],
          ),
          table("difficulty", s.byDifficulty, s.greedyByDifficulty),
          table("response tokens", s.byLength, null),
        ),
        el("div", { class: "filters" }, filter),
        list,
      );
      refresh();
    });
  }

  function problemSamples(p) {
    return lazyDetails(
      { class: "problem eval-problem", "data-problem": p.p },
      [
        el("span", { class: "pid" }, p.p),
        p.difficulty ? el("span", { class: "tag" }, p.difficulty + " steps") : null,
        el(
          "span",
          { class: "tag " + (p.passed ? "kind-correct" : "kind-wrong") },
          p.passed + "/" + p.samples + " passed",
        ),
        p.greedy === null ? null : el("span", { class: "tag" }, "greedy " + (p.greedy ? "passed" : "failed")),
      ],
      () =>
        item(p).then((d) => [
          promptBlock(d.prompt),
          (d.greedy ? [Object.assign({ name: "greedy" }, d.greedy)] : [])
            .concat(d.samples.map((s, k) => Object.assign({ name: "sample " + (k + 1) }, s)))
            .map((s) =>
              el(
                "div",
                { class: "sample " + (s.passed ? "ok" : "bad") },
                el("p", { class: "verdict" }, s.name + ": " + s.status + " · " + s.tokens + " tokens"),
                el("pre", { class: "hljs", html: s.lines.join("\n") }),
              ),
            ),
        ]),
    );
  }

  // ---- tabs --------------------------------------------------------------------------------------
  const views = {
    labels: ["Labels", labelsView],
    prm: ["PRM", prmView],
    rl: ["RL", rlView],
    eval: ["Eval", evalView],
  };
  const present = Object.keys(views).filter((v) => index[v]);
  const main = document.getElementById("view");
  const tabs = document.getElementById("tabs");
  document.getElementById("run-title").textContent = index.title;
  document.title = "linewise report — " + index.title;
  const rendered = new Map();
  function open(name) {
    if (!present.includes(name)) name = present[0];
    for (const t of tabs.children) t.classList.toggle("active", t.dataset.view === name);
    for (const [v, node] of rendered) node.hidden = v !== name;
    if (!name) {
      main.append(
        el(
          "p",
          { class: "note" },
          "Nothing to show: this folder holds no label files, PRM runs, RL runs or evaluations.",
        ),
      );
      return;
    }
    if (!rendered.has(name)) {
      const node = el("section", { class: "view", id: "view-" + name });
      rendered.set(name, node);
      main.append(node);
      views[name][1](node);
    }
  }
  present.forEach((v) => tabs.append(el("a", { class: "tab", href: "#" + v, "data-view": v }, views[v][0])));
  window.addEventListener("hashchange", () => open(location.hash.slice(1)));
  open(location.hash.slice(1));
  // When the page script finished (ms since navigation): the browser test's load time.
  window.LW_READY_AT = performance.now();
  window.LW_READY = true;
})();
