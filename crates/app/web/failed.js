// A viewer that cannot start (a browser without WebAssembly, a damaged or
// missing app file) says so where it would be, instead of loading forever.
// Appended to the app module after `ready`: on the site's page it replaces
// the "Loading…" line; embed.js imports `failed` for its shadow root; in
// the search worker there is no document.
export function failed(root, e) {
  const p = document.createElement("p");
  p.className = "error";
  p.setAttribute("role", "alert");
  p.textContent = `The viewer could not start: ${e}`;
  root.replaceChildren(p);
}

if (globalThis.document) {
  ready.catch((e) => {
    const root = document.querySelector("#broadsheet.bs-app");
    if (root) failed(root, e);
  });
}
