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

document.addEventListener("click", (event) => {
  const link = event.target.closest("a.evidence-link");
  if (link) {
    highlightEvidence(link);
  }
});
