/* Five Clear: search-as-you-type for the filters that hold codes (agencies, officials,
 * directives). The box stays a plain text field that takes codes and logins, so a page works
 * without this script; with it, typing asks the API (signed in by the session) for the first
 * few matches and a choice writes the code into the box. No library, no CDN. */
(function () {
  "use strict";

  var DELAY_MS = 200;
  var SHOWN = 8;
  var vietnamese = (document.documentElement.lang || "vi").indexOf("vi") === 0;

  var KINDS = {
    agencies: function (row) {
      var name = (vietnamese ? row.name_vi : row.name_en) || row.name_vi || "";
      return { value: row.code, label: row.code + " — " + name };
    },
    officials: function (row) {
      var who = row.full_name ? row.full_name + " (" + row.username + ")" : row.username;
      return { value: row.username, label: who + (row.agency ? " · " + row.agency : "") };
    },
    directives: function (row) {
      var title = row.title || "";
      if (title.length > 80) { title = title.slice(0, 79) + "…"; }
      return { value: row.number, label: row.number + " — " + title };
    }
  };

  var counter = 0;

  function lastToken(text) {
    var parts = text.split(",");
    return parts[parts.length - 1].trim();
  }

  function Picker(input) {
    counter += 1;
    this.input = input;
    this.kind = KINDS[input.dataset.picker];
    this.url = input.dataset.pickerUrl;
    this.multiple = input.dataset.pickerMultiple === "true";
    this.options = [];
    this.active = -1;
    this.timer = null;
    this.asked = 0;
    this.list = document.createElement("ul");
    this.list.id = (input.id || "picker") + "-options-" + counter;
    this.list.className = "picker-options";
    this.list.setAttribute("role", "listbox");
    this.list.hidden = true;
    this.status = document.createElement("span");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    input.parentNode.classList.add("picker");
    input.insertAdjacentElement("afterend", this.list);
    this.list.insertAdjacentElement("afterend", this.status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.list.id);
    input.addEventListener("input", this.onInput.bind(this));
    input.addEventListener("keydown", this.onKey.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    this.list.addEventListener("mousedown", this.onPick.bind(this));
  }

  Picker.prototype.onInput = function () {
    var self = this;
    window.clearTimeout(this.timer);
    var words = lastToken(this.input.value);
    if (!words) { this.close(); return; }
    this.timer = window.setTimeout(function () { self.ask(words); }, DELAY_MS);
  };

  Picker.prototype.ask = function (words) {
    var self = this;
    var asked = ++this.asked;
    // the address may already hold a filter (the reassign box asks for one agency's officials)
    var url = this.url + (this.url.indexOf("?") < 0 ? "?" : "&") + "search=" + encodeURIComponent(words) +
      "&page_size=" + SHOWN;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) {
        if (asked === self.asked) { self.show((body.results || []).map(self.kind)); }
      })
      .catch(function () { self.close(); });
  };

  Picker.prototype.show = function (options) {
    this.options = options;
    this.active = -1;
    this.list.textContent = "";
    var self = this;
    options.forEach(function (option, index) {
      var item = document.createElement("li");
      item.id = self.list.id + "-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.index = String(index);
      item.textContent = option.label;
      self.list.appendChild(item);
    });
    var open = options.length > 0;
    this.list.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
    this.input.removeAttribute("aria-activedescendant");
    this.status.textContent = String(options.length);
  };

  Picker.prototype.close = function () {
    this.list.hidden = true;
    this.options = [];
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  Picker.prototype.highlight = function (index) {
    var items = this.list.children;
    if (!items.length) { return; }
    this.active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i += 1) {
      items[i].setAttribute("aria-selected", i === this.active ? "true" : "false");
    }
    this.input.setAttribute("aria-activedescendant", items[this.active].id);
    items[this.active].scrollIntoView({ block: "nearest" });
  };

  Picker.prototype.choose = function (index) {
    var option = this.options[index];
    if (!option) { return; }
    if (this.multiple) {
      var parts = this.input.value.split(",");
      parts[parts.length - 1] = " " + option.value;
      this.input.value = parts.join(",").replace(/^\s+/, "") + ", ";
    } else {
      this.input.value = option.value;
    }
    this.close();
    this.input.focus();
  };

  Picker.prototype.onKey = function (event) {
    var open = !this.list.hidden;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      this.highlight(this.active + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      this.highlight(this.active - 1);
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault();
      this.choose(this.active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
    }
  };

  Picker.prototype.onPick = function (event) {
    var item = event.target.closest("[role=option]");
    if (!item) { return; }
    event.preventDefault(); // keep the focus in the box
    this.choose(Number(item.dataset.index));
  };

  function start() {
    var inputs = document.querySelectorAll("input[data-picker]");
    for (var i = 0; i < inputs.length; i += 1) {
      if (KINDS[inputs[i].dataset.picker] && inputs[i].dataset.pickerUrl) { new Picker(inputs[i]); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
