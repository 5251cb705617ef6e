/* Site search for search.html, on Pagefind's JS API. The index is in pagefind/, made with
   the site by `kfh-site build`; nothing is fetched from anywhere else.
   Every link is worked out from this script's own address, so search works wherever the
   site is served (https://example.github.io/kfh-report/ as well as a domain's root).
   Without JavaScript this file never runs: the page then points to the A to Z. */
(function () {
  "use strict";
  var SHOWN = 20;       // results listed; the status says how many there are in all
  var PAUSE_MS = 250;   // search as you type, once typing pauses

  var root = new URL("../", document.currentScript.src);  // this file is assets/search.js
  var loaded = null;

  function pagefind() {
    if (!loaded) {
      loaded = import(new URL("pagefind/pagefind.js", root).href).then(function (api) {
        return api.options({ baseUrl: root.pathname }).then(function () { return api; });
      });
      loaded.catch(function () { loaded = null; });  // let a later search try again
    }
    return loaded;
  }

  function excerptNodes(excerpt) {
    // Pagefind marks matched words with <mark>; keep those and plain text, nothing else.
    var parsed = document.createElement("template");
    parsed.innerHTML = excerpt;
    return Array.prototype.map.call(parsed.content.childNodes, function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        return mark;
      }
      return document.createTextNode(node.textContent);
    });
  }

  function resultItem(data) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = (data.meta && data.meta.title) || data.url;
    item.appendChild(link);
    if (data.excerpt) {
      var excerpt = document.createElement("p");
      excerpt.className = "search-excerpt";
      excerpt.append.apply(excerpt, excerptNodes(data.excerpt));
      item.appendChild(excerpt);
    }
    return item;
  }

  function statusText(term, total) {
    var quoted = "\u2018" + term + "\u2019";
    if (total === 0) return "No results for " + quoted + ". Check the spelling or try other words.";
    var text = total + (total === 1 ? " result for " : " results for ") + quoted;
    return total > SHOWN ? text + ". Showing the best " + SHOWN + ": add words to narrow the search." : text;
  }

  function start() {
    var form = document.getElementById("search-form");
    var input = document.getElementById("search-input");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    if (!form || !input || !status || !list) return;
    var latest = 0;
    var timer = null;

    function show(term) {
      var ticket = ++latest;
      if (!term) {
        list.replaceChildren();
        status.textContent = "";
        return;
      }
      pagefind().then(function (api) {
        return api.search(term);
      }).then(function (search) {
        return Promise.all(search.results.slice(0, SHOWN).map(function (r) { return r.data(); }))
          .then(function (found) {
            if (ticket !== latest) return;  // a newer search has started
            list.replaceChildren.apply(list, found.map(resultItem));
            status.textContent = statusText(term, search.results.length);
          });
      }).catch(function () {
        if (ticket !== latest) return;
        list.replaceChildren();
        status.textContent = location.protocol === "file:"
          ? "Search works only when the site is served (kfh-site serve, or any web server), " +
            "not opened from disk. You can find an organisation A to Z instead."
          : "Search could not be loaded. You can find an organisation A to Z instead.";
      });
    }

    function remember(term) {
      var address = new URL(location.href);
      if (term) address.searchParams.set("q", term); else address.searchParams.delete("q");
      history.replaceState(null, "", address);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      var term = input.value.trim();
      remember(term);
      show(term);
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var term = input.value.trim();
        remember(term);
        show(term);
      }, PAUSE_MS);
    });

    var asked = (new URLSearchParams(location.search).get("q") || "").trim();
    if (asked) {
      input.value = asked;
      show(asked);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
