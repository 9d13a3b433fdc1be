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
    if (this.shadowRoot) return;
    const shadow = this.attachShadow({ mode: "open" });
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = STYLE;
    const root = document.createElement("div");
    root.className = "bs-app";
    shadow.append(style, root);
    const site = new URL(this.getAttribute("src") || SITE, document.baseURI).href;
    const base = site.endsWith("/") ? site : site + "/";
    ready.then(() => mount(root, this, base, MODULE)).catch((e) => failed(root, e));
  }

  attributeChangedCallback(name, before, after) {
    if (before !== after) this.dispatchEvent(new Event("broadsheet-route"));
  }
}

if (!customElements.get("broadsheet-viewer")) {
  customElements.define("broadsheet-viewer", BroadsheetViewer);
}
