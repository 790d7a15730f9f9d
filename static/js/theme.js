// A classic script, run in <head> before the first paint (a module would run after it): it sets
// data-theme to "light" or "dark" from the lesson's link, or else the system's preference, so the
// stylesheet writes the dark palette once, under [data-theme="dark"]. main.js keeps it current.
(() => {
  const asked = new URLSearchParams(location.hash.slice(1)).get("theme");
  const system = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  document.documentElement.dataset.theme = asked === "light" || asked === "dark" ? asked : system;
})();
