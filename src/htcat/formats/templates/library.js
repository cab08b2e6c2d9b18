// The resource library page: keyword, filters, sort and pages over the
// entries described by the JSON data. Each entry's search text comes folded
// (case and accents) by htcat; an update folds the keyword the same way, scans
// that text, counts the facets and puts only the current page's ten entries
// into the DOM, so a keystroke stays fast on catalogs of many thousand entries.
(function () {
  "use strict";

  var TAGS_SHOWN = 12;
  var data = JSON.parse(document.getElementById("library-data").textContent);
  var entries = data.entries;
  var pageSize = data.pageSize;
  var form = document.getElementById("refine");
  var keyword = document.getElementById("keyword");
  var sort = document.getElementById("sort");
  var year = document.getElementById("year");
  var list = document.getElementById("list");
  var displaying = document.getElementById("displaying");
  var pager = document.getElementById("pager");
  var heading = document.getElementById("results-heading");
  var moreTags = document.getElementById("more-tags");
  var typeBoxes = Array.prototype.slice.call(form.querySelectorAll("input[name=type]"));
  var tagBoxes = Array.prototype.slice.call(form.querySelectorAll("input[name=tag]"));
  var yearOptions = year ? Array.prototype.slice.call(year.options, 1) : [];
  var state = { page: 0, allTags: false };
  var lastQuery = null;

  // As htcat folds the entries' text: case and accents do not matter, so
  // "Trafficking" finds "trafficking" and "cafe" finds "café".
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase()
      .replace(/ß/g, "ss").replace(/ς/g, "σ");
  }
  function words(text) {
    return (fold(text).match(/[\p{L}\p{N}]+/gu) || []).join(" ");
  }
  // As `htcat search` (htcat.query.parse_keywords): words and "quoted
  // phrases", each folded; side by side all must match, OR between two lets
  // either match, and a "-" before one leaves out the entries it matches.
  // Each term is kept with a space before it: it must start a word.
  function parseQuery(query) {
    var groups = [];
    var excluded = [];
    var joining = false;
    var lastWasTerm = false;
    var re = /(-?)"([^"]*)"?|(\S+)/g;
    var m;
    while ((m = re.exec(query)) !== null) {
      var quoted = m[2] !== undefined;
      var word = quoted ? "" : m[3];
      if (word === "OR") {
        joining = lastWasTerm;
        continue;
      }
      var negated = quoted ? m[1] === "-" : word.length > 1 && word.charAt(0) === "-";
      var term = words(quoted ? m[2] : negated ? word.slice(1) : word);
      if (!term) continue;
      if (negated) {
        excluded.push(" " + term);
        lastWasTerm = joining = false;
      } else if (joining && groups.length) {
        groups[groups.length - 1].push(" " + term);
        lastWasTerm = true;
        joining = false;
      } else {
        groups.push([" " + term]);
        lastWasTerm = true;
        joining = false;
      }
    }
    return { groups: groups, excluded: excluded };
  }
  function anyIn(text, terms) {
    for (var i = 0; i < terms.length; i++) if (text.indexOf(terms[i]) !== -1) return true;
    return false;
  }
  function queryMatches(text, query) {
    if (anyIn(text, query.excluded)) return false;
    for (var g = 0; g < query.groups.length; g++) if (!anyIn(text, query.groups[g])) return false;
    return true;
  }

  // The first use of Unicode normalization and property classes loads their
  // tables; do it now rather than on the reader's first keystroke.
  parseQuery("Café 1");

  // Types, years and tags become the positions of their controls, so an
  // update counts into arrays instead of looking names up.
  function positions(values) {
    var found = Object.create(null);
    for (var i = 0; i < values.length; i++) found[values[i]] = i;
    return found;
  }
  var typeAt = positions(typeBoxes.map(function (box) { return box.value; }));
  var yearAt = positions(yearOptions.map(function (option) { return option.value; }));
  var tagAt = positions(tagBoxes.map(function (box) { return box.value; }));
  var typeCount = typeBoxes.map(function (box) { return box.parentNode.querySelector(".count"); });
  var tagCount = tagBoxes.map(function (box) { return box.parentNode.querySelector(".count"); });

  // With scripting on, <noscript> holds its markup as plain text: each entry's
  // card is cut out of it when its page is shown.
  var cards = document.getElementById("entries").textContent;
  var MARK = '<article class="entry"';
  var at = cards.indexOf(MARK);
  for (var i = 0; i < entries.length; i++) {
    if (at === -1) throw new Error("the page lists fewer entries than its data");
    var e = entries[i];
    var end = cards.indexOf("</article>", at) + "</article>".length;
    e.card = [at, end];
    at = cards.indexOf(MARK, end);
    e.typeAt = e.type in typeAt ? typeAt[e.type] : -1;
    e.yearAt = e.year in yearAt ? yearAt[e.year] : -1;
    e.tagsAt = new Int32Array(e.tags.map(function (tag) { return tag in tagAt ? tagAt[tag] : -1; }));
  }

  // Which entries match the keyword, kept while it does not change. Typing on
  // narrows: when each earlier group's every term is now the start of a
  // term of the same group, and nothing was excluded before, only the
  // earlier matches can match, and only they are scanned again.
  var lastParsed = { groups: [], excluded: [] };
  var keywordHits = null;
  function eachStartsOneOf(now, before) {
    for (var i = 0; i < now.length; i++) {
      var found = false;
      for (var j = 0; j < before.length && !found; j++) found = now[i].indexOf(before[j]) === 0;
      if (!found) return false;
    }
    return true;
  }
  function narrows(before, now) {
    if (!before.groups.length || before.excluded.length) return false;
    if (now.groups.length < before.groups.length) return false;
    for (var i = 0; i < before.groups.length; i++) {
      if (!eachStartsOneOf(now.groups[i], before.groups[i])) return false;
    }
    return true;
  }
  function matchKeyword(query) {
    if (query === lastQuery) return keywordHits;
    var wanted = parseQuery(query);
    var hits = null;
    if (wanted.groups.length || wanted.excluded.length) {
      var previous = narrows(lastParsed, wanted) ? keywordHits : null;
      hits = new Uint8Array(entries.length);
      for (var i = 0; i < entries.length; i++) {
        if (previous && !previous[i]) continue;
        hits[i] = queryMatches(entries[i].text, wanted) ? 1 : 0;
      }
    }
    lastQuery = query;
    lastParsed = wanted;
    keywordHits = hits;
    return hits;
  }

  function checkedPositions(boxes) {
    var found = [];
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) found.push(i);
    return found;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function update(options) {
    var hits = matchKeyword(keyword.value);
    var types = new Uint8Array(typeBoxes.length);
    var anyType = false;
    for (var k = 0; k < typeBoxes.length; k++) {
      if (typeBoxes[k].checked) {
        types[k] = 1;
        anyType = true;
      }
    }
    var tags = checkedPositions(tagBoxes);
    var wantYear = year && year.value ? yearAt[year.value] : -1;
    var parts = sort.value.split("-");
    var order = data.order[parts[0]];
    var backwards = parts[1] === (parts[0] === "date" ? "asc" : "desc");
    var shown = [];
    var typeCounts = new Int32Array(typeBoxes.length);
    var yearCounts = new Int32Array(yearOptions.length);
    var tagCounts = new Int32Array(tagBoxes.length);
    for (var n = 0; n < order.length; n++) {
      var index = order[backwards ? order.length - 1 - n : n];
      if (hits && !hits[index]) continue;
      var e = entries[index];
      var typeOk = !anyType || (e.typeAt >= 0 && types[e.typeAt] === 1);
      var yearOk = wantYear < 0 || e.yearAt === wantYear;
      var tagsOk = true;
      for (var t = 0; t < tags.length && tagsOk; t++) tagsOk = e.tagsAt.indexOf(tags[t]) !== -1;
      // A facet counts what choosing it would show, given the other filters.
      if (tagsOk && yearOk && e.typeAt >= 0) typeCounts[e.typeAt]++;
      if (tagsOk && typeOk && e.yearAt >= 0) yearCounts[e.yearAt]++;
      if (!(typeOk && yearOk && tagsOk)) continue;
      shown.push(index);
      for (var g = 0; g < e.tagsAt.length; g++) if (e.tagsAt[g] >= 0) tagCounts[e.tagsAt[g]]++;
    }
    showCounts(typeCounts, yearCounts, tagCounts);

    var pages = Math.max(1, Math.ceil(shown.length / pageSize));
    if (!options || !options.keepPage) state.page = 0;
    state.page = Math.min(state.page, pages - 1);
    var first = state.page * pageSize;
    var page = shown.slice(first, first + pageSize);
    var html = "";
    for (var p = 0; p < page.length; p++) {
      var card = entries[page[p]].card;
      html += cards.slice(card[0], card[1]);
    }
    list.innerHTML = html || '<p class="empty">No resources match. Try fewer or other words, or clear the filters.</p>';
    setText(displaying, page.length
      ? "Displaying " + (first + 1) + " - " + (first + page.length) + " of " + shown.length
      : "Displaying 0 of 0");
    showPager(pages);
  }

  function showCounts(typeCounts, yearCounts, tagCounts) {
    for (var i = 0; i < typeBoxes.length; i++) setText(typeCount[i], "(" + typeCounts[i] + ")");
    for (var y = 0; y < yearOptions.length; y++) {
      setText(yearOptions[y], yearOptions[y].value + " (" + yearCounts[y] + ")");
    }
    // Tags keep their order (most used first); those with nothing to add hide,
    // and only the first few show until the reader asks for all.
    var visible = 0;
    var hiddenSome = false;
    for (var t = 0; t < tagBoxes.length; t++) {
      var box = tagBoxes[t];
      var count = tagCounts[t];
      var show = box.checked || (count > 0 && (state.allTags || visible < TAGS_SHOWN));
      if (count > 0 && !show) hiddenSome = true;
      if (show && !box.checked) visible++;
      var item = box.parentNode.parentNode;
      if (item.hidden === show) item.hidden = !show;
      if (show) setText(tagCount[t], "(" + count + ")");
    }
    if (moreTags) {
      moreTags.hidden = !hiddenSome && !state.allTags;
      setText(moreTags, state.allTags ? "Show fewer tags" : "Show all tags");
      moreTags.setAttribute("aria-expanded", state.allTags ? "true" : "false");
    }
  }

  function pageButton(label, page, current, disabled) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.page = String(page);
    if (current) button.setAttribute("aria-current", "page");
    if (disabled) button.disabled = true;
    if (/^\d+$/.test(label)) button.setAttribute("aria-label", "Page " + label);
    return button;
  }

  function showPager(pages) {
    pager.hidden = pages < 2;
    if (pages < 2) {
      pager.textContent = "";
      return;
    }
    var now = state.page;
    var nodes = [pageButton("Previous", now - 1, false, now === 0)];
    var last = -1;
    for (var p = 0; p < pages; p++) {
      if (p !== 0 && p !== pages - 1 && Math.abs(p - now) > 2) continue;
      if (p - last > 1) {
        var gap = document.createElement("span");
        gap.className = "gap";
        gap.textContent = "…";
        nodes.push(gap);
      }
      nodes.push(pageButton(String(p + 1), p, p === now, false));
      last = p;
    }
    nodes.push(pageButton("Next", now + 1, false, now === pages - 1));
    pager.replaceChildren.apply(pager, nodes);
  }

  keyword.addEventListener("input", function () { update(); });
  form.addEventListener("change", function (event) {
    if (event.target !== keyword) update();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () {
    // The form resets its controls after this event; update once they have.
    setTimeout(function () { update(); }, 0);
  });
  sort.addEventListener("change", function () { update(); });
  if (moreTags) {
    moreTags.addEventListener("click", function () {
      state.allTags = !state.allTags;
      update({ keepPage: true });
    });
  }
  pager.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || button.disabled) return;
    state.page = Number(button.dataset.page);
    update({ keepPage: true });
    heading.focus();
    heading.scrollIntoView({ block: "start" });
  });

  // On a narrow screen the filters start folded, so the results come first.
  var filters = document.getElementById("filters");
  if (filters && window.matchMedia("(max-width: 55.99rem)").matches) filters.open = false;
  form.hidden = false;
  document.getElementById("sorting").hidden = false;
  update();
})();
