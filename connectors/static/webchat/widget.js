/*
 * Customer Agent web chat widget. Embed with one tag, no build step:
 *   <script src="https://BOT/webhooks/webchat/static/widget.js" data-server="https://BOT"></script>
 * Optional attributes: data-open="true" (open on load), data-lang="nl" (force the UI language).
 *
 * Everything a message contains is rendered with textContent / setAttribute on vetted URLs:
 * no HTML from content or visitors is ever parsed as markup.
 * The conversation (random id + transcript) lives in localStorage, so a reload keeps it;
 * after 24 h of inactivity a new conversation starts, as on the server.
 */
(function () {
  "use strict";
  if (window.CustomerAgent) return;

  var script = document.currentScript;
  var staticBase = script.src.replace(/\/[^\/?#]*(\?.*)?$/, "");
  var server = (script.getAttribute("data-server") || "").replace(/\/+$/, "");
  var api = server
    ? (/\/webhooks\/webchat$/.test(server) ? server : server + "/webhooks/webchat")
    : staticBase.replace(/\/static$/, "");
  var storageKey = "customer-agent:" + api;
  var IDLE_MS = 24 * 3600 * 1000;
  var MAX_STORED = 200;

  var config = { name: "Ava", avatar_url: null, greet_payload: "/greet", max_message_chars: 1000,
                 poll_interval_s: 4, show_why: false, sample_questions: {} };
  var state = null;
  var ui = {};
  var strings = null;
  var lang = "en";
  var busy = false;
  var pollTimer = null;
  var queue = Promise.resolve();

  function browserLanguages() {
    var forced = script.getAttribute("data-lang");
    if (forced) return [forced];
    var langs = navigator.languages && navigator.languages.length ? navigator.languages
      : [navigator.language || "en"];
    return Array.prototype.slice.call(langs, 0, 10);
  }

  function pickLanguage(all) {
    var langs = browserLanguages();
    for (var i = 0; i < langs.length; i++) {
      var primary = String(langs[i]).split("-")[0].toLowerCase();
      if (all[primary]) return primary;
    }
    return "en";
  }

  function t(key, vars) {
    var s = (strings && strings[key]) || window.CustomerAgentI18n.en[key] || key;
    return s.replace(/\{(\w+)\}/g, function (_, k) { return vars && k in vars ? vars[k] : ""; });
  }

  function newId() {
    var bytes = new Uint8Array(24);
    window.crypto.getRandomValues(bytes);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function freshState() {
    return { conversation_id: newId(), updated: Date.now(), messages: [], human: null,
             humanAvatar: null, handoff: false, open: false, pushedUpTo: 0 };
  }

  function loadState() {
    try {
      var raw = window.localStorage.getItem(storageKey);
      var s = raw ? JSON.parse(raw) : null;
      if (s && s.conversation_id && Array.isArray(s.messages) && Date.now() - s.updated < IDLE_MS) {
        return s;
      }
    } catch (e) { /* storage blocked or corrupt: start over */ }
    return freshState();
  }

  function saveState() {
    state.updated = Date.now();
    state.messages = state.messages.slice(-MAX_STORED);
    try { window.localStorage.setItem(storageKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var u = new URL(value, api + "/");
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    return node;
  }

  // The composers quote a little Markdown: paragraphs, "- " lists, "1. " steps, pipe tables,
  // "# " headings, **bold**, `code` and [text](https://...) links (the same subset as
  // connectors/common/markdown.py). Rendered node by node with textContent: nothing from a
  // message is ever parsed as HTML.
  var MD_BULLET = /^\s*[-*+\u2022]\s+(.*)$/;
  var MD_STEP = /^\s*(\d{1,3})[.)]\s+(.*)$/;
  var MD_ROW = /^\s*\|(.*)\|\s*$/;
  var MD_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
  var MD_HEADING = /^\s*#{1,6}\s+(.*?)\s*#*\s*$/;

  function mdCells(line) {
    var m = MD_ROW.exec(line);
    return (m ? m[1] : line).split("|").map(function (c) { return c.trim(); });
  }

  function renderTable(container, lines, i) {
    var wrap = el("div", "ca-table-wrap");
    var table = el("table", "ca-table");
    var head = el("thead");
    var tr = el("tr");
    var header = mdCells(lines[i]);
    header.forEach(function (c) {
      var th = el("th");
      th.setAttribute("scope", "col");
      renderInline(th, c);
      tr.appendChild(th);
    });
    head.appendChild(tr);
    table.appendChild(head);
    var body = el("tbody");
    i += 2;
    while (i < lines.length && MD_ROW.test(lines[i])) {
      var row = el("tr");
      mdCells(lines[i]).forEach(function (c) {
        var td = el("td");
        renderInline(td, c);
        row.appendChild(td);
      });
      body.appendChild(row);
      i++;
    }
    table.appendChild(body);
    wrap.appendChild(table);
    container.appendChild(wrap);
    return i;
  }

  function renderRich(container, text) {
    var lines = String(text).replace(/\r\n/g, "\n").split("\n");
    var list = null;
    var listKind = null;
    var para = null;
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (MD_ROW.test(line) && i + 1 < lines.length && MD_RULE.test(lines[i + 1])) {
        list = para = null;
        i = renderTable(container, lines, i);
        continue;
      }
      var heading = MD_HEADING.exec(line);
      if (heading) {
        list = para = null;
        var h = el("p", "ca-heading");
        var strong = el("strong");
        renderInline(strong, heading[1]);
        h.appendChild(strong);
        container.appendChild(h);
        i++;
        continue;
      }
      var step = MD_STEP.exec(line);
      var bullet = step ? null : MD_BULLET.exec(line);
      if (step || bullet) {
        var kind = step ? "ol" : "ul";
        if (!list || listKind !== kind) {
          list = el(kind);
          listKind = kind;
          if (step && step[1] !== "1") list.setAttribute("start", step[1]);
          container.appendChild(list);
        }
        var li = el("li");
        renderInline(li, step ? step[2] : bullet[1]);
        list.appendChild(li);
        para = null;
        i++;
        continue;
      }
      if (list && line.trim() && /^\s/.test(line)) {  // continuation of a list item
        var last = list.lastChild;
        last.appendChild(document.createTextNode(" "));
        renderInline(last, line.trim());
        i++;
        continue;
      }
      list = null;
      if (!line.trim()) { para = null; i++; continue; }
      if (para) para.appendChild(document.createElement("br"));
      else { para = el("p"); container.appendChild(para); }
      renderInline(para, line);
      i++;
    }
  }

  function renderInline(parent, text) {
    var re = /\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)|`([^`]+)`/g;
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var href = m[3] ? safeUrl(m[3]) : null;
      if (m[1] != null) {
        parent.appendChild(el("strong", null, m[1]));
      } else if (m[4] != null) {
        parent.appendChild(el("code", null, m[4]));
      } else if (href) {
        var a = el("a", "ca-inline-link", m[2]);
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow";
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(m[0]));
      }
      last = re.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.async = true;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  // ---- UI ---------------------------------------------------------------------------------

  function build() {
    var host = el("div");
    host.id = "customer-agent-widget";
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: "open" });
    var css = el("link");
    css.rel = "stylesheet";
    css.href = staticBase + "/widget.css";
    root.appendChild(css);

    var launcher = el("button", "ca-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-controls", "ca-panel");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", t("open", { name: config.name }));
    var launcherImg = el("img", "ca-launcher-avatar");
    launcherImg.alt = "";
    launcher.appendChild(launcherImg);

    var panel = el("section", "ca-panel");
    panel.id = "ca-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "ca-title");
    panel.setAttribute("lang", lang);

    var header = el("header", "ca-header");
    var avatar = el("img", "ca-avatar");
    avatar.alt = "";
    var titles = el("div", "ca-titles");
    var title = el("h2", "ca-title", config.name);
    title.id = "ca-title";
    var ai = el("p", "ca-ai-note", t("poweredByAi"));
    titles.appendChild(title);
    titles.appendChild(ai);
    var restart = el("button", "ca-icon-button ca-restart", "\u21bb");
    restart.type = "button";
    restart.setAttribute("aria-label", t("restart"));
    restart.title = t("restart");
    var close = el("button", "ca-icon-button ca-close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", t("close"));
    close.title = t("close");
    header.appendChild(avatar);
    header.appendChild(titles);
    header.appendChild(restart);
    header.appendChild(close);

    var log = el("div", "ca-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", t("log", { name: config.name }));
    log.tabIndex = 0;

    var typing = el("div", "ca-typing");
    typing.setAttribute("role", "status");
    typing.hidden = true;
    var dots = el("span", "ca-dots");
    dots.setAttribute("aria-hidden", "true");
    for (var i = 0; i < 3; i++) dots.appendChild(el("span"));
    var typingText = el("span", "ca-typing-text");
    typing.appendChild(dots);
    typing.appendChild(typingText);

    var form = el("form", "ca-form");
    var label = el("label", "ca-sr-only", t("inputLabel"));
    label.setAttribute("for", "ca-input");
    var input = el("textarea", "ca-input");
    input.id = "ca-input";
    input.rows = 1;
    input.placeholder = t("placeholder");
    input.maxLength = config.max_message_chars;
    var sendBtn = el("button", "ca-send", t("send"));
    sendBtn.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(sendBtn);

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    root.appendChild(launcher);
    root.appendChild(panel);

    ui = { host: host, root: root, launcher: launcher, launcherImg: launcherImg, panel: panel,
           avatar: avatar, title: title, ai: ai, log: log, typing: typing, typingText: typingText,
           input: input, send: sendBtn, form: form };
    setAvatar();
    updateHeader();

    launcher.addEventListener("click", function () { setOpen(!state.open); });
    close.addEventListener("click", function () { setOpen(false); launcher.focus(); });
    restart.addEventListener("click", function () { reset(); });
    panel.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { setOpen(false); launcher.focus(); }
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      send(text);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
  }

  function setAvatar() {
    var url = safeUrl(config.avatar_url) || staticBase + "/avatar.svg";
    ui.avatar.src = (state.human && safeUrl(state.humanAvatar)) || url;
    ui.launcherImg.src = url;
  }

  function updateHeader() {
    setAvatar();
    ui.title.textContent = state.human || config.name;
    ui.ai.hidden = !!state.human;
    ui.launcher.setAttribute("aria-label", t("open", { name: state.human || config.name }));
  }

  function setOpen(open) {
    state.open = open;
    saveState();
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    ui.host.classList.toggle("ca-is-open", open);
    if (open) {
      ui.input.focus();
      scrollDown();
      if (!state.messages.length && config.greet_payload && !state.greeted) {
        state.greeted = true;
        send(config.greet_payload, { hidden: true });
      }
    }
  }

  function scrollDown() { ui.log.scrollTop = ui.log.scrollHeight; }

  function renderNotice(text) {
    var n = el("p", "ca-notice", text);
    n.setAttribute("role", "status");
    ui.log.appendChild(n);
  }

  function renderUser(text) {
    var row = el("div", "ca-row ca-row-user");
    row.appendChild(el("span", "ca-sr-only", t("you") + ": "));
    row.appendChild(el("div", "ca-bubble ca-bubble-user", text));
    ui.log.appendChild(row);
  }

  function renderBot(msg, interactive) {
    var custom = msg.custom || {};
    var row = el("div", "ca-row ca-row-bot");
    row.setAttribute("data-kind", custom.kind || "message");
    var speaker = custom.kind === "human" && custom.agent && custom.agent.name
      ? String(custom.agent.name) : config.name;
    row.appendChild(el("span", "ca-sr-only", speaker + ": "));
    if (msg.text) {
      var bubble = el("div", "ca-bubble ca-bubble-bot");
      renderRich(bubble, msg.text);
      row.appendChild(bubble);
    }

    var sources = Array.isArray(custom.sources) ? custom.sources : [];
    var links = [];
    sources.forEach(function (s) {
      if (s && !s.url && typeof s.title === "string" && s.title) {
        links.push(el("span", "ca-source-title", s.title));  // no URL: cited by its title
        return;
      }
      var href = s && safeUrl(s.url);
      if (!href) return;
      var a = el("a", "ca-source", s.title || href);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      links.push(a);
    });
    if (links.length) {
      var nav = el("nav", "ca-sources");
      nav.setAttribute("aria-label", t("sources"));
      nav.appendChild(el("span", "ca-sources-label", t("sources")));
      var ul = el("ul");
      links.forEach(function (a) { var li = el("li"); li.appendChild(a); ul.appendChild(li); });
      nav.appendChild(ul);
      row.appendChild(nav);
    }
    if (custom.kind === "answer" && typeof custom.answer_id === "string" && custom.answer_id) {
      row.appendChild(renderFeedback(msg, String(custom.answer_id)));
    }

    var buttons = Array.isArray(msg.buttons) ? msg.buttons.filter(function (b) {
      return b && b.title && b.payload;
    }) : [];
    if (!buttons.length && Array.isArray(custom.options)) {
      buttons = custom.options.filter(function (o) { return typeof o === "string" && o; })
        .map(function (o) { return { title: o, payload: o }; });
    }
    if (buttons.length) {
      var group = el("div", "ca-options");
      group.setAttribute("role", "group");
      buttons.forEach(function (b) {
        var btn = el("button", "ca-option", b.title);
        btn.type = "button";
        btn.disabled = !interactive;
        btn.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) {
            x.disabled = true;
          });
          send(String(b.payload), { display: String(b.title) });
        });
        group.appendChild(btn);
      });
      row.appendChild(group);
    }
    ui.log.appendChild(row);
  }

  // A thumb drawn as SVG (no emoji font needed); the "down" one is the "up" one turned over.
  var SVG_NS = "http://www.w3.org/2000/svg";
  var THUMB_PATH = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79" +
    "-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 " +
    "1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

  function thumbIcon(down) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", THUMB_PATH);
    path.setAttribute("fill", "currentColor");
    if (down) path.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(path);
    return svg;
  }

  // Thumbs under each AI answer (docs/architecture.md "Feedback"): a click sends the shortcut
  // /feedback{"helpful": "up"|"down", "answer_id": ...} as a hidden message, so the tracker
  // records it; the choice is kept with the stored message and shown, one vote per answer.
  function renderFeedback(msg, answerId) {
    var box = el("div", "ca-feedback");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("feedbackQuestion"));
    var label = el("span", "ca-feedback-label");
    label.setAttribute("aria-live", "polite");
    box.appendChild(label);
    var thumbs = [["up", "feedbackUp"], ["down", "feedbackDown"]];
    var buttons = thumbs.map(function (th) {
      var b = el("button", "ca-thumb ca-thumb-" + th[0]);
      b.appendChild(thumbIcon(th[0] === "down"));
      b.type = "button";
      b.setAttribute("data-vote", th[0]);
      b.setAttribute("aria-label", t(th[1]));
      b.title = t(th[1]);
      b.addEventListener("click", function () {
        if (msg.feedback) return;
        msg.feedback = th[0];
        saveState();
        show();
        var shortcut = "/feedback" + JSON.stringify({ helpful: th[0], answer_id: answerId });
        send(shortcut, { hidden: true, quiet: true, onError: function () {
          msg.feedback = null;  // not recorded: the visitor may try again
          saveState();
          show();
        } });
      });
      box.appendChild(b);
      return b;
    });
    function show() {
      label.textContent = msg.feedback ? t("feedbackThanks") : t("feedbackQuestion");
      buttons.forEach(function (b) {
        var vote = b.getAttribute("data-vote");
        b.disabled = !!msg.feedback;
        b.setAttribute("aria-pressed", msg.feedback === vote ? "true" : "false");
      });
      box.setAttribute("data-feedback", msg.feedback || "");
    }
    show();
    return box;
  }

  function disableOldOptions() {
    Array.prototype.forEach.call(ui.log.querySelectorAll(".ca-option"), function (b) {
      b.disabled = true;
    });
  }

  function renderAll() {
    while (ui.log.firstChild) ui.log.removeChild(ui.log.firstChild);
    var lastBot = -1;
    state.messages.forEach(function (m, i) { if (m.from === "bot") lastBot = i; });
    state.messages.forEach(function (m, i) {
      if (m.from === "user") renderUser(m.text);
      else if (m.from === "notice") renderNotice(m.text);
      else renderBot(m, i === lastBot && i === state.messages.length - 1);
    });
    scrollDown();
  }

  // ---- conversation -----------------------------------------------------------------------

  function addBot(msg) {
    var custom = msg.custom || {};
    if (custom.kind === "feedback") return;  // the thumbs under the answer already show it
    // a person's message (Slack handoff): "agent_left" / "closed" hand the header back
    var over = custom.event === "agent_left" || custom.event === "closed";
    if (custom.kind === "human" && custom.agent && custom.agent.name && !over) {
      var name = String(custom.agent.name);
      state.humanAvatar = custom.agent.avatar_url ? String(custom.agent.avatar_url) : null;
      if (state.human !== name) {
        state.human = name;
        var joined = custom.event === "agent_joined" && msg.text;
        var notice = joined ? String(msg.text) : t("humanNow", { name: name });
        state.messages.push({ from: "notice", text: notice });
        renderNotice(notice);
      }
    } else if (over || custom.kind === "answer" || custom.kind === "clarify") {
      state.human = null;
      state.humanAvatar = null;
    }
    if (over) {
      state.handoff = false;
      stopPolling();
    } else if (custom.kind === "handoff" || custom.kind === "human") {
      state.handoff = true;
    }
    if (custom.event === "agent_joined") {  // the notice above says it; no bubble
      updateHeader();
      return;
    }
    var stored = { from: "bot", text: msg.text || "", buttons: msg.buttons || [], custom: custom };
    state.messages.push(stored);
    disableOldOptions();
    renderBot(stored, true);
    updateHeader();
    try {
      window.dispatchEvent(new CustomEvent("customer-agent:message", { detail: stored }));
    } catch (e) { /* old browsers */ }
  }

  function setBusy(on) {
    busy = on;
    ui.typing.hidden = !on;
    ui.typingText.textContent = on ? t("typing", { name: state.human || config.name }) : "";
    ui.send.disabled = on;
    if (on) scrollDown();
  }

  // Sends run one after another, so a chip clicked during the greeting waits its turn.
  function send(text, opts) {
    queue = queue.then(function () { return doSend(text, opts); });
    return queue;
  }

  function doSend(text, opts) {
    opts = opts || {};
    if (text.length > config.max_message_chars) {
      renderNotice(t("tooLong"));
      return Promise.resolve();
    }
    if (!opts.hidden) {
      var shown = opts.display || text;
      state.messages.push({ from: "user", text: shown });
      renderUser(shown);
    }
    saveState();
    scrollDown();
    if (!opts.quiet) setBusy(true);
    var body = JSON.stringify({
      conversation_id: state.conversation_id,
      message: text,
      metadata: { languages: browserLanguages(), page_url: String(window.location.href) }
    });
    // text/plain keeps this a CORS "simple request": no preflight needed.
    return fetch(api + "/webhook", {
      method: "POST", body: body, credentials: "omit",
      headers: { "Content-Type": "text/plain;charset=UTF-8" }
    }).then(function (resp) {
      if (resp.status === 429) throw new Error("rateLimited");
      if (resp.status === 413) throw new Error("tooLong");
      if (!resp.ok) throw new Error("error");
      return resp.json();
    }).then(function (data) {
      (data.messages || []).forEach(addBot);
      saveState();
      schedulePoll();
    }).catch(function (err) {
      var key = err && (err.message === "rateLimited" || err.message === "tooLong")
        ? err.message : "error";
      renderNotice(t(key));
      if (opts.onError) opts.onError();
    }).then(function () {
      if (!opts.quiet) setBusy(false);
      scrollDown();
    });
  }

  function poll() {
    if (document.hidden) return;
    // `after` acknowledges what is shown: the server forgets it and sends only newer ones,
    // so a poll answer lost on the way is sent again instead of lost
    fetch(api + "/poll?conversation_id=" + encodeURIComponent(state.conversation_id) +
          "&after=" + (state.pushedUpTo || 0), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) {
        var fresh = (data.messages || []).filter(function (m) {
          return typeof m.id === "number" && m.id > (state.pushedUpTo || 0);
        });
        if (fresh.length) {
          fresh.forEach(function (m) {
            state.pushedUpTo = m.id;
            addBot(m);
          });
          saveState();
          scrollDown();
        }
      })
      .catch(function () { /* offline: try again next tick */ });
  }

  function schedulePoll() {
    if (pollTimer || !state.handoff) return;
    pollTimer = window.setInterval(poll, Math.max(1, config.poll_interval_s) * 1000);
  }

  function stopPolling() {
    if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  function reset() {
    var wasOpen = state.open;
    state = freshState();
    saveState();
    stopPolling();
    renderAll();
    updateHeader();
    if (wasOpen) setOpen(true);
  }

  function start() {
    var i18nReady = window.CustomerAgentI18n ? Promise.resolve()
      : loadScript(staticBase + "/i18n.js");
    var configReady = fetch(api + "/config", { credentials: "omit" })
      .then(function (r) { return r.status === 403 ? null : r.ok ? r.json() : {}; })
      .catch(function () { return {}; });
    Promise.all([i18nReady, configReady]).then(function (res) {
      var cfg = res[1];
      if (cfg === null) {
        // every request would be refused: show nothing rather than a broken chat
        console.warn("Customer Agent: this site's origin is not in the web chat's cors_origins");
        return;
      }
      Object.keys(cfg).forEach(function (k) { config[k] = cfg[k]; });
      lang = pickLanguage(window.CustomerAgentI18n);
      strings = window.CustomerAgentI18n[lang];
      state = loadState();
      build();
      renderAll();
      if (state.handoff) { poll(); schedulePoll(); }
      var openAttr = script.getAttribute("data-open") === "true";
      if (state.open || openAttr) setOpen(true);
      window.dispatchEvent(new CustomEvent("customer-agent:ready", {
        detail: { language: lang, config: config }
      }));
    });
  }

  window.CustomerAgent = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    send: function (text) { if (!state.open) setOpen(true); return send(String(text)); },
    reset: function () { reset(); },
    language: function () { return lang; },
    config: function () { return config; }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
