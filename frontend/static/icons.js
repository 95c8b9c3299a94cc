// Inline SVG icons for the scripts: the shapes of frontend/icons.py (keep the two alike; a test
// compares them). Drawn in currentColor at the text's size; always beside a text, or labelled.
export const ICONS = {
  "search": "<circle cx=\"11\" cy=\"11\" r=\"7\"/><path d=\"M20 20l-4-4\"/>",
  "warning": "<path d=\"M12 3l10 18H2z\"/><path d=\"M12 10v5M12 18v.5\"/>",
  "check": "<path d=\"M4 12.5l5 5L20 6.5\"/>",
  "lock": "<rect x=\"5\" y=\"11\" width=\"14\" height=\"10\" rx=\"2\"/><path d=\"M8 11V7a4 4 0 018 0v4\"/>",
  "flag": "<path d=\"M5 21V4M5 4h11l-2 4 2 4H5\"/>",
  "snowflake": "<path d=\"M12 2v20M3.3 7l17.4 10M3.3 17L20.7 7M9 4l3 2 3-2M9 20l3-2 3 2\"/>",
  "prev": "<path d=\"M15 5l-7 7 7 7\"/>",
  "next": "<path d=\"M9 5l7 7-7 7\"/>"
};

const escAttr = (v) => String(v).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

export function icon(name, label = "") {
  const a11y = label ? `role="img" aria-label="${escAttr(label)}"><title>${escAttr(label)}</title>` : `aria-hidden="true" focusable="false">`;
  return `<svg class="icon icon-${name}" viewBox="0 0 24 24" width="1em" height="1em" fill="none" stroke="currentColor" `
    + `stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" ${a11y}${ICONS[name]}</svg>`;
}
