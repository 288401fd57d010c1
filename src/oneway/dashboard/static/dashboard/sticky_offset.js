// Keep targets of in-page links (a new comment, an answer) clear of the sticky review
// toolbar: its height, which changes as it wraps, becomes the scroll margin in CSS.
const toolbar = document.querySelector(".review-toolbar");
if (toolbar) {
  const root = document.documentElement;
  const update = () => root.style.setProperty("--review-toolbar-height", `${toolbar.offsetHeight}px`);
  update();
  new ResizeObserver(update).observe(toolbar);
  // The browser scrolled to the fragment before the margin was known: scroll again.
  const target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target) target.scrollIntoView();
}
