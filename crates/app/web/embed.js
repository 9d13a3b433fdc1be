// <broadsheet-viewer>: a Broadsheet site embedded in any page.
//
//   <script type="module" src="https://example.org/news/embed.js"></script>
//   <broadsheet-viewer src="https://example.org/news/"></broadsheet-viewer>
//
// The viewer renders into its own shadow root: the host page's CSS does not
// reach it and its CSS does not reach the host page, except the documented
// custom properties (--bs-accent, --bs-font-text, ...), which are inherited
// on purpose so the host can theme it. It never touches the page's URL or
// history: its screen lives in the `route` attribute ("#/?q=...",
// "#/a/SLUG"), which the viewer updates and the host may set.
//
// Written by `broadsheet build` for one build: it names that build's app.
import { ready, mount, failed } from "./{{APP_JS}}";

const STYLE = new URL("./{{APP_CSS}}", import.meta.url).href;
const SITE = new URL("./", import.meta.url).href;
// The app module, which also runs as the viewer's search worker.
const MODULE = new URL("./{{APP_JS}}", import.meta.url).href;

class BroadsheetViewer extends HTMLElement {
  static get observedAttributes() {
    return ["route"];
  }

  connectedCallback() {
    // Moved within the page (taken out and put back in one go): still
    // mounted.
    if (this.viewer) return;
    const shadow = this.shadowRoot || this.attachShadow({ mode: "open" });
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = STYLE;
    const root = document.createElement("div");
    root.className = "bs-app";
    shadow.replaceChildren(style, root);
    const site = new URL(this.getAttribute("src") || SITE, document.baseURI).href;
    const base = site.endsWith("/") ? site : site + "/";
    this.viewer = ready.then(() => mount(root, this, base, MODULE));
    this.viewer.catch((e) => failed(root, e));
  }

  // Taken off the page (a portal's client-side router moving on): the
  // viewer, its search worker and the index it holds go too, unless the
  // element is back by the next task (moved, not removed). Put back later,
  // it mounts afresh.
  disconnectedCallback() {
    setTimeout(() => {
      if (this.isConnected || !this.viewer) return;
      const viewer = this.viewer;
      this.viewer = null;
      viewer.then((v) => v.destroy(), () => {});
    });
  }

  attributeChangedCallback(name, before, after) {
    if (before !== after) this.dispatchEvent(new Event("broadsheet-route"));
  }
}

if (!customElements.get("broadsheet-viewer")) {
  customElements.define("broadsheet-viewer", BroadsheetViewer);
}
