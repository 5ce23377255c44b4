// tanseeq operations room: the only script. It enhances server-rendered pages; every page
// works without it except for live updates. Text from objects is only ever set with
// textContent, never as HTML.
"use strict";

(function () {
  const csrf = document.body ? document.body.dataset.csrf || "" : "";

  // ---- Live feed (dashboard) ----------------------------------------------------------
  function feed() {
    const list = document.getElementById("feed");
    if (!list || !window.EventSource) return;
    const state = document.getElementById("feed-state");
    const label = (name) => list.dataset["label" + name] || "";
    const maxItems = 200;
    const after = encodeURIComponent(list.dataset.after || "");
    const source = new EventSource("/ui/events?after=" + after);

    const setState = (live) => {
      if (!state) return;
      state.textContent = live ? label("Live") : label("Offline");
      state.classList.toggle("live", live);
    };
    source.onopen = () => setState(true);
    source.onerror = () => setState(false);

    const show = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (_) {
        return;
      }
      setState(true);
      if (list.querySelector('li[data-id="' + CSS.escape(event.id) + '"]')) return;
      const item = document.createElement("li");
      item.className = "feed-item fresh kind-" + event.kind;
      item.dataset.id = event.id;

      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent =
        event.kind === "partner" ? label("Partner") : event.kind === "sighting" ? label("Sighting") : label("Object");
      item.appendChild(kind);

      const link = document.createElement("a");
      link.href =
        "/ui/object/" +
        encodeURIComponent(event.api_root) +
        "/" +
        encodeURIComponent(event.collection) +
        "/" +
        encodeURIComponent(event.id);
      const name = document.createElement("bdi");
      appendRichText(name, event.name || event.id);
      link.appendChild(name);
      item.appendChild(link);

      const type = document.createElement("span");
      type.className = "type";
      type.textContent = event.type;
      item.appendChild(type);

      const tlp = document.createElement("span");
      if (event.tlp) {
        // The feed says `TLP:GREEN`; the class wants `green`.
        const level = event.tlp.replace(/^TLP:/i, "").toLowerCase();
        tlp.className = "tlp tlp-" + level.replace("+", "-");
        tlp.dir = "ltr";
        tlp.textContent = "TLP:" + level.toUpperCase();
      } else {
        tlp.className = "tlp tlp-none";
        tlp.textContent = label("None");
      }
      item.appendChild(tlp);

      const time = document.createElement("time");
      time.dateTime = event.date_added;
      time.textContent = formatTime(event.date_added);
      item.appendChild(time);

      list.insertBefore(item, list.firstChild);
      while (list.children.length > maxItems) list.removeChild(list.lastChild);
    };
    for (const kind of ["object", "sighting", "partner"]) source.addEventListener(kind, show);
  }

  // Machine values inside text, each isolated left to right (the server's `rich_text`).
  const MACHINE_VALUE = new RegExp(
    [
      String.raw`\b(?:https?|hxxps?|ftp):\/\/[^\s<>"]+`,
      String.raw`\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+\b`,
      String.raw`\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?\b`,
      String.raw`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\b`,
      String.raw`\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?:\/\d{1,3})?`,
      String.raw`\b[0-9a-f]{32,128}\b`,
      String.raw`\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b`,
    ].join("|"),
    "gi"
  );

  function appendRichText(parent, text) {
    let last = 0;
    for (const match of text.matchAll(MACHINE_VALUE)) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      const value = document.createElement("bdi");
      value.className = "value";
      value.dir = "ltr";
      value.textContent = match[0];
      parent.appendChild(value);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function formatTime(text) {
    const date = new Date(text);
    if (isNaN(date.getTime())) return text;
    const lang = document.documentElement.lang === "ar" ? "ar-u-nu-latn" : "en-GB";
    try {
      return (
        new Intl.DateTimeFormat(lang, {
          day: "numeric",
          month: "short",
          year: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
          timeZone: "UTC",
        }).format(date) + " UTC"
      );
    } catch (_) {
      return text;
    }
  }

  // ---- Live pattern validation (submit) -------------------------------------------------
  function patternCheck() {
    const form = document.getElementById("submit-indicator");
    const status = document.getElementById("pattern-status");
    if (!form || !status) return;
    const input = form.elements.namedItem("pattern");
    let timer = null;
    let sequence = 0;
    const check = () => {
      const text = input.value;
      if (!text.trim()) {
        status.textContent = "";
        status.className = "";
        return;
      }
      const mine = ++sequence;
      status.textContent = status.dataset.checking || "…";
      fetch("/ui/pattern-check", {
        method: "POST",
        headers: { "content-type": "text/plain;charset=utf-8", "x-csrf-token": csrf },
        body: text,
        credentials: "same-origin",
      })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((result) => {
          if (mine !== sequence) return;
          if (result.ok) {
            status.className = "ok";
            status.textContent = "✔ " + (status.dataset.ok || "ok");
          } else {
            status.className = "invalid";
            status.textContent =
              "✘ " + result.line + ":" + result.column + " " + (result.message || "");
          }
        })
        .catch(() => {
          if (mine !== sequence) return;
          status.className = "";
          status.textContent = "";
        });
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, 200);
    });
    if (input.value.trim()) check();
  }

  // ---- Bundle from a file ---------------------------------------------------------------
  function bundleFile() {
    const file = document.getElementById("bundle-file");
    const form = document.getElementById("submit-bundle");
    if (!file || !form) return;
    file.addEventListener("change", () => {
      const chosen = file.files && file.files[0];
      if (!chosen) return;
      chosen.text().then((text) => {
        form.elements.namedItem("bundle").value = text;
        form.elements.namedItem("bundle").dispatchEvent(new Event("input"));
      });
    });
  }

  // ---- Forms survive an expired session -----------------------------------------------
  // A form with class "keep" is saved in sessionStorage as it is typed; after signing in
  // again the page is shown anew and the fields come back. A successful submission (the
  // page then shows a notice) clears it.
  function keepForms() {
    const stored = document.querySelector(".notice[role=status]");
    for (const form of document.querySelectorAll("form.keep")) {
      const key = "tanseeq-form:" + location.pathname + ":" + form.id;
      if (stored) sessionStorage.removeItem(key);
      const fields = () =>
        Array.from(form.elements).filter(
          (e) => e.name && e.name !== "csrf" && e.type !== "file" && e.type !== "hidden" && e.type !== "password"
        );
      const saved = sessionStorage.getItem(key);
      if (saved && !stored) {
        try {
          const values = JSON.parse(saved);
          for (const field of fields()) {
            if (Object.prototype.hasOwnProperty.call(values, field.name) && !field.value) {
              field.value = values[field.name];
            } else if (Object.prototype.hasOwnProperty.call(values, field.name) && field.tagName === "SELECT") {
              field.value = values[field.name];
            }
          }
        } catch (_) {
          sessionStorage.removeItem(key);
        }
      }
      const save = () => {
        const values = {};
        for (const field of fields()) values[field.name] = field.value;
        try {
          sessionStorage.setItem(key, JSON.stringify(values));
        } catch (_) {
          // Too large for the browser's storage (a big bundle): not kept.
          sessionStorage.removeItem(key);
        }
      };
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", save);
    }
  }

  function start() {
    keepForms();
    feed();
    patternCheck();
    bundleFile();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
