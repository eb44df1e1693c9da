// openimr web app: the little script the pages use. Everything works without it; it only highlights evidence.
"use strict";

// A criterion links to the first span of its evidence; following the link highlights every span of that criterion
// in the record and brings the first one into view (keyboard: Enter on the focused link does the same).
function highlightEvidence(link) {
  const ids = (link.dataset.spans || "").split(" ").filter(Boolean);
  document.querySelectorAll("mark.evidence.active").forEach((mark) => mark.classList.remove("active"));
  let first = null;
  ids.forEach((id) => {
    document.querySelectorAll(`mark.evidence[data-spans~="${id}"]`).forEach((mark) => {
      mark.classList.add("active");
      first = first || mark;
    });
  });
  if (first) {
    first.scrollIntoView({ block: "center" });
  }
}

let followed = null; // the criterion link last clicked

// The criterion the address's #fragment was followed from: the link last clicked or the focused one if it points
// there (a link followed before this script ran keeps the focus), else the first that does (criteria whose evidence
// starts at the same place share the fragment).
function linkForFragment() {
  const hash = window.location.hash;
  if (!hash.startsWith("#ev-")) {
    return null;
  }
  const pointing = (element) =>
    element && element.matches("a.evidence-link") && element.getAttribute("href") === hash ? element : null;
  return (
    pointing(followed) ||
    pointing(document.activeElement) ||
    document.querySelector(`a.evidence-link[href="${CSS.escape(hash)}"]`)
  );
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a.evidence-link");
  if (link) {
    followed = link;
    highlightEvidence(link);
  }
});

// The script is deferred: a link followed while it was still loading (or an address opened with a span's fragment)
// has moved to the span without highlighting the criterion's evidence. Do it now, and again when the fragment changes
// by history (Back, Forward) rather than by a click.
function highlightFragment() {
  const link = linkForFragment();
  if (link) {
    highlightEvidence(link);
  }
}

highlightFragment();
window.addEventListener("hashchange", highlightFragment);
