/* Autosave of the questionnaire's domain page (progressive enhancement; the Save button works
 * without it). Each question (div.question[data-save-url]) saves on its own: on change, debounced,
 * it POSTs its fields and the answer version it is based on. The server answers 200 (saved, new
 * version), 400 (invalid), 409 (someone saved a newer answer: shown with "Keep mine" / "Use
 * theirs", never merged silently), 403/404 (not allowed). Network failures are retried with
 * backoff; offline, answers wait for the connection. Unsent answers are kept in localStorage
 * (keyed by assessment and question) and sent again when the page is opened again. An answer the
 * server refused (autosave or the Save button) stays in the browser, shown with its error in the
 * same style as the page's own errors, until it is saved or the person discards it.
 * Strings come translated from the page (json_script "questionnaire-strings"). No inline script.
 */
(function () {
  "use strict";

  var form = document.getElementById("questionnaire");
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  if (!form) { return; }

  var stringsElement = document.getElementById("questionnaire-strings");
  var T = stringsElement ? JSON.parse(stringsElement.textContent) : {};
  var assessment = form.getAttribute("data-assessment");
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var KEY_PREFIX = "mrn-assess:unsent:" + assessment + ":";
  var UNSAVED = { pending: true, saving: true, error: true, offline: true, conflict: true, invalid: true };
  var questions = [];
  var submitting = false;
  /* One request at a time per page: answers queue behind each other (slow links, and no two
   * first answers racing on the server). */
  var busy = null;
  var waiting = [];

  function done(question) {
    if (busy === question) { busy = null; }
    var next = waiting.shift();
    if (next) { next.send(next.queuedBase); }
  }

  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function store() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function timeNow() {
    var now = new Date();
    return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  function Question(element) {
    this.el = element;
    this.id = element.getAttribute("data-question");
    this.prefix = element.getAttribute("data-prefix");
    this.url = element.getAttribute("data-save-url");
    this.status = element.querySelector("[data-save-status]");
    this.version = element.querySelector('input[name="' + this.prefix + '-version"]');
    this.key = KEY_PREFIX + this.id;
    this.state = "idle";
    this.timer = null;
    this.delay = 0;
    this.edits = 0;
    this.inFlight = false;
    this.again = false;
    this.panel = null;
    this.discardButton = null;
  }

  Question.prototype.inputs = function () {
    var prefix = this.prefix + "-";
    return Array.prototype.filter.call(
      this.el.querySelectorAll("input, textarea, select"),
      function (input) {
        var name = input.name || "";
        return name.indexOf(prefix) === 0 && input.type !== "hidden" && input.type !== "submit";
      }
    );
  };

  /* The answer's fields as [name, value] pairs, as a form would send them. */
  Question.prototype.fields = function () {
    var pairs = [];
    this.inputs().forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      pairs.push([input.name, input.value]);
    });
    return pairs;
  };

  /* The comment and evidence boxes are folded until used: open them when they hold something. */
  Question.prototype.openExtras = function () {
    var extra = this.el.querySelector("details.answer-extra");
    if (!extra) { return; }
    var filled = Array.prototype.some.call(extra.querySelectorAll("textarea, input"), function (input) {
      return input.type !== "hidden" && input.value.trim() !== "";
    });
    if (filled) { extra.open = true; }
  };

  Question.prototype.apply = function (pairs) {
    this.inputs().forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = pairs.some(function (p) { return p[0] === input.name && p[1] === input.value; });
      } else {
        var found = pairs.filter(function (p) { return p[0] === input.name; });
        input.value = found.length ? found[0][1] : "";
      }
    });
  };

  Question.prototype.setState = function (state, message) {
    this.state = state;
    if (this.status) {
      this.status.setAttribute("data-state", state);
      this.status.textContent = message || "";
    }
    /* refused answers look like the page's own errors (red bar, red bold message) */
    var refused = state === "invalid" || state === "forbidden";
    this.el.classList.toggle("has-error", refused || this.serverError);
    if (refused) { this.offerDiscard(); } else if (state === "saved") { this.removeDiscard(); }
  };

  /* "Discard my change": forget the unsent answer and show the saved one again (the page is
   * loaded again, so the server says what is saved). */
  Question.prototype.offerDiscard = function () {
    if (this.discardButton || !this.status) { return; }
    var self = this;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-danger mt-2";
    button.textContent = T.discard;
    button.setAttribute("data-discard", "");
    button.addEventListener("click", function () {
      self.forget();
      self.state = "idle";
      submitting = true; /* nothing left to warn about for this question */
      /* a GET of the page (never a re-POST of a refused form): the saved answers */
      window.location.assign(window.location.pathname + "?discarded=" + self.id + "#" + self.el.id);
    });
    this.status.parentNode.insertBefore(button, this.status.nextSibling);
    this.discardButton = button;
  };

  Question.prototype.removeDiscard = function () {
    if (this.discardButton) { this.discardButton.remove(); this.discardButton = null; }
    this.serverError = false;
    this.el.classList.remove("has-error");
  };

  Question.prototype.remember = function () {
    var storage = store();
    if (!storage) { return; }
    try {
      storage.setItem(this.key, JSON.stringify({ base: this.version.value, fields: this.fields() }));
    } catch (error) { /* storage full or disabled: the page still holds the answer */ }
  };

  Question.prototype.forget = function () {
    var storage = store();
    if (storage) { storage.removeItem(this.key); }
  };

  Question.prototype.edited = function (wait) {
    this.edits += 1;
    this.remember();
    if (this.state === "conflict") { return; } /* the person must choose first */
    /* an earlier "Saved at …" no longer describes what is on the screen */
    this.setState("pending", "");
    clearTimeout(this.timer);
    var self = this;
    this.timer = setTimeout(function () { self.send(); }, wait);
  };

  Question.prototype.send = function (baseOverride) {
    clearTimeout(this.timer);
    if (this.inFlight) { this.again = true; return; }
    if (navigator.onLine === false) { this.setState("offline", T.offline); return; }
    if (busy && busy !== this) {
      this.queuedBase = baseOverride;
      if (waiting.indexOf(this) === -1) { waiting.push(this); }
      this.setState("saving", T.saving);
      return;
    }
    busy = this;
    this.queuedBase = undefined;
    var self = this;
    var body = new FormData();
    this.fields().forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append(this.prefix + "-version", baseOverride !== undefined ? baseOverride : this.version.value);
    var sentEdits = this.edits;
    this.inFlight = true;
    this.setState("saving", T.saving);
    fetch(this.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || (response.ok && type.indexOf("application/json") === -1)) {
        /* sent to the login page: the session ended. Keep the answer for the next visit. */
        self.inFlight = false;
        self.setState("forbidden", T.signed_out);
        done(self);
        return;
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        self.inFlight = false;
        done(self);
        self.handle(response.status, data, sentEdits);
      });
    }).catch(function () {
      self.inFlight = false;
      done(self);
      self.retry();
    });
  };

  Question.prototype.handle = function (status, data, sentEdits) {
    if (status === 200 && data.status === "saved") {
      this.version.value = data.version;
      this.delay = 0;
      this.clearConflict();
      if (this.edits === sentEdits && !this.again) {
        this.forget();
        this.setState("saved", fmt(T.saved_at, { time: data.saved_at_display || timeNow() }));
      } else {
        this.again = false;
        this.remember();
        this.send();
      }
      return;
    }
    this.again = false;
    if (status === 409 && data.status === "stale") {
      this.showConflict(data);
      return;
    }
    if (status === 400) {
      var messages = [];
      Object.keys(data.errors || {}).forEach(function (name) {
        messages = messages.concat(data.errors[name]);
      });
      this.setState("invalid", T.invalid + (messages.length ? " " + messages.join(" ") : ""));
      return;
    }
    if (status === 403 || status === 404) {
      // "locked": the assessment was submitted meanwhile; the server says so in the reader's language
      this.setState("forbidden", (data && data.status === "locked" && data.message) || T.forbidden);
      return;
    }
    this.retry();
  };

  Question.prototype.retry = function () {
    if (navigator.onLine === false) { this.setState("offline", T.offline); return; }
    this.delay = Math.min(Math.max(2000, this.delay * 2), 60000);
    this.setState("error", T.retrying);
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.send(); }, this.delay);
  };

  Question.prototype.clearConflict = function () {
    if (this.panel) { this.panel.remove(); this.panel = null; }
  };

  Question.prototype.showConflict = function (data) {
    var theirs = data.theirs || {};
    var self = this;
    this.clearConflict();
    var panel = document.createElement("div");
    panel.className = "conflict alert alert-warning mt-3";
    panel.setAttribute("role", "group");
    var title = document.createElement("p");
    title.className = "fw-bold mb-1";
    title.id = "conflict-title-" + this.id;
    title.textContent = fmt(T.stale, { who: theirs.saved_by, when: theirs.saved_at });
    panel.setAttribute("aria-labelledby", title.id);
    panel.appendChild(title);
    var list = document.createElement("dl");
    list.className = "mb-2";
    function row(label, value) {
      var dt = document.createElement("dt");
      dt.textContent = label;
      var dd = document.createElement("dd");
      dd.textContent = value;
      list.appendChild(dt);
      list.appendChild(dd);
      return dd;
    }
    row(T.their_answer, theirs.display || T.no_answer).className = "theirs-value";
    if (theirs.comment) { row(T.their_comment, theirs.comment); }
    if (theirs.evidence && theirs.evidence.length) { row(T.their_evidence, theirs.evidence.join(", ")); }
    panel.appendChild(list);
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "btn btn-sm btn-primary me-2";
    keep.textContent = T.keep_mine;
    keep.setAttribute("data-keep-mine", "");
    keep.addEventListener("click", function () {
      self.version.value = data.version;
      self.clearConflict();
      self.remember();
      self.send();
    });
    var use = document.createElement("button");
    use.type = "button";
    use.className = "btn btn-sm btn-outline-secondary";
    use.textContent = T.use_theirs;
    use.setAttribute("data-use-theirs", "");
    use.addEventListener("click", function () {
      self.useTheirs(theirs, data.version);
    });
    panel.appendChild(keep);
    panel.appendChild(use);
    this.el.querySelector(".card-body").insertBefore(panel, this.status);
    this.panel = panel;
    this.setState("conflict", title.textContent);
    keep.focus();
  };

  Question.prototype.useTheirs = function (theirs, version) {
    var name = this.prefix + "-value";
    var chosen = theirs.values && theirs.values.length ? theirs.values : [theirs.value];
    this.inputs().forEach(function (input) {
      if (input.name === name) {
        if (input.type === "radio" || input.type === "checkbox") {
          input.checked = chosen.indexOf(input.value) !== -1;
        } else {
          input.value = theirs.value || "";
        }
      } else if (input.name === this.prefix + "-comment") {
        input.value = theirs.comment || "";
      } else if (input.name === this.prefix + "-evidence") {
        input.value = (theirs.evidence || []).join("\n");
      }
    }, this);
    this.version.value = version;
    this.clearConflict();
    this.forget();
    this.edits = 0;
    this.setState("saved", fmt(T.using_theirs, { who: theirs.saved_by }));
  };

  /* Answers typed but not sent before the page was closed: put back and send again. If the answer
   * changed since (another version), the server refuses the save and the conflict is shown. */
  Question.prototype.restore = function () {
    var storage = store();
    var raw = storage ? storage.getItem(this.key) : null;
    if (!raw) { return; }
    var saved;
    try { saved = JSON.parse(raw); } catch (error) { this.forget(); return; }
    if (!saved || !saved.fields) { this.forget(); return; }
    if (JSON.stringify(saved.fields) === JSON.stringify(this.fields())) {
      /* the page shows this very answer: saved, or refused by the server (its error is on the
       * page); a refused answer stays kept until it is saved or discarded */
      if (this.serverError) { this.offerDiscard(); } else { this.forget(); }
      return;
    }
    this.apply(saved.fields);
    this.openExtras();
    this.edits += 1;
    this.send(String(saved.base) === this.version.value ? undefined : saved.base);
  };

  Array.prototype.forEach.call(document.querySelectorAll(".question[data-save-url]"), function (element) {
    var question = new Question(element);
    if (!question.version) { return; }
    question.serverError = element.classList.contains("has-error");
    questions.push(question);
    element.addEventListener("input", function (event) {
      var type = event.target.type;
      if (type === "radio" || type === "checkbox") { return; }
      question.edited(1000);
    });
    element.addEventListener("change", function (event) {
      var type = event.target.type;
      question.edited(type === "radio" || type === "checkbox" ? 150 : 300);
    });
    question.restore();
  });

  window.addEventListener("online", function () {
    questions.forEach(function (question) {
      if (question.state === "offline" || question.state === "error") { question.send(); }
    });
  });
  window.addEventListener("offline", function () {
    questions.forEach(function (question) {
      if (question.state === "pending" || question.state === "error") {
        question.setState("offline", T.offline);
      }
    });
  });
  form.addEventListener("submit", function () {
    submitting = true;
    questions.forEach(function (question) { clearTimeout(question.timer); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting) { return; }
    var unsaved = questions.some(function (question) { return UNSAVED[question.state]; });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = T.unsaved_warning || "";
      return T.unsaved_warning;
    }
  });
})();
